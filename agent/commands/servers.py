"""``agent servers``: start the fleet and show what each server is doing."""

from __future__ import annotations

import argparse
import dataclasses

from agent import __version__, interrupts
from agent.terminal import clean, dumps

__all__ = ["show_servers"]


def show_servers(options: argparse.Namespace) -> int:
    return interrupts.run(_show(options))


async def _show(options: argparse.Namespace) -> int:
    from bridge.fleet import Fleet
    from config import load

    # Not running_fleet: it reports failed servers on stderr, and the table already does.
    config = load(options.config)
    async with Fleet(config.servers, client_version=__version__) as fleet:
        rows = fleet.status()
    if options.json:
        print(dumps([dataclasses.asdict(row) for row in rows], indent=2))
        return 0
    header = (
        "SERVER", "TRANSPORT", "STATE", "PROTOCOL", "IMPLEMENTATION", "TOOLS", "CALLS", "MEDIAN",
        "ERROR",
    )  # fmt: skip
    table = [header]
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
                str(row.calls),
                f"{row.median_ms:.1f} ms" if row.median_ms is not None else "-",
                error,
            )
        )
    widths = [max(len(line[i]) for line in table) for i in range(len(header) - 1)]
    for line in table:
        cells = [cell.ljust(width) for cell, width in zip(line, widths, strict=False)]
        print("  ".join([*cells, line[-1]]).rstrip())
    return 0 if all(row.state.value == "up" for row in rows) else 1
