"""One tool call in the transcript: name, arguments, status, progress and a result preview."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Literal

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Collapsible, ProgressBar, Static

from agent.terminal import clean

__all__ = ["CallStatus", "ToolCallBlock"]

CallStatus = Literal["running", "done", "failed", "denied", "cancelled"]

MARKS: dict[CallStatus, str] = {
    "running": "…",
    "done": "✓",
    "failed": "✗",
    "denied": "⊘",
    "cancelled": "⊘",
}
COLOURS: dict[CallStatus, str] = {
    "running": "yellow",
    "done": "green",
    "failed": "red",
    "denied": "magenta",
    "cancelled": "magenta",
}
ARGUMENT_LIMIT = 400
PREVIEW_LIMIT = 80
RESULT_LIMIT = 20_000  # what the expanded result shows; the model saw the loop's limit


def _arguments(arguments: Mapping[str, Any] | str) -> str:
    """The arguments on one line; a string is what the model sent that was not JSON."""
    if isinstance(arguments, str):
        text = arguments
    else:
        text = json.dumps(dict(arguments), ensure_ascii=False, default=str)
    return text if len(text) <= ARGUMENT_LIMIT else text[: ARGUMENT_LIMIT - 1] + "…"


def _preview(text: str) -> str:
    first = next((line for line in text.strip().splitlines() if line.strip()), "(no text)")
    return first if len(first) <= PREVIEW_LIMIT else first[: PREVIEW_LIMIT - 1] + "…"


class ToolCallBlock(Vertical):
    """A call's card; the loop's events move it from running to its final status."""

    def __init__(self, call_id: str, name: str, arguments: Mapping[str, Any] | str) -> None:
        super().__init__(classes="tool-call running")
        self.call_id = call_id
        self.tool_name = clean(name)
        self.arguments = clean(_arguments(arguments))
        self.status: CallStatus = "running"
        self.duration: float | None = None
        self.result = ""
        self.progress_message = ""

    def compose(self) -> ComposeResult:
        yield Static(self._header(), classes="tool-header")
        yield Static(Text(self.arguments), classes="tool-arguments")
        yield ProgressBar(show_eta=False, classes="tool-progress")
        with Collapsible(title="result", collapsed=True, classes="tool-result"):
            yield Static(Text(""), classes="tool-result-text")

    def _header(self) -> Text:
        header = Text.assemble(
            (f"{MARKS[self.status]} ", f"bold {COLOURS[self.status]}"),
            (self.tool_name, "bold"),
            ("  " + self.status, "dim"),
        )
        if self.duration is not None:
            header.append(f"  {self.duration:.2f}s", "dim")
        if self.progress_message and self.status == "running":
            header.append(f"  {self.progress_message}", "italic")
        return header

    def _refresh_header(self) -> None:
        self.set_classes(f"tool-call {self.status}")
        if self.is_mounted:
            self.query_one(".tool-header", Static).update(self._header())

    def progress(self, progress: float, total: float | None, message: str | None) -> None:
        """Show an MCP progress notification."""
        bar = self.query_one(ProgressBar)
        bar.add_class("active")
        bar.update(total=total, progress=progress)
        self.progress_message = clean(message or "")
        self._refresh_header()

    def finish(self, status: CallStatus, text: str, duration: float | None) -> None:
        """The call is over; its result text goes into the collapsible preview."""
        self.status = status
        self.duration = duration
        self.result = clean(text)
        self.query_one(ProgressBar).remove_class("active")
        result = self.query_one(Collapsible)
        result.title = "result" if not result.collapsed else _preview(self.result)
        result.add_class("shown")
        self.query_one(".tool-result-text", Static).update(Text(self.result[:RESULT_LIMIT]))
        self._refresh_header()

    def on_collapsible_expanded(self, event: Collapsible.Expanded) -> None:
        # Open, the whole result shows below: the title stops repeating its first line.
        event.collapsible.title = "result"

    def on_collapsible_collapsed(self, event: Collapsible.Collapsed) -> None:
        event.collapsible.title = _preview(self.result)

    def cancel(self) -> None:
        """The turn was cancelled while the call ran."""
        if self.status == "running":
            self.finish("cancelled", "cancelled before it finished", None)
