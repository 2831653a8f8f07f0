"""How one run of the loop shows in the transcript: the TUI's renderer of ``bridge.events``."""

from __future__ import annotations

from agent.tui.message import ChatMessage
from agent.tui.toolcall import ToolCallBlock
from agent.tui.transcript import Transcript
from bridge import events as ev

__all__ = ["TurnView"]


class TurnView:
    """Streams text into Markdown blocks and keeps one block per tool call."""

    def __init__(self, transcript: Transcript, model: str) -> None:
        self.transcript = transcript
        self.model = model
        self.answer: ChatMessage | None = None
        self.calls: dict[str, ToolCallBlock] = {}

    async def show(self, event: ev.Event) -> None:
        match event:
            case ev.TextDelta(text=text):
                if self.answer is None:
                    self.answer = ChatMessage("assistant", title=self.model)
                    await self.transcript.add(self.answer)
                await self.answer.write(text)
            case ev.ToolCallStarted(call_id=call_id, name=name, arguments=arguments):
                await self._end_answer()  # text after the calls goes into a new block
                await self._block(call_id, name, arguments)
            case ev.ToolProgress(call_id=call_id, progress=progress, total=total, message=text):
                block = self.calls.get(call_id)
                if block is not None:
                    block.progress(progress, total, text)
            case ev.ToolCallFinished() as done:
                await self._end_answer()
                block = await self._block(done.call_id, done.name, {})
                block.finish(done.status, done.text, done.duration)
            case ev.Notice(message=message):
                await self._end_answer()
                await self.transcript.add(ChatMessage("notice", message))
            case ev.RunFinished(reason="max_turns"):
                await self._end_answer()
            case _:
                pass

    async def _block(self, call_id: str, name: str, arguments: dict[str, object]) -> ToolCallBlock:
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
        await self._end_answer()
        await self.transcript.add(ChatMessage("notice", "cancelled"))

    async def close(self) -> None:
        await self._end_answer()
