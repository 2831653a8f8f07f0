"""``agent servers``: start the fleet and show what each server is doing (``--tools``: the
call log of each tool)."""

from __future__ import annotations

import argparse
import dataclasses
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from agent import __version__, interrupts
from agent.terminal import clean, dumps

if TYPE_CHECKING:
    from bridge.calllog import ToolStats
    from bridge.fleet import ServerStatus

__all__ = ["show_servers"]


def show_servers(options: argparse.Namespace) -> int:
    return interrupts.run(_show(options))


async def _show(options: argparse.Namespace) -> int:
    from agent.commands.tools import print_budget, warn_budget
    from bridge.budget import measure
    from bridge.catalog_cache import CatalogCache
    from bridge.fleet import Fleet
    from bridge.toolset import FleetToolset
    from config import load

    # Not running_fleet: it reports failed servers on stderr, and the table already does.
    config = load(options.config)
    fleet = Fleet(config.servers, client_version=__version__, catalog_cache=CatalogCache())
    async with fleet:
        rows = fleet.status()
        stats = fleet.call_stats(every_tool=True)
        model = getattr(options, "model", None) or config.model
        budget = await measure(FleetToolset(fleet, config.servers), config, model)
    warn_budget(budget)
    if options.json:
        if options.tools:
            print(dumps([_stats_json(row) for row in stats], indent=2))
        else:
            tokens = budget.per_server
            listed = [
                {**dataclasses.asdict(row), "tool_tokens": tokens.get(row.name, 0)} for row in rows
            ]
            print(dumps(listed, indent=2))
    elif options.tools:
        _print_table(_tool_table(stats))
    else:
        _print_table(_server_table(rows, budget.per_server))
        print_budget(budget, model, sys.stderr)  # stdout stays the table
    return 0 if all(row.state.value == "up" for row in rows) else 1


def _server_table(rows: list[ServerStatus], tokens: dict[str, int]) -> list[Sequence[str]]:
    header = (
        "SERVER", "TRANSPORT", "STATE", "PROTOCOL", "IMPLEMENTATION", "TOOLS", "TOKENS", "CALLS",
        "MEDIAN", "BREAKER", "ERROR",
    )  # fmt: skip
    table: list[Sequence[str]] = [header]
    for row in rows:
        implementation = (
            f"{row.server_name} {row.server_version}".strip() if row.server_name else ""
        )
        error = clean(row.last_error).splitlines()[0] if row.last_error else ""
        # Everything but the counts came from the config or the server: clean each cell.
        table.append(
            (
                clean(row.name),
                clean(row.transport),
                row.state.value,
                clean(row.protocol_version or ""),
                clean(implementation),
                str(row.tool_count),
                f"{tokens.get(row.name, 0):,}",
                str(row.calls),
                _ms(row.median_ms),
                row.breaker,
                error,
            )
        )
    return table


def _tool_table(stats: list[ToolStats]) -> list[Sequence[str]]:
    header = ("SERVER", "TOOL", "CALLS", "ERRORS", "CACHED", "P50", "P95", "P99")
    table: list[Sequence[str]] = [header]
    for row in stats:
        errors = f"{row.errors} ({row.error_rate:.0%})" if row.calls else "0"
        table.append(
            (
                clean(row.server),
                clean(row.tool),
                str(row.calls),
                errors,
                str(row.cached),
                _ms(row.p50_ms),
                _ms(row.p95_ms),
                _ms(row.p99_ms),
            )
        )
    return table


def _stats_json(row: ToolStats) -> dict[str, object]:
    return {**dataclasses.asdict(row), "error_rate": row.error_rate}


def _ms(value: float | None) -> str:
    return f"{value:.1f} ms" if value is not None else "-"


def _print_table(table: list[Sequence[str]]) -> None:
    """Columns padded to their widest cell; the last one is left ragged."""
    widths = [max(len(line[i]) for line in table) for i in range(len(table[0]) - 1)]
    for line in table:
        cells = [cell.ljust(width) for cell, width in zip(line, widths, strict=False)]
        print("  ".join([*cells, line[-1]]).rstrip())
