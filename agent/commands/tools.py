"""``agent tools`` and ``agent call``: the fleet's tools, and one call to one of them."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from typing import TYPE_CHECKING, Any, TextIO

from agent import interrupts
from agent.commands.fleet import running_fleet
from agent.errors import UsageError
from agent.terminal import clean, dumps

if TYPE_CHECKING:
    from bridge.budget import ToolBudget
    from bridge.catalog import CatalogEntry
    from bridge.mcp import CallResult, ProgressCallback
    from bridge.toolset import FleetToolset

__all__ = ["call_tool", "list_tools"]


def list_tools(options: argparse.Namespace) -> int:
    return interrupts.run(_list_tools(options))


async def _list_tools(options: argparse.Namespace) -> int:
    from bridge.budget import measure
    from config import load

    # The truth, not the cache: wait for every server.
    config = load(options.config)
    model = getattr(options, "model", None) or config.model
    async with running_fleet(config, wait_for_cached=True) as toolset:
        entries = list(toolset.catalog)
        budget = await measure(toolset, config, model)
    warn_budget(budget)
    if options.json:
        rows: list[dict[str, Any]] = []
        for entry in entries:
            row: dict[str, Any] = {
                "name": entry.qualified,
                "server": entry.server,
                "tool": entry.tool.name,
                "description": entry.tool.description,
                "inputSchema": entry.tool.input_schema,
                "tokens": _tokens(toolset, entry, budget.dialect),
            }
            if options.dialect:
                # a tool with no strict form comes back non-strict, the reasons in its changes
                conversion = toolset.conversion(entry, options.dialect)
                row["dialect"] = {
                    "name": options.dialect,
                    "schema": conversion.schema,
                    "changes": list(conversion.changes),
                    "strict": conversion.strict,
                }
            rows.append(row)
        print(dumps(rows, indent=2))
        return 0
    if options.dialect:
        raise UsageError("--dialect goes with --json")
    width = max((len(entry.qualified) for entry in entries), default=0)
    for entry in entries:
        description = clean(entry.tool.description or "").strip()
        summary = description.splitlines()[0] if description else ""
        print(f"{entry.qualified:<{width}}  {summary}".rstrip())
    # On stderr: stdout stays one tool per line for scripts.
    print_budget(budget, model, sys.stderr)
    return 0


def print_budget(budget: ToolBudget, model: str | None, out: TextIO = sys.stdout) -> None:
    """Tokens of the tool definitions per server, the total, and how they were counted."""
    rows = [(clean(name), f"{tokens:,}") for name, tokens in budget.per_server.items()]
    rows.append(("total", f"{budget.total:,}"))
    width = max(len(name) for name, _ in rows)
    shown = clean(model) if model else "no model configured"
    print(
        f"tool definitions in tokens ({budget.dialect} dialect, {shown}; {budget.method}):",
        file=out,
    )
    for name, tokens in rows:
        print(f"  {name:<{width}}  {tokens:>9}", file=out)
    if budget.window is not None and budget.fraction is not None:
        print(f"  {budget.fraction:.1%} of a {budget.window:,}-token context window", file=out)


def warn_budget(budget: ToolBudget) -> None:
    """The warning on stderr when the definitions pass their share of the context window."""
    if budget.warning is not None:
        print(f"agent: warning: {budget.warning}", file=sys.stderr)


def _tokens(toolset: FleetToolset, entry: CatalogEntry, dialect: str) -> int:
    """This tool's definition, estimated (characters/4) in the model's dialect."""
    from bridge.budget import estimate_tokens

    return estimate_tokens(toolset.specs(dialect, entry.qualified), dialect)


def call_tool(options: argparse.Namespace) -> int:
    try:
        arguments = json.loads(options.args)
    except json.JSONDecodeError as exc:
        raise UsageError(f"--args is not valid JSON: {exc}") from None
    except RecursionError:
        raise UsageError("--args nests too deeply; tool arguments need a few levels") from None
    if not isinstance(arguments, dict):
        raise UsageError('--args must be a JSON object, for example \'{"text": "hi"}\'')
    return interrupts.run(_call_tool(options, arguments))


async def _bounded_call(
    toolset: FleetToolset,
    options: argparse.Namespace,
    arguments: dict[str, Any],
    show_progress: ProgressCallback,
) -> CallResult:
    """The call, cancelled after ``--timeout`` seconds whatever progress it reports.

    Progress pushes back only the config's ``call_timeout``; the flag is a hard bound.
    """
    from bridge.errors import RequestTimeoutError

    try:
        async with asyncio.timeout(options.timeout):
            return await toolset.catalog.call(
                toolset.fleet,
                options.tool,
                arguments,
                on_progress=show_progress,
                timeout=options.timeout,
            )
    except TimeoutError:
        raise RequestTimeoutError(
            f"{options.tool} did not finish within --timeout {options.timeout:g}s; "
            "the call was cancelled"
        ) from None


async def _call_tool(options: argparse.Namespace, arguments: dict[str, Any]) -> int:
    from bridge.mcp import Progress

    def show_progress(progress: Progress) -> None:
        total = f"/{progress.total:g}" if progress.total is not None else ""
        message = f" {progress.message}" if progress.message else ""
        print(clean(f"progress: {progress.progress:g}{total}{message}"), file=sys.stderr)

    from agent.approve import authorize_call
    from config import load

    config = load(options.config)
    # Only the server that owns the tool is started; the others stay down.
    async with running_fleet(config, for_tool=options.tool) as toolset:
        entry = toolset.catalog.resolve(options.tool)
        if entry is None:
            known = ", ".join(entry.qualified for entry in toolset.catalog)
            raise UsageError(f"no tool named {options.tool!r}; `agent tools` lists them: {known}")
        # The same agent.approval as `agent run`: deny refuses, ask asks (or refuses headless).
        refusal = await authorize_call(
            config.agent.approval,
            entry.qualified,
            arguments,
            entry.server,
            yes=options.yes,
            force=options.force,
        )
        if refusal is not None:
            print(f"agent: error: {refusal}", file=sys.stderr)  # qualified names are safe text
            return 1
        result = await _bounded_call(toolset, options, arguments, show_progress)
    if options.json:
        print(dumps(result.raw, indent=2))
        return 1 if result.is_error else 0
    from bridge.results import describe

    # Blocks that are not text get a line saying what they are, as the model would read.
    blocks = [describe(block) for block in result.content if isinstance(block, dict)]
    text = clean("\n".join(blocks))
    print(text, file=sys.stderr if result.is_error else sys.stdout)
    return 1 if result.is_error else 0
