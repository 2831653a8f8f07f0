"""The scrolling conversation: messages and tool calls, following new text until scrolled up."""

from __future__ import annotations

from collections.abc import Sequence

from textual.containers import VerticalScroll
from textual.widget import Widget

from agent.tui.message import ChatMessage
from agent.tui.toolcall import ToolCallBlock
from providers.types import AssistantMessage, Message, ToolResultMessage, UserMessage

__all__ = ["Transcript"]


class Transcript(VerticalScroll):
    """Anchored to the bottom (it follows streamed text) until the person scrolls up."""

    def on_mount(self) -> None:
        self.anchor()

    async def add(self, widget: Widget) -> Widget:
        """Append a block; the anchor keeps it in view unless the person scrolled away."""
        await self.mount(widget)
        return widget

    async def clear(self) -> None:
        await self.remove_children()
        self.anchor()

    async def replay(self, messages: Sequence[Message], model: str) -> None:
        """Show a saved conversation (tool calls with their results, no durations)."""
        blocks: list[Widget] = []
        calls: dict[str, ToolCallBlock] = {}
        results: list[tuple[ToolCallBlock, ToolResultMessage]] = []
        for message in messages:
            if isinstance(message, UserMessage):
                blocks.append(ChatMessage("user", message.text))
            elif isinstance(message, AssistantMessage):
                if message.text.strip():
                    blocks.append(ChatMessage("assistant", message.text, title=model))
                for call in message.tool_calls:
                    calls[call.id] = ToolCallBlock(call.id, call.name, call.arguments)
                    blocks.append(calls[call.id])
            elif isinstance(message, ToolResultMessage) and message.call_id in calls:
                results.append((calls[message.call_id], message))
        await self.mount_all(blocks)
        for block, result in results:
            block.finish("failed" if result.is_error else "done", result.text, None)
        self.anchor()
