"""The side panel: the model in use, tokens so far, and each server's state and tool cost.

A tool cost is what the server's tool definitions take of the context, in tokens (estimated).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.widgets import Static

from agent.terminal import clean
from bridge.fleet import ServerStatus
from providers.types import Usage

__all__ = ["FleetPanel"]

STATE_STYLES = {
    "up": "green",
    "starting": "yellow",
    "restarting": "yellow",
    "failed": "red",
    "stopped": "dim",
}
ERROR_LIMIT = 160
DETAIL_WIDTH = 30  # the panel's width (chat.tcss) less its border, padding and bullet


def _pack(parts: Sequence[str], width: int) -> list[str]:
    """``parts`` joined by `` · `` into lines of ``width``, breaking between parts only.

    Rich wraps at any space, which split a figure from its unit ("19" / "ms").
    """
    lines: list[str] = []
    for part in parts:
        if lines and len(lines[-1]) + 3 + len(part) <= width:
            lines[-1] += " · " + part
        else:
            lines.append(part)
    return lines


class FleetPanel(Static):
    """A summary redrawn from the fleet's status rows (ctrl+b shows or hides it)."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.border_title = "fleet"

    def show(
        self,
        model: str,
        usage: Usage,
        rows: Sequence[ServerStatus] | None,
        tools: int,
        costs: Mapping[str, int] | None = None,
    ) -> None:
        """Redraw from the current model, usage and server rows (None: still starting).

        ``costs`` gives each server's tool definitions in tokens; the total shows by the tools.
        """
        total = f" · ~{sum(costs.values()):,} tokens" if costs else ""
        parts: list[RenderableType] = [
            Text.assemble(("model  ", "dim"), (clean(model), "bold")),
            Text.assemble(
                ("tokens ", "dim"),
                f"{usage.input_tokens:,} in · {usage.output_tokens:,} out",
            ),
            Text.assemble(("tools  ", "dim"), f"{tools}{total}"),
            Text(""),
        ]
        if rows is None:
            parts.append(Text("starting the servers…", style="italic"))
        for row in rows or ():
            cost = costs.get(row.name) if costs else None
            parts.append(self._server(row, self._detail_width(), cost))
        self.update(Group(*parts))

    def _detail_width(self) -> int:
        inner = self.content_size.width - 2  # the bullet column and its padding
        return inner if inner > 10 else DETAIL_WIDTH

    @staticmethod
    def _server(row: ServerStatus, width: int, cost: int | None = None) -> RenderableType:
        table = Table.grid(padding=(0, 1))
        table.add_column(no_wrap=True)
        table.add_column()
        state = row.state.value
        table.add_row(
            Text("●", style=STATE_STYLES.get(state, "")),
            Text.assemble((clean(row.name), "bold"), f"  {state}"),
        )
        parts = [row.transport, f"{row.tool_count} tools", f"{row.calls} calls"]
        if cost is not None:
            parts.insert(2, f"~{cost:,} tokens")
        if row.median_ms is not None:
            parts.append(f"{row.median_ms:.0f} ms")
        if row.breaker != "closed":  # its calls fail at once: the person should see why
            parts.append(f"breaker {row.breaker}")
        table.add_row("", Text("\n".join(_pack(parts, width)), style="dim", no_wrap=True))
        if row.last_error:
            error = clean(row.last_error)
            error = error if len(error) <= ERROR_LIMIT else error[: ERROR_LIMIT - 1] + "…"
            table.add_row("", Text(error, style="red"))
        return table
