"""The scrolling conversation: messages and tool calls, following new text until scrolled up."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from textual.containers import VerticalScroll
from textual.geometry import Region
from textual.widget import Widget

from agent.sessions import CancelledAnswer
from agent.tui.message import ChatMessage, PlainMessage
from agent.tui.toolcall import CallStatus, ToolCallBlock
from providers.types import AssistantMessage, Message, ToolResultMessage, UserMessage

__all__ = ["Transcript"]

# How the loop words the results of calls that did not run (bridge/loop.py), so that a
# resumed chat shows them as denied or cancelled rather than failed.
NOT_RUN: dict[str, CallStatus] = {
    "the user denied the call": "denied",
    "the call was cancelled by the user": "cancelled",
}


def _status(result: ToolResultMessage) -> CallStatus:
    if not result.is_error:
        return "done"
    text = result.text
    return next((s for prefix, s in NOT_RUN.items() if text.startswith(prefix)), "failed")


class Transcript(VerticalScroll):
    """Anchored to the bottom (it follows streamed text) until the person scrolls up."""

    _resume = False  # follow again with the next block (the view moved only for focus)

    def on_mount(self) -> None:
        self.anchor()

    def scroll_to_region(self, region: Region, *args: Any, **kwargs: Any) -> Any:
        """Bring a block into view (focus moved to it) without ending the following.

        Textual releases the anchor on any scroll. Focus moving to a block is not the
        person scrolling away: the next block of new output brings the view back down.
        """
        if self.is_anchored and not self._anchor_released:
            self._resume = True
        return super().scroll_to_region(region, *args, **kwargs)

    async def add(self, widget: Widget) -> Widget:
        """Append a block; the anchor keeps it in view unless the person scrolled away."""
        await self.mount(widget)
        if self._resume:
            self._resume = False
            self.anchor()
        return widget

    async def clear(self) -> None:
        await self.remove_children()
        self.anchor()

    async def replay(self, messages: Sequence[Message], model: str) -> None:
        """Show a saved conversation (tool calls with their results, no durations)."""
        blocks: list[Widget] = []
        waiting: dict[str, list[ToolCallBlock]] = {}  # a model turn's cards by id, in order
        results: list[tuple[ToolCallBlock, ToolResultMessage]] = []
        for message in messages:
            if isinstance(message, UserMessage):
                blocks.append(PlainMessage("user", message.text))
            elif isinstance(message, AssistantMessage):
                if message.text.strip():
                    cut = isinstance(message, CancelledAnswer)
                    title = f"{model} · cancelled" if cut else model
                    blocks.append(ChatMessage("assistant", message.text, title=title))
                if message.tool_calls:
                    waiting = {}
                for call in message.tool_calls:
                    block = ToolCallBlock(call.id, call.name, call.raw_arguments or call.arguments)
                    waiting.setdefault(call.id, []).append(block)  # old files repeat ids
                    blocks.append(block)
            elif isinstance(message, ToolResultMessage) and waiting.get(message.call_id):
                results.append((waiting[message.call_id].pop(0), message))
        await self.mount_all(blocks)
        for block, result in results:
            block.finish(_status(result), result.text, None)
        self.anchor()
