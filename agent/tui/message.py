"""One message of the transcript as Markdown: the person's, the model's (streamed), or a note."""

from __future__ import annotations

from typing import Literal

from textual.widgets import Markdown
from textual.widgets.markdown import MarkdownStream

from agent.render import sanitize

__all__ = ["ChatMessage", "Role"]

Role = Literal["user", "assistant", "notice", "error"]

TITLES: dict[Role, str] = {"user": "you", "assistant": "", "notice": "", "error": "error"}


class ChatMessage(Markdown):
    """A Markdown block styled by its role; the model's answers stream into it."""

    def __init__(self, role: Role, text: str = "", *, title: str | None = None) -> None:
        if role == "user":
            text = text.replace("\n", "  \n")  # the person's line breaks are meant
        super().__init__(sanitize(text), classes=role)
        self.role = role
        self.border_title = TITLES[role] if title is None else sanitize(title)
        self._stream: MarkdownStream | None = None

    async def write(self, text: str) -> None:
        """Append streamed text (started on the first write)."""
        if self._stream is None:
            self._stream = self.get_stream(self)
        await self._stream.write(sanitize(text))

    async def finish(self) -> None:
        """Flush what is still queued; the block is complete."""
        if self._stream is not None:
            stream, self._stream = self._stream, None
            await stream.stop()
