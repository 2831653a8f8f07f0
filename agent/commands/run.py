"""``agent run "task"``: one task, the fleet's tools, the answer on stdout."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from agent import interrupts
from agent.errors import UsageError
from agent.render import JsonlRenderer, Renderer, TextRenderer
from bridge import events as ev
from config.errors import HostError

if TYPE_CHECKING:
    from bridge.host import Host, RunTally
    from config.schema import Config

__all__ = ["EXIT_CODES", "build_host", "run_task"]

# How a finished run maps to the process's exit code; errors carry their own codes, and a
# signal exits 128 + its number (agent.interrupts). The one table of run outcomes.
EXIT_CODES: dict[ev.RunReason, int] = {"answered": 0, "max_turns": 6, "cancelled": 130}


def read_task(options: argparse.Namespace) -> str:
    """The task from the command line, with whatever is piped on stdin added to it."""
    task = " ".join(options.task or []).strip()
    if not sys.stdin.isatty():
        piped = sys.stdin.read().strip()
        if piped:
            task = f"{task}\n\n{piped}" if task else piped
    if not task and (options.prompt or options.attach):
        return ""  # the prompt or the attachments are the task
    if not task:
        raise UsageError('give a task: agent run "what is 6 * 7?" (or pipe text on stdin)')
    return task


def run_task(options: argparse.Namespace) -> int:
    from bridge.host import RunTally

    renderer: Renderer = JsonlRenderer() if options.output == "jsonl" else TextRenderer()
    tally = RunTally()
    try:
        return interrupts.run(_run(options, read_task(options), renderer, tally))
    except HostError as exc:
        renderer.error(str(exc), exc.exit_code)
        raise
    except KeyboardInterrupt:
        # SIGINT, SIGTERM or SIGHUP in any phase: the stream still ends with ``done``.
        renderer.event(tally.cancelled())
        raise


def build_host(config: Config, spec: str, options: argparse.Namespace) -> Host:
    """The host for ``agent run``: the config with the command line's choices over it."""
    from agent.commands.fleet import running_fleet
    from agent.commands.prompts import parse_pairs
    from bridge.host import Host, HostOptions

    choices = HostOptions(
        model=spec,
        system=options.system,
        max_turns=options.max_turns,
        tool_choice=options.tool_choice,
        tool_mode=options.tool_mode,
        tools=not options.no_tools,
        allow_all=options.yes,
        allow_sampling=options.allow_sampling,
        require_servers=not options.no_tools,
        prompt=options.prompt,
        arguments=parse_pairs(options.arg),
        attach=tuple(options.attach),
    )
    return Host(config, choices, running_fleet)


async def _run(options: argparse.Namespace, task: str, renderer: Renderer, tally: RunTally) -> int:
    from agent.approve import terminal_approver
    from agent.model_choice import choose_model
    from config import load

    config = load(options.config)
    host = build_host(config, await choose_model(config, options.model), options)
    reason: ev.RunReason = "answered"
    # Asked even with --yes: sampling is not covered by it.
    async with host.start(approver=terminal_approver(), on_sampling=renderer.event):
        async for event in host.run(await host.opening(task)):
            renderer.event(event)
            tally.add(event)
            if isinstance(event, ev.RunFinished):
                reason = event.reason
    return EXIT_CODES[reason]
