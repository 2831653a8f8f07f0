"""One message of the transcript: the model's answer as Markdown (streamed), or literal text.

What a person typed and what the loop or a server says is shown as written
(``PlainMessage``); only the model's answers and the chat's own help are Markdown.
"""

from __future__ import annotations

from typing import Literal

from rich.text import Text
from textual.timer import Timer
from textual.widgets import Markdown, Static
from textual.widgets._markdown import MarkdownBlock

from agent.terminal import clean, sanitize
from agent.tui.markdown_table import AlignedTable
from config.secrets import StreamMasker

__all__ = ["FLUSH_INTERVAL", "ChatMessage", "PlainMessage", "Role"]

Role = Literal["user", "assistant", "notice", "error"]

TITLES: dict[Role, str] = {"user": "you", "assistant": "", "notice": "", "error": "error"}
# A streamed answer is re-rendered at most this often: a model sends tens of deltas a
# second, and re-rendering the tail block on each one starved the keyboard (issue 16).
# Each update re-lays out every block of the message, so a long one updates less often:
# bench/tui_stream.py measured keystroke echo (200 lines) at 140 ms median with a fixed
# 1/12 s, 19-50 ms with 1/4 s: short answers update at 12 Hz, long ones slow to 4 Hz.
FLUSH_INTERVAL = 1 / 12
SLOWEST_FLUSH = 1 / 4
FLUSH_PER_BLOCK = 0.008  # seconds of interval per block already shown


class ChatMessage(Markdown):
    """A Markdown block styled by its role; the model's answers stream into it.

    Text is masked (known secrets) and sanitized before it is parsed; streamed pieces are
    batched and appended every ``FLUSH_INTERVAL`` to ``SLOWEST_FLUSH`` seconds.
    """

    BLOCKS: dict[str, type[MarkdownBlock]] = {  # noqa: RUF012 (Textual's own declaration)
        **Markdown.BLOCKS,
        "table_open": AlignedTable,
    }

    def __init__(self, role: Role, text: str = "", *, title: str | None = None) -> None:
        super().__init__(clean(text), classes=role)
        self.role = role
        self.border_title = TITLES[role] if title is None else clean(title)
        self._masker = StreamMasker()
        self._pending: list[str] = []
        self._timer: Timer | None = None

    async def write(self, text: str) -> None:
        """Append streamed text; it shows with the next batched update."""
        shown = self._masker.feed(text)
        if shown:
            self._pending.append(sanitize(shown))
        if self._timer is None and self._pending:
            interval = min(SLOWEST_FLUSH, max(FLUSH_INTERVAL, FLUSH_PER_BLOCK * len(self.children)))
            self._timer = self.set_timer(interval, self._flush)

    async def _flush(self) -> None:
        self._timer = None
        if self._pending:
            text = "".join(self._pending)
            self._pending.clear()
            await self.append(text)

    async def finish(self) -> None:
        """Show what is still held back; the block is complete."""
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        rest = self._masker.flush()
        if rest:
            self._pending.append(sanitize(rest))
        await self._flush()


class PlainMessage(Static):
    """Text shown exactly as written (masked and sanitized): no Markdown, no markup."""

    def __init__(self, role: Role, text: str, *, title: str | None = None) -> None:
        self.source = clean(text)
        super().__init__(Text(self.source), classes=role)
        self.role = role
        self.border_title = TITLES[role] if title is None else clean(title)
