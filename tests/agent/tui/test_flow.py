"""A person's way through a chat: sending during a turn, focus, cancelled answers, a bad start."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from textual.widgets._collapsible import CollapsibleTitle

from agent.sessions import CancelledAnswer, SessionFile
from agent.tui import ChatApp
from agent.tui.composer import Composer
from agent.tui.message import ChatMessage, PlainMessage
from agent.tui.toolcall import ToolCallBlock
from providers.errors import ProviderAuthError
from providers.types import Capabilities, ChatRequest, TextDelta, UserMessage
from tests.agent.tui.conftest import finish_turn, send, until
from tests.fakes import ScriptedProvider, Turn, call

SLOW = call("box__count_slowly", call_id="c1", n=4, delay=0.2)


async def test_a_message_sent_during_a_turn_is_queued_then_sent_when_the_turn_ends(box):
    provider = ScriptedProvider([Turn(calls=(SLOW,)), Turn("counted"), Turn("and more")])
    app = ChatApp(provider, box)
    async with app.run_test(size=(100, 30)) as pilot:
        await send(pilot, "count")
        await until(pilot, lambda: app.query(ToolCallBlock), "the tool call")
        await send(pilot, "while running")
        composer = app.query_one(Composer)
        assert composer.text == ""  # nothing put back: typing goes on cleanly
        queued = app.query_one("PlainMessage.queued", PlainMessage)
        assert queued.source == "while running" and "queued" in str(queued.border_title)
        await pilot.press(*"MORE")
        assert composer.text == "MORE"
        await until(pilot, lambda: len(provider.requests) == 3, "the queued message's turn")
        await finish_turn(pilot)
        assert not app.query("PlainMessage.queued")
    assert provider.requests[2].messages[-1] == UserMessage("while running")
    users = [m for m in provider.requests[2].messages if isinstance(m, UserMessage)]
    assert users == [UserMessage("count"), UserMessage("while running")]


async def test_a_message_sent_right_after_cancelling_waits_for_the_cancel(box):
    provider = ScriptedProvider([Turn(calls=(SLOW,)), Turn("next answer")])
    app = ChatApp(provider, box)
    async with app.run_test(size=(100, 30)) as pilot:
        await send(pilot, "count")
        await until(pilot, lambda: app.query(ToolCallBlock), "the tool call")
        await pilot.press("escape")
        await send(pilot, "next")
        await until(pilot, lambda: len(provider.requests) == 2, "the queued message's turn")
        await finish_turn(pilot)
        assert app.query_one(Composer).text == ""
        assert app.query("ChatMessage.assistant").last().source == "next answer"
    assert provider.requests[1].messages[-1] == UserMessage("next")


async def test_tab_without_a_completion_keeps_the_focus_in_the_message_box(box):
    app = ChatApp(ScriptedProvider([]), box)
    async with app.run_test(size=(100, 30)) as pilot:
        composer = app.query_one(Composer)
        await pilot.press(*"hello", "tab", *" there")
        assert app.focused is composer and composer.text == "hello there"


async def test_typing_or_escape_in_the_transcript_comes_back_to_the_message_box(box):
    provider = ScriptedProvider([Turn(calls=(call("box__echo", call_id="e1", text="hi"),)), Turn()])
    app = ChatApp(provider, box)
    async with app.run_test(size=(100, 30)) as pilot:
        await send(pilot, "echo")
        await finish_turn(pilot)
        composer = app.query_one(Composer)
        app.set_focus(app.query_one(CollapsibleTitle))  # as shift+tab reaches it
        await pilot.pause()
        await pilot.press(*"ok")
        assert app.focused is composer and composer.text == "ok"
        app.set_focus(app.query_one(CollapsibleTitle))
        await pilot.pause()
        await pilot.press("escape")
        assert app.focused is composer


async def test_new_output_stays_in_view_after_focus_moved_into_a_tool_result(box):
    long = "\n\n".join(f"paragraph {n}" for n in range(30))
    provider = ScriptedProvider(
        [
            Turn(calls=(call("box__echo", call_id="e1", text="hi"),)),
            Turn(text=long, calls=(call("box__count_slowly", call_id="c2", n=5, delay=0.4),)),
            Turn(text=long),
        ]
    )
    app = ChatApp(provider, box)
    async with app.run_test(size=(100, 30)) as pilot:
        transcript = app.transcript
        await send(pilot, "go")
        await until(pilot, lambda: len(app.query(ToolCallBlock)) == 2, "the second call")
        app.set_focus(app.query(CollapsibleTitle).first())  # the first result, far above
        await until(pilot, lambda: transcript.scroll_y < transcript.max_scroll_y, "the result")
        await finish_turn(pilot)
        await until(pilot, lambda: transcript.scroll_y == transcript.max_scroll_y, "following")


@dataclass
class StallingProvider:
    """Streams one piece of an answer, then waits until the turn is cancelled."""

    capabilities: Capabilities = field(default_factory=lambda: Capabilities(dialect="openai"))
    name: str = "stalling"
    model: str = "stalling-1"

    async def stream(self, request: ChatRequest) -> AsyncIterator[TextDelta]:
        yield TextDelta("the first half of ")
        await asyncio.Event().wait()  # cancelled by the test (bounded by its timeouts)

    async def aclose(self) -> None:
        pass


async def test_a_cancelled_answer_is_saved_with_a_marker_and_shown_so_on_resume(box, tmp_path):
    session = SessionFile.create(tmp_path)
    app = ChatApp(StallingProvider(), box, session=session)
    async with app.run_test(size=(100, 30)) as pilot:
        await send(pilot, "talk")
        await until(pilot, lambda: app.query("ChatMessage.assistant"), "the answer")
        await until(pilot, lambda: "first" in app.query_one(ChatMessage).source, "its text")
        await pilot.press("ctrl+c")
        await finish_turn(pilot)
        assert "cancelled" in str(app.query_one("ChatMessage.assistant").border_title)
    assert app.messages[-1] == CancelledAnswer("the first half of ")
    lines = [json.loads(line) for line in session.path.read_text().splitlines()]
    assert lines[-1] == {"role": "assistant", "text": "the first half of ", "cancelled": True}

    resumed = SessionFile(session.path).load()
    assert resumed == [UserMessage("talk"), CancelledAnswer("the first half of ")]
    again = ChatApp(ScriptedProvider([]), box, messages=resumed, model_label="m:1")
    async with again.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert again.query_one("ChatMessage.assistant").border_title == "m:1 · cancelled"


async def test_clear_says_where_the_old_chat_is_and_the_session_moves_on(box, tmp_path):
    first = SessionFile.create(tmp_path)
    app = ChatApp(ScriptedProvider([Turn("one")]), box, session=first)
    async with app.run_test(size=(100, 30)) as pilot:
        await send(pilot, "hello")
        await finish_turn(pilot)
        await send(pilot, "/clear")
        await until(pilot, lambda: app.query("PlainMessage.notice"), "the confirmation")
        note = app.query_one("PlainMessage.notice", PlainMessage).source
        assert note == f"new conversation; the last one is saved in {first.path}"
        assert app.session is not None and app.session.path != first.path


async def test_a_missing_api_key_ends_the_chat_with_exit_3_and_says_what_to_set(capsys):
    @asynccontextmanager
    async def connect(handlers):
        raise ProviderAuthError("no API key for OpenAI: set OPENAI_API_KEY")
        yield

    app = ChatApp(connect=connect, model_label="openai:gpt-4o")
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: app.return_code is not None, "the exit")
    assert app.return_code == 3
    assert "agent: error: no API key for OpenAI: set OPENAI_API_KEY" in capsys.readouterr().err
