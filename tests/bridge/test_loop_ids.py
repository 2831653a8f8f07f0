"""Call ids in the loop: repeated or empty ids from the model never merge two calls' results."""

from __future__ import annotations

from bridge import events as ev
from bridge.approval import Policy
from providers.types import AssistantMessage, ToolCall, ToolResultMessage
from tests.bridge.test_loop import collect, of, results
from tests.fakes import ScriptedProvider, Turn, call, toolbox_fleet


def calls_in_history(messages):
    return [c for m in messages if isinstance(m, AssistantMessage) for c in m.tool_calls]


async def test_two_calls_sharing_an_id_keep_their_own_results_one_allowed_one_denied():
    allowed = call("box__calculate", "same", expression="6 * 7")
    denied = call("box__echo", "same", text="hi")
    provider = ScriptedProvider([Turn(calls=(allowed, denied)), Turn("ok")])
    async with toolbox_fleet() as toolset:
        events, messages = await collect(provider, toolset, policy=Policy(deny=("box__echo",)))
    finished = of(ev.ToolCallFinished, events)
    assert sorted((f.call_id, f.name, f.status) for f in finished) == [
        ("same", "box__calculate", "done"),
        ("same_2", "box__echo", "denied"),
    ]
    calculated, refused = results(messages)
    assert (calculated.call_id, calculated.text, calculated.is_error) == ("same", "42", False)
    assert refused.call_id == "same_2" and refused.is_error
    assert "denied" in refused.text
    # The history the model sees next pairs each call with its own result.
    assert [c.id for c in calls_in_history(messages)] == ["same", "same_2"]
    sent = provider.requests[1].messages
    assert [m.call_id for m in sent if isinstance(m, ToolResultMessage)] == ["same", "same_2"]


async def test_calls_with_empty_ids_get_distinct_ids_that_never_take_an_existing_one():
    first = ToolCall("", "box__calculate", {"expression": "1 + 1"})
    second = ToolCall("", "box__calculate", {"expression": "2 + 2"})
    taken = call("box__calculate", "call_1", expression="3 + 3")
    provider = ScriptedProvider([Turn(calls=(first, second, taken)), Turn("ok")])
    async with toolbox_fleet() as toolset:
        events, messages = await collect(provider, toolset)
    finished = of(ev.ToolCallFinished, events)
    assert sorted((f.call_id, f.text) for f in finished) == [  # reported as each ends
        ("call_1", "6"),
        ("call_1_2", "2"),
        ("call_2", "4"),
    ]
    assert [r.call_id for r in results(messages)] == ["call_1_2", "call_2", "call_1"]
    assert [c.id for c in calls_in_history(messages)] == ["call_1_2", "call_2", "call_1"]


async def test_a_repeated_id_three_times_becomes_three_ids_in_the_models_order():
    calls = tuple(call("box__calculate", "x", expression=f"{n} * 2") for n in (1, 2, 3))
    provider = ScriptedProvider([Turn(calls=calls), Turn("ok")])
    async with toolbox_fleet() as toolset:
        events, _ = await collect(provider, toolset)
    started = {s.call_id: s.arguments["expression"] for s in of(ev.ToolCallStarted, events)}
    assert started == {"x": "1 * 2", "x_2": "2 * 2", "x_3": "3 * 2"}
    assert sorted((f.call_id, f.text) for f in of(ev.ToolCallFinished, events)) == [
        ("x", "2"),
        ("x_2", "4"),
        ("x_3", "6"),
    ]
