"""Tool cards tell the truth: per-call status, arguments of calls that never ran, durations."""

from __future__ import annotations

from agent.tui import ChatApp
from agent.tui.approval import ApprovalScreen
from agent.tui.toolcall import ToolCallBlock
from bridge.approval import Policy
from providers.types import AssistantMessage, TextPart, ToolCall, ToolResultMessage, UserMessage
from tests.agent.tui.conftest import finish_turn, send, until
from tests.fakes import ScriptedProvider, Turn, call


async def test_a_finished_call_shows_done_while_its_parallel_sibling_still_runs(box):
    slow = call("box__count_slowly", call_id="slow", n=6, delay=0.25)
    fast = call("box__upper", call_id="fast", text="quick")
    app = ChatApp(ScriptedProvider([Turn(calls=(slow, fast)), Turn("ok")]), box)
    async with app.run_test(size=(100, 30)) as pilot:
        await send(pilot, "both")
        await until(pilot, lambda: len(app.query(ToolCallBlock)) == 2, "both cards")
        first, second = app.query(ToolCallBlock)
        await until(pilot, lambda: second.status == "done", "the fast call's end")
        assert first.status == "running"
        await finish_turn(pilot)


async def test_denied_and_rejected_calls_show_their_arguments_and_no_duration(box):
    denied = call("box__echo", call_id="d1", text="secret plan")
    rejected = call("box__calculate", call_id="r1", expression=42)  # not a string
    provider = ScriptedProvider([Turn(calls=(denied, rejected)), Turn("ok")])
    app = ChatApp(provider, box, policy=Policy(deny=("box__echo",)))
    async with app.run_test(size=(100, 30)) as pilot:
        await send(pilot, "go")
        await finish_turn(pilot)
        cards = {card.call_id: card for card in app.query(ToolCallBlock)}
        assert cards["d1"].status == "denied" and cards["r1"].status == "failed"
        assert cards["d1"].arguments == '{"text": "secret plan"}'
        assert cards["r1"].arguments == '{"expression": 42}'
        assert cards["d1"].duration is None and cards["r1"].duration is None
        assert "0.00s" not in str(cards["d1"]._header())


async def test_a_calls_duration_leaves_out_the_time_the_person_took_to_approve(box):
    provider = ScriptedProvider([Turn(calls=(call("box__echo", call_id="e1", text="hi"),)), Turn()])
    app = ChatApp(provider, box, policy=Policy(ask=("box__*",)))
    async with app.run_test(size=(100, 30)) as pilot:
        await send(pilot, "echo")
        await until(pilot, lambda: isinstance(app.screen, ApprovalScreen), "the approval modal")
        await pilot.pause(0.6)  # the person reads the question
        await pilot.press("y")
        await finish_turn(pilot)
        card = app.query_one(ToolCallBlock)
        assert card.status == "done" and card.duration is not None and card.duration < 0.5


async def test_two_turns_that_reuse_a_call_id_get_a_card_each(box):
    provider = ScriptedProvider(
        [
            Turn(calls=(call("box__echo", call_id="call_0", text="a"),)),
            Turn(calls=(call("box__echo", call_id="call_0", text="b"),)),
            Turn("done"),
        ]
    )
    app = ChatApp(provider, box)
    async with app.run_test(size=(100, 30)) as pilot:
        await send(pilot, "twice")
        await finish_turn(pilot)
        assert [(c.arguments, c.result) for c in app.query(ToolCallBlock)] == [
            ('{"text": "a"}', "a"),
            ('{"text": "b"}', "b"),
        ]


async def test_a_resumed_chat_shows_denied_calls_as_denied_and_repeated_ids_apart(box):
    history = [
        UserMessage("go"),
        AssistantMessage(
            "",
            (
                ToolCall("x", "box__echo", {"text": "one"}),
                ToolCall("x", "box__echo", {"text": "two"}),  # an old file: one id twice
            ),
        ),
        ToolResultMessage("x", "box__echo", (TextPart("one"),)),
        ToolResultMessage(
            "x",
            "box__echo",
            (TextPart("the user denied the call to box__echo; do not retry it"),),
            is_error=True,
        ),
    ]
    app = ChatApp(ScriptedProvider([]), box, messages=history)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        cards = list(app.query(ToolCallBlock))
        assert [(c.arguments, c.status) for c in cards] == [
            ('{"text": "one"}', "done"),
            ('{"text": "two"}', "denied"),
        ]


async def test_an_expanded_result_does_not_repeat_its_first_line_in_the_title(box):
    provider = ScriptedProvider([Turn(calls=(call("box__echo", call_id="e1", text="hi"),)), Turn()])
    app = ChatApp(provider, box)
    async with app.run_test(size=(100, 30)) as pilot:
        await send(pilot, "echo")
        await finish_turn(pilot)
        await pilot.click("Collapsible CollapsibleTitle")
        await pilot.pause()
        card = app.query_one(ToolCallBlock)
        assert card.query_one("Collapsible").title == "result"
        await pilot.click("Collapsible CollapsibleTitle")
        await pilot.pause()
        assert card.query_one("Collapsible").title == "hi"
