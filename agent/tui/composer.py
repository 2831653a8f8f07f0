"""The message box: multi-line input with history and slash-command completion.

Enter sends; ctrl+j (or shift+enter, where the terminal reports it) starts a new line, which
works the same in tmux, over ssh and in a bare terminal. Up on the first line and down on the
last walk the history. A slash-command completion shows as ghost text; tab or right takes it.
``@`` opens a list of the fleet's resources: up and down move in it, tab or enter attaches one.
"""

from __future__ import annotations

import re
from typing import ClassVar

from textual import events
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import TextArea

from agent.tui.completion import SlashSuggester, resource_matches
from agent.tui.resource_list import ResourcePicker

__all__ = ["Composer"]

NEWLINE_KEYS = frozenset({"ctrl+j", "shift+enter", "alt+enter"})
AT_WORD = re.compile(r"(?:^|(?<=\s))@(\S*)$")  # an @word just before the cursor


class Composer(TextArea):
    """A TextArea that sends on enter and remembers what was sent."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("tab", "complete", "Complete", show=False)]

    class Submitted(Message):
        """The person sent ``text`` (stripped, never empty)."""

        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    def __init__(
        self,
        suggester: SlashSuggester,
        *,
        picker: ResourcePicker | None = None,
        id: str | None = None,
    ) -> None:
        super().__init__(
            id=id,
            soft_wrap=True,
            tab_behavior="focus",
            show_line_numbers=False,
            highlight_cursor_line=False,
            placeholder="Message, or /help  (enter sends, ctrl+j new line)",
        )
        self.suggester = suggester
        self.picker = picker
        self.sent: list[str] = []
        self._position: int | None = None  # index into history while walking it
        self._draft = ""

    def update_suggestion(self) -> None:
        """Offer the rest of a slash command while the cursor is at the end of one line."""
        text = self.text
        at_end = self.cursor_location == self.document.end
        completion = self.suggester.complete(text) if at_end and "\n" not in text else None
        self.suggestion = completion[len(text) :] if completion else ""
        self._offer_resources()

    def _at_word(self) -> re.Match[str] | None:
        row, column = self.cursor_location
        return AT_WORD.search(self.document.get_line(row)[:column])

    def _offer_resources(self) -> None:
        if self.picker is None:
            return
        word = self._at_word()
        if word is None:
            self.picker.close()
        else:
            self.picker.offer(resource_matches(self.suggester.resources(), word.group(1)))

    def take_resource(self) -> None:
        """Attach the highlighted resource: the ``@word`` goes, a chip comes (``Chosen``)."""
        assert self.picker is not None
        resource, word = self.picker.current(), self._at_word()
        self.picker.close()
        if resource is None or word is None:
            return
        row, column = self.cursor_location
        self.delete((row, column - len(word.group(0))), (row, column))
        self.post_message(ResourcePicker.Chosen(resource))

    def action_complete(self) -> None:
        # With nothing to complete, tab stays here: moving focus into the transcript made
        # the next keystrokes vanish (shift+tab moves focus on purpose).
        if self.suggestion:
            self.insert(self.suggestion)

    async def _on_key(self, event: events.Key) -> None:
        if self.picker is not None and self.picker.is_open and self._picking(event.key):
            event.stop()
            event.prevent_default()
            return
        if event.key == "enter":
            event.stop()
            event.prevent_default()
            self._submit()
            return
        if event.key in NEWLINE_KEYS:
            event.stop()
            event.prevent_default()
            self.insert("\n")
            return
        if event.key in ("up", "down") and self._walk(-1 if event.key == "up" else 1):
            event.stop()
            event.prevent_default()
            return
        await super()._on_key(event)

    def _picking(self, key: str) -> bool:
        """Keys that drive the open ``@`` list; True when one was used."""
        assert self.picker is not None
        if key in ("up", "down"):
            self.picker.move(-1 if key == "up" else 1)
        elif key in ("tab", "enter"):
            self.take_resource()
        elif key == "escape":
            self.picker.close()
        else:
            return False
        return True

    def _submit(self) -> None:
        text = self.text.strip()
        if not text:
            return
        if not self.sent or self.sent[-1] != text:
            self.sent.append(text)
        self._position = None
        self.clear()
        self.post_message(self.Submitted(text))

    def _walk(self, step: int) -> bool:
        """Move through the history when the cursor is on the first (up) or last (down) line."""
        row = self.cursor_location[0]
        if not self.sent or (step < 0 and row != 0):
            return False
        if step > 0 and (self._position is None or row != self.document.line_count - 1):
            return False
        if self._position is None:
            self._draft = self.text
            position = len(self.sent) - 1
        else:
            position = self._position + step
        if position < 0:
            return True  # already at the oldest entry
        if position >= len(self.sent):
            self._position = None
            self._show(self._draft)
            return True
        self._position = position
        self._show(self.sent[position])
        return True

    def _show(self, text: str) -> None:
        self.text = text
        self.move_cursor(self.document.end)
