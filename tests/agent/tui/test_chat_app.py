"""The chat app driven by Pilot: a scripted model and a real toolbox fleet."""

from __future__ import annotations

import asyncio

from textual.widgets import ProgressBar

from agent.sessions import SessionFile
from agent.tui import ChatApp
from agent.tui.approval import ApprovalScreen
from agent.tui.toolcall import ToolCallBlock
from bridge.approval import Policy
from providers.errors import ProviderError
from providers.types import AssistantMessage, ToolResultMessage, UserMessage
from tests.agent.tui.conftest import finish_turn, send, until
from tests.fakes import ScriptedProvider, Turn, call


async def test_a_streamed_answer_shows_as_markdown_with_a_highlighted_code_block(box, tmp_path):
    answer = "Here is **bold** and code:\n\n```python\nprint(6 * 7)\n```\n\nDone."
    provider = ScriptedProvider([Turn(text=answer)])
    session = SessionFile.create(tmp_path)
    app = ChatApp(provider, box, session=session)
    async with app.run_test(size=(100, 30)) as pilot:
        await send(pilot, "show me")
        await finish_turn(pilot)
        user, reply = app.query("PlainMessage.user, ChatMessage")
        assert user.source == "show me"
        assert reply.source == answer
        assert len(app.query("MarkdownFence")) == 1
        assert app.usage.input_tokens == 10 and app.usage.output_tokens == 5
    assert provider.requests[0].messages[-1] == UserMessage("show me")
    assert SessionFile(session.path).load() == [UserMessage("show me"), AssistantMessage(answer)]


async def test_a_tool_call_shows_progress_then_its_result(box):
    provider = ScriptedProvider(
        [
            Turn(calls=(call("box__count_slowly", call_id="c1", n=4, delay=0.25),)),
            Turn(text="Counted."),
        ]
    )
    app = ChatApp(provider, box)
    async with app.run_test(size=(100, 30)) as pilot:
        await send(pilot, "count")
        await until(pilot, lambda: app.query(ToolCallBlock), "the tool call block")
        block = app.query_one(ToolCallBlock)
        assert block.tool_name == "box__count_slowly" and block.status == "running"
        assert '"n": 4' in block.arguments
        bar = block.query_one(ProgressBar)
        await until(pilot, lambda: (bar.progress or 0) >= 1, "a progress notification")
        assert bar.has_class("active") and bar.total == 4
        assert block.status == "running" and "counted" in block.progress_message
        await finish_turn(pilot)
        assert block.status == "done" and block.duration is not None
        assert block.result == "counted to 4"
        assert not bar.has_class("active")
        assert app.query("ChatMessage.assistant").last().source == "Counted."


async def test_an_ask_tool_allowed_once_runs_and_the_model_sees_its_result(box):
    provider = ScriptedProvider(
        [Turn(calls=(call("box__echo", call_id="e1", text="hi"),)), Turn(text="ok")]
    )
    app = ChatApp(provider, box, policy=Policy(ask=("box__*",)))
    async with app.run_test(size=(100, 30)) as pilot:
        await send(pilot, "echo hi")
        await until(pilot, lambda: isinstance(app.screen, ApprovalScreen), "the approval modal")
        assert app.screen.request.name == "box__echo"
        await pilot.press("y")
        await finish_turn(pilot)
        assert app.query_one(ToolCallBlock).status == "done"
    result = provider.requests[1].messages[-1]
    assert isinstance(result, ToolResultMessage) and result.text == "hi" and not result.is_error


async def test_an_ask_tool_denied_is_not_run_and_the_model_is_told(box):
    provider = ScriptedProvider(
        [Turn(calls=(call("box__echo", call_id="e1", text="hi"),)), Turn(text="fine")]
    )
    app = ChatApp(provider, box, policy=Policy(ask=("box__*",)))
    async with app.run_test(size=(100, 30)) as pilot:
        await send(pilot, "echo hi")
        await until(pilot, lambda: isinstance(app.screen, ApprovalScreen), "the approval modal")
        await pilot.click("#deny")
        await finish_turn(pilot)
        block = app.query_one(ToolCallBlock)
        assert block.status == "denied" and "denied" in block.result
    assert box.fleet.status()[0].calls == 0
    result = provider.requests[1].messages[-1]
    assert isinstance(result, ToolResultMessage) and result.is_error


async def test_allow_for_session_is_asked_once_per_tool(box):
    provider = ScriptedProvider(
        [
            Turn(calls=(call("box__echo", call_id="e1", text="a"),)),
            Turn(calls=(call("box__echo", call_id="e2", text="b"),)),
            Turn(text="both"),
        ]
    )
    app = ChatApp(provider, box, policy=Policy(ask=("box__*",)))
    async with app.run_test(size=(100, 30)) as pilot:
        await send(pilot, "echo twice")
        await until(pilot, lambda: isinstance(app.screen, ApprovalScreen), "the approval modal")
        await pilot.press("s")
        await finish_turn(pilot)
        assert [b.status for b in app.query(ToolCallBlock)] == ["done", "done"]
    assert app.policy.remembered == {"box__echo"}


