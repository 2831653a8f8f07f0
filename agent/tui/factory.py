"""The real wiring of ``agent chat``: config -> policy, loop settings, model, and fleet.

The app paints first; the SDK import (about a second) and the servers' start run after,
in the app's connection worker, as ``agent run`` overlaps them.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

from agent.commands.fleet import running_fleet
from agent.model_choice import DEFAULT_MODELS
from agent.tui.app import ChatApp
from bridge.approval import Policy
from providers.settings import create_from_config, preload
from providers.types import Message, SystemMessage

if TYPE_CHECKING:
    from agent.sessions import SessionFile
    from bridge.fleet import ServerHandlers
    from bridge.prompting import ToolMode
    from bridge.toolset import FleetToolset
    from config.schema import Config

__all__ = ["create_app"]


def create_app(
    config: Config,
    spec: str,
    *,
    session: SessionFile | None,
    messages: list[Message] | None = None,
    yes: bool = False,
    allow_sampling: bool = False,
    tool_mode: ToolMode = "auto",
    system: str | None = None,
) -> ChatApp:
    """A chat on ``spec`` (``provider:model``) with the config's fleet and approval policy."""
    agent = config.agent
    approval = agent.approval
    policy = Policy(
        approval.allow,
        approval.ask,
        approval.deny,
        approval.sampling,
        allow_all=yes,
        allow_sampling=allow_sampling,
    )
    history = list(messages or [])
    prompt = system or agent.system
    if not history and prompt:
        history.append(SystemMessage(prompt))

    @asynccontextmanager
    async def connect(handlers: ServerHandlers) -> AsyncIterator[tuple[Any, FleetToolset]]:
        from bridge.loop import LoopSettings  # after the first paint: a slow import

        app.settings = LoopSettings(
            max_turns=agent.max_turns,
            tool_choice=agent.tool_choice,
            parallel_tool_calls=agent.parallel_tool_calls,
            tool_mode=tool_mode,
        )
        sdk = asyncio.create_task(asyncio.to_thread(preload, spec))
        try:
            async with running_fleet(config, handlers=handlers, require_servers=False) as toolset:
                await sdk
                yield create_from_config(config, spec), toolset
        finally:
            if not sdk.done():
                await asyncio.gather(sdk, return_exceptions=True)

    async def models(new_spec: str) -> Any:
        await asyncio.to_thread(preload, new_spec)
        return create_from_config(config, new_spec)

    choices = [f"{name}:{model}" for name, model in DEFAULT_MODELS.items()]
    if config.model:
        choices.insert(0, config.model)
    app = ChatApp(
        connect=connect,
        models=models,
        model_label=spec,
        model_choices=choices,
        policy=policy,
        session=session,
        messages=history,
    )
    return app
