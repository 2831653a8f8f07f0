"""How one run of the loop shows in the transcript: the TUI's renderer of ``bridge.events``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from agent.tui.message import ChatMessage, PlainMessage
from agent.tui.toolcall import ToolCallBlock
from agent.tui.transcript import Transcript
from bridge import events as ev
from providers.types import AssistantMessage, Message

__all__ = ["TurnView"]


class TurnView:
    """Streams text into Markdown blocks and keeps one card per tool call of a model turn.

    Call ids are unique within a model turn (the loop sees to it), not across turns, so the
    cards are looked up per turn. ``partial`` is the text of the model turn in progress.
    """

    def __init__(self, transcript: Transcript, model: str, history: Sequence[Message]) -> None:
        self.transcript = transcript
        self.model = model
        self.history = history
        self.answer: ChatMessage | None = None
        self.calls: dict[str, ToolCallBlock] = {}
        self.started: set[str] = set()  # calls that ran (passed validation and approval)
        self.partial = ""

    async def show(self, event: ev.Event) -> None:
        match event:
            case ev.TextDelta(text=text):
                if self.answer is None:
                    self.answer = ChatMessage("assistant", title=self.model)
                    await self.transcript.add(self.answer)
                self.partial += text
                await self.answer.write(text)
            case ev.TurnFinished():
                self.partial = ""
                self.calls, self.started = {}, set()
            case ev.ToolCallStarted(call_id=call_id, name=name, arguments=arguments):
                await self._end_answer()  # text after the calls goes into a new block
                self.started.add(call_id)
                await self._block(call_id, name, arguments)
            case ev.ToolProgress(call_id=call_id, progress=progress, total=total, message=text):
                block = self.calls.get(call_id)
                if block is not None:
                    block.progress(progress, total, text)
            case ev.ToolCallFinished() as done:
                await self._end_answer()
                ran = done.call_id in self.started
                block = await self._block(done.call_id, done.name, self._arguments(done.call_id))
                # A denied call or one rejected before dispatch never ran: no duration.
                block.finish(done.status, done.text, done.duration if ran else None)
            case ev.Notice(message=message):
                await self._end_answer()
                await self.transcript.add(PlainMessage("notice", message))
            case ev.RunFinished(reason="max_turns"):
                await self._end_answer()
            case _:
                pass

    def _arguments(self, call_id: str) -> dict[str, Any] | str:
        """What the model sent for a call that never started (from the history): its
        arguments, or the text that was not JSON."""
        for message in reversed(self.history):
            if isinstance(message, AssistantMessage) and message.tool_calls:
                for call in message.tool_calls:
                    if call.id == call_id:
                        return call.raw_arguments or dict(call.arguments)
                return {}  # only the latest model turn's calls are this turn's
        return {}

    async def _block(
        self, call_id: str, name: str, arguments: dict[str, Any] | str
    ) -> ToolCallBlock:
        block = self.calls.get(call_id)
        if block is None:
            block = self.calls[call_id] = ToolCallBlock(call_id, name, arguments)
            await self.transcript.add(block)
        return block

    async def _end_answer(self) -> None:
        if self.answer is not None:
            answer, self.answer = self.answer, None
            await answer.finish()

    async def cancelled(self) -> None:
        """The person cancelled the turn: running calls stop, the partial answer stays."""
        for block in self.calls.values():
            block.cancel()
        if self.answer is not None:
            self.answer.border_title = f"{self.answer.border_title} · cancelled"
        await self._end_answer()
        await self.transcript.add(PlainMessage("notice", "cancelled"))

    async def close(self) -> None:
        await self._end_answer()