async def test_ctrl_c_cancels_the_running_turn_and_the_chat_goes_on(box):
    provider = ScriptedProvider(
        [Turn(calls=(call("box__count_slowly", call_id="c1", n=100, delay=0.1),)), Turn("after")]
    )
    app = ChatApp(provider, box)
    async with app.run_test(size=(100, 30)) as pilot:
        await send(pilot, "count a lot")
        await until(pilot, lambda: app.query(ToolCallBlock), "the tool call")
        await pilot.press("ctrl+c")
        await finish_turn(pilot)
        assert app.turn is not None and app.turn.is_cancelled
        assert app.query_one(ToolCallBlock).status == "cancelled"
        assert app.query("PlainMessage.notice").last().source == "cancelled"
        cancelled = app.messages[-1]
        assert isinstance(cancelled, ToolResultMessage) and cancelled.is_error
        await send(pilot, "and now?")
        await finish_turn(pilot)
        assert app.query("ChatMessage.assistant").last().source == "after"
        assert app.is_running


async def test_escape_cancels_too_and_does_nothing_when_idle(box):
    provider = ScriptedProvider(
        [Turn(calls=(call("box__count_slowly", call_id="c1", n=100, delay=0.1),))]
    )
    app = ChatApp(provider, box)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("escape")  # nothing running: no error, no notice
        await send(pilot, "count")
        await until(pilot, lambda: app.query(ToolCallBlock), "the tool call")
        await pilot.press("escape")
        await finish_turn(pilot)
        assert app.turn is not None and app.turn.is_cancelled
        assert len(app.query("PlainMessage.notice")) == 1


async def test_quit_waits_for_the_cancelled_turn_and_saves(box, tmp_path):
    provider = ScriptedProvider(
        [Turn(calls=(call("box__count_slowly", call_id="c1", n=100, delay=0.1),))]
    )
    session = SessionFile.create(tmp_path)
    app = ChatApp(provider, box, session=session)
    async with app.run_test(size=(100, 30)) as pilot:
        await send(pilot, "count")
        await until(pilot, lambda: app.query(ToolCallBlock), "the tool call")
        await pilot.press("ctrl+q")
        async with asyncio.timeout(15):
            await app.workers.wait_for_complete()
    assert app.return_code == 0
    saved = SessionFile(session.path).load()
    assert saved[0] == UserMessage("count")
    assert isinstance(saved[-1], ToolResultMessage) and saved[-1].is_error


async def test_cancelling_while_the_approval_modal_is_open_closes_it(box):
    provider = ScriptedProvider([Turn(calls=(call("box__echo", call_id="e1", text="hi"),))])
    app = ChatApp(provider, box, policy=Policy(ask=("box__*",)))
    async with app.run_test(size=(100, 30)) as pilot:
        await send(pilot, "echo hi")
        await until(pilot, lambda: isinstance(app.screen, ApprovalScreen), "the approval modal")
        await pilot.press("ctrl+c")
        await finish_turn(pilot)
        assert not isinstance(app.screen, ApprovalScreen)
        assert app.turn is not None and app.turn.is_cancelled
        result = app.messages[-1]
        assert isinstance(result, ToolResultMessage) and "cancelled" in result.text
    assert box.fleet.status()[0].calls == 0


async def test_a_provider_failure_is_shown_and_the_chat_goes_on(box):
    provider = ScriptedProvider([ProviderError("the model is overloaded"), Turn(text="back")])
    app = ChatApp(provider, box)
    async with app.run_test(size=(100, 30)) as pilot:
        await send(pilot, "hello")
        await finish_turn(pilot)
        assert "overloaded" in app.query("PlainMessage.error").last().source
        await send(pilot, "again")
        await finish_turn(pilot)
        assert app.query("ChatMessage.assistant").last().source == "back"


async def test_model_text_with_terminal_control_sequences_is_neutralised(box):
    provider = ScriptedProvider([Turn(text="red \x1b[31malert\x07 done")])
    app = ChatApp(provider, box)
    async with app.run_test(size=(100, 30)) as pilot:
        await send(pilot, "hello")
        await finish_turn(pilot)
        source = app.query("ChatMessage.assistant").last().source
        assert "\x1b" not in source and "\x07" not in source and "alert" in source


async def test_the_transcript_follows_new_text_unless_scrolled_up(box):
    long = "\n\n".join(f"paragraph {n}" for n in range(40))
    provider = ScriptedProvider([Turn(text=long), Turn(text=long), Turn(text=long)])
    app = ChatApp(provider, box)
    async with app.run_test(size=(100, 30)) as pilot:
        transcript = app.transcript
        await send(pilot, "one")
        await finish_turn(pilot)
        await until(pilot, lambda: transcript.max_scroll_y > 0, "a long transcript")
        assert transcript.scroll_y == transcript.max_scroll_y  # followed the answer

        transcript.scroll_home(animate=False)  # the person scrolls up to read
        await send(pilot, "two")
        await finish_turn(pilot)
        assert transcript.scroll_y == 0 and transcript.max_scroll_y > 0

        transcript.scroll_end(animate=False)  # back at the bottom: following again
        await send(pilot, "three")
        await finish_turn(pilot)
        await until(pilot, lambda: transcript.scroll_y == transcript.max_scroll_y, "following")
