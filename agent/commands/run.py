"""``agent run "task"``: one task, the fleet's tools, the answer on stdout."""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import TYPE_CHECKING, Any

from agent import interrupts
from agent.commands.fleet import running_fleet
from agent.errors import UsageError
from agent.render import JsonlRenderer, Renderer, TextRenderer
from bridge import events as ev
from config.errors import HostError

if TYPE_CHECKING:
    from bridge.loop import LoopSettings
    from config.schema import Config

__all__ = ["EXIT_CODES", "run_task"]

# How a finished run maps to the process's exit code (errors carry their own codes).
EXIT_CODES = {"answered": 0, "max_turns": 6, "cancelled": 130}


def read_task(options: argparse.Namespace) -> str:
    """The task from the command line, with whatever is piped on stdin added to it."""
    task = " ".join(options.task or []).strip()
    if not sys.stdin.isatty():
        piped = sys.stdin.read().strip()
        if piped:
            task = f"{task}\n\n{piped}" if task else piped
    if not task:
        raise UsageError('give a task: agent run "what is 6 * 7?" (or pipe text on stdin)')
    return task


class _Seen:
    """What the run has shown so far, for the ``done`` event of a cancelled run."""

    def __init__(self) -> None:
        self.text: list[str] = []
        self.turns = 0
        self.input_tokens = 0
        self.output_tokens = 0

    def add(self, event: ev.Event) -> None:
        if isinstance(event, ev.TextDelta):
            self.text.append(event.text)
        elif isinstance(event, ev.TurnFinished):
            self.turns = event.turn
            if event.usage is not None:
                self.input_tokens += event.usage.input_tokens
                self.output_tokens += event.usage.output_tokens

    def cancelled(self) -> ev.RunFinished:
        from providers.types import Usage

        usage = Usage(self.input_tokens, self.output_tokens)
        return ev.RunFinished("cancelled", "".join(self.text), self.turns, usage)


def run_task(options: argparse.Namespace) -> int:
    renderer: Renderer = JsonlRenderer() if options.output == "jsonl" else TextRenderer()
    seen = _Seen()
    try:
        return interrupts.run(_run(options, read_task(options), renderer, seen))
    except HostError as exc:
        renderer.error(str(exc), exc.exit_code)
        raise
    except KeyboardInterrupt:
        # SIGINT, SIGTERM or SIGHUP in any phase: the stream still ends with ``done``.
        renderer.event(seen.cancelled())
        raise


def settings_from(config: Config, options: argparse.Namespace) -> LoopSettings:
    from bridge.loop import LoopSettings

    agent = config.agent
    return LoopSettings(
        max_turns=options.max_turns or agent.max_turns,
        tool_choice=options.tool_choice or agent.tool_choice,
        parallel_tool_calls=agent.parallel_tool_calls,
        tools=not options.no_tools,
        tool_mode=options.tool_mode,
    )


async def _run(options: argparse.Namespace, task: str, renderer: Renderer, seen: _Seen) -> int:
    from agent.approve import terminal_approver
    from agent.model_choice import choose_model
    from bridge.approval import Policy
    from bridge.fleet import ServerHandlers
    from bridge.loop import run
    from bridge.sampling import sampling_handler
    from config import load
    from providers.settings import create_from_config, preload
    from providers.types import Message, SystemMessage, UserMessage

    config = load(options.config)
    spec = choose_model(config, options.model)
    # The SDK import is slow: let it run in a thread while the servers start.
    sdk = asyncio.create_task(asyncio.to_thread(preload, spec))
    approval = config.agent.approval
    policy = Policy(
        approval.allow,
        approval.ask,
        approval.deny,
        approval.sampling,
        allow_all=options.yes,
        allow_sampling=options.allow_sampling,
    )
    # Asked even with --yes: sampling is not covered by it.
    approver = terminal_approver()
    provider: Any = None

    async def get_provider() -> Any:
        nonlocal provider
        if provider is None:
            await sdk
            provider = create_from_config(config, spec)
        return provider

    sampling = sampling_handler(get_provider, policy, approver, report=renderer.event)
    handlers = ServerHandlers(sampling=sampling)
    servers_needed = not options.no_tools
    try:
        async with running_fleet(
            config, handlers=handlers, require_servers=servers_needed
        ) as toolset:
            model = await get_provider()
            messages: list[Message] = []
            system = options.system or config.agent.system
            if system:
                messages.append(SystemMessage(system))
            messages.append(UserMessage(task))
            reason = "answered"
            settings = settings_from(config, options)
            async for event in run(
                model, toolset, messages, settings, policy=policy, approver=approver
            ):
                renderer.event(event)
                seen.add(event)
                reason = getattr(event, "reason", reason)
            return EXIT_CODES[reason]
    finally:
        if provider is not None:
            await provider.aclose()
        if not sdk.done():
            await asyncio.gather(sdk, return_exceptions=True)
