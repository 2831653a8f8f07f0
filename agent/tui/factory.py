"""The real wiring of ``agent chat``: a ``Host`` built from the config, and the app around it.

The app paints first; the SDK import (about a second) and the servers' start run after,
in the app's connection worker, as ``agent run`` overlaps them (``Host.start``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from agent.commands.fleet import running_fleet
from agent.tui.app import ChatApp
from bridge.host import Host, HostOptions
from providers.discovery import DEFAULT_MODELS
from providers.types import Message

if TYPE_CHECKING:
    from agent.sessions import SessionFile
    from bridge.budget import ToolBudget
    from bridge.fleet import ServerHandlers
    from bridge.loop_types import ToolMode
    from bridge.toolset import FleetToolset
    from config.schema import Config
    from providers.base import Provider

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
    choices = HostOptions(
        model=spec,
        system=system,
        tool_mode=tool_mode,
        allow_all=yes,
        allow_sampling=allow_sampling,
        require_servers=False,  # a chat goes on without tools
    )
    host = Host(config, choices, running_fleet)

    @asynccontextmanager
    async def connect(handlers: ServerHandlers) -> AsyncIterator[tuple[Provider, FleetToolset]]:
        # The host answers sampling with its own model; the app asks the person.
        started = host.start(approver=app.approve, elicitation=handlers.elicitation)
        async with started as running:
            assert running.provider is not None and running.toolset is not None
            yield running.provider, running.toolset

    async def measure(toolset: FleetToolset) -> ToolBudget:
        from bridge.budget import measure

        return await measure(toolset, config, spec)

    models = [f"{name}:{model}" for name, model in DEFAULT_MODELS.items()]
    if config.model:
        models.insert(0, config.model)
    app = ChatApp(
        connect=connect,
        models=host.use_model,
        model_label=spec,
        model_choices=models,
        settings=host.settings,
        policy=host.policy,
        session=session,
        messages=host.conversation(history=messages),
        measure=measure,
    )
    return app
