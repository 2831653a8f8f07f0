"""The tool-call loop with a scripted model and a fleet of real toolbox servers."""

from __future__ import annotations

import asyncio

import pytest

from bridge import events as ev
from bridge.approval import ApprovalRequest, Policy
from bridge.loop import LoopSettings, run
from config.schema import ServerConfig
from providers.errors import ToolsUnsupportedError
from providers.types import (
    AssistantMessage,
    Capabilities,
    SystemMessage,
    TextPart,
    ToolResultMessage,
    UserMessage,
)
from tests.fakes import ScriptedProvider, Turn, call, toolbox_config, toolbox_fleet


async def collect(provider, toolset, messages=None, settings=None, **options):
    messages = messages if messages is not None else [UserMessage("go")]
    events = []
    async with asyncio.timeout(30):
        async for event in run(provider, toolset, messages, settings or LoopSettings(), **options):
            events.append(event)
    return events, messages


def of(kind, events):
    return [e for e in events if isinstance(e, kind)]


def results(messages):
    return [m for m in messages if isinstance(m, ToolResultMessage)]


async def test_a_plain_answer_streams_and_finishes():
    provider = ScriptedProvider([Turn("The answer is plain and simple.")])
    async with toolbox_fleet() as toolset:
        events, messages = await collect(provider, toolset)
    assert "".join(e.text for e in of(ev.TextDelta, events)) == "The answer is plain and simple."
    (done,) = of(ev.RunFinished, events)
    assert (done.reason, done.turns, done.text) == (
        "answered",
        1,
        "The answer is plain and simple.",
    )
    assert done.usage.input_tokens == 10
    assert isinstance(messages[-1], AssistantMessage)
    # The tools went to the model in its dialect, named server__tool.
    assert "box__calculate" in {spec.name for spec in provider.requests[0].tools}


async def test_a_tool_call_runs_and_its_result_goes_back_to_the_model():
    provider = ScriptedProvider(
        [Turn(calls=(call("box__calculate", expression="6 * 7"),)), Turn("It is 42.")]
    )
    async with toolbox_fleet() as toolset:
        events, _messages = await collect(provider, toolset)
    (started,) = of(ev.ToolCallStarted, events)
    assert (started.name, started.server, started.arguments) == (
        "box__calculate",
        "box",
        {"expression": "6 * 7"},
    )
    (finished,) = of(ev.ToolCallFinished, events)
    assert (finished.status, finished.text) == ("done", "42")
    second = provider.requests[1].messages
    assert isinstance(second[-1], ToolResultMessage)
    assert second[-1].text == "42" and not second[-1].is_error
    assert of(ev.RunFinished, events)[0].text == "It is 42."


async def test_parallel_calls_run_concurrently_and_results_keep_the_models_order():
    calls = (
        call("box__count_slowly", "slow", n=3, delay=0.05),
        call("box__upper", "fast", text="quick"),
    )
    provider = ScriptedProvider([Turn(calls=calls), Turn("done")])
    async with toolbox_fleet() as toolset:
        events, messages = await collect(provider, toolset)
    finished = [e.call_id for e in of(ev.ToolCallFinished, events)]
    assert finished == ["fast", "slow"]  # each reported as it ends
    assert [r.call_id for r in results(messages)] == ["slow", "fast"]
    assert [p.progress for p in of(ev.ToolProgress, events)] == [1, 2, 3]
    # The fast call did not wait for the slow one: both started before any finished.
    kinds = [
        type(e).__name__ for e in events if isinstance(e, ev.ToolCallStarted | ev.ToolProgress)
    ]
    assert kinds[:2] == ["ToolCallStarted", "ToolCallStarted"]


async def test_a_failing_tool_is_an_error_result_and_the_model_recovers():
    provider = ScriptedProvider(
        [
            Turn(calls=(call("box__calculate", expression="1/0"),)),
            Turn(calls=(call("box__calculate", expression="1/1"),)),
            Turn("Recovered."),
        ]
    )
    async with toolbox_fleet() as toolset:
        events, messages = await collect(provider, toolset)
    first, second = results(messages)
    assert first.is_error and "division by zero" in first.text
    assert not second.is_error and second.text == "1.0"
    assert of(ev.RunFinished, events)[0].reason == "answered"


@pytest.mark.parametrize(
    ("bad_call", "expected"),
    [
        (call("box__nope", text="x"), "unknown tool 'box__nope'"),
        (call("box__upper", raw="{not json"), "not valid JSON"),
        (call("box__upper", text=5), "5 is not of type 'string'"),
        (call("box__upper"), "'text' is a required property"),
    ],
)
async def test_bad_calls_go_back_to_the_model_as_tool_errors(bad_call, expected):
    provider = ScriptedProvider([Turn(calls=(bad_call,)), Turn("ok")])
    async with toolbox_fleet() as toolset:
        events, messages = await collect(provider, toolset)
    (result,) = results(messages)
    assert result.is_error
    assert expected in result.text
    assert not of(ev.ToolCallStarted, events)  # nothing was dispatched


async def test_a_call_to_a_tool_of_a_failed_server_tells_the_model_the_server_is_down():
    provider = ScriptedProvider([Turn(calls=(call("gone__search", q="x"),)), Turn("ok")])
    gone = ServerConfig(command="/nonexistent/mcp-server", restart="never")
    async with toolbox_fleet(box=toolbox_config(), gone=gone) as toolset:
        events, messages = await collect(provider, toolset)
    (result,) = results(messages)
    assert result.is_error
    assert result.text.startswith("server 'gone' is failed")
    assert "no such file" in result.text
    assert of(ev.ToolCallStarted, events) == []  # it never went out


async def test_a_denied_tool_is_not_called_and_the_model_is_told():
    provider = ScriptedProvider([Turn(calls=(call("box__echo", text="hi"),)), Turn("ok")])
    policy = Policy(deny=("box__echo",))
    async with toolbox_fleet() as toolset:
        events, messages = await collect(provider, toolset, policy=policy)
    (finished,) = of(ev.ToolCallFinished, events)
    assert finished.status == "denied"
    assert "denied" in results(messages)[0].text
    assert not of(ev.ToolCallStarted, events)


async def test_ask_goes_to_the_approver_and_headless_runs_deny():
    asked: list[ApprovalRequest] = []

    async def approver(request):
        asked.append(request)
        return "allow_session"

    policy = Policy(ask=("box__*",))
    script = [
        Turn(calls=(call("box__echo", "a", text="1"),)),
        Turn(calls=(call("box__echo", "b", text="2"),)),
        Turn("ok"),
    ]
    async with toolbox_fleet() as toolset:
        _, messages = await collect(
            ScriptedProvider(list(script)), toolset, policy=policy, approver=approver
        )
        assert [r.text for r in results(messages)] == ["1", "2"]
        assert [r.name for r in asked] == ["box__echo"]  # remembered for the session
        _, headless = await collect(
            ScriptedProvider(list(script)), toolset, policy=Policy(ask=("box__*",))
        )
    assert all("denied" in r.text for r in results(headless))


async def test_the_same_failing_call_is_not_run_a_third_time():
    bad = call("box__calculate", expression="1/0")
    provider = ScriptedProvider([Turn(calls=(bad,))] * 3 + [Turn("giving up")])
    async with toolbox_fleet() as toolset:
        events, messages = await collect(provider, toolset)
    texts = [r.text for r in results(messages)]
    assert texts[:2] == ["division by zero", "division by zero"]
    assert "already failed 2 times" in texts[2]
    assert len(of(ev.ToolCallStarted, events)) == 2


async def test_max_turns_stops_the_run():
    provider = ScriptedProvider([Turn(calls=(call("box__echo", text="again"),))] * 3)
    async with toolbox_fleet() as toolset:
        events, _ = await collect(provider, toolset, settings=LoopSettings(max_turns=3))
    assert of(ev.RunFinished, events)[0].reason == "max_turns"
    assert of(ev.Notice, events)


async def test_long_results_are_cut_with_a_marker():
    provider = ScriptedProvider([Turn(calls=(call("box__echo", text="x" * 500),)), Turn("ok")])
    async with toolbox_fleet() as toolset:
        _, messages = await collect(provider, toolset, settings=LoopSettings(result_limit=100))
    text = results(messages)[0].text
    assert text.startswith("x" * 100)
    assert "400 of 500 characters cut" in text


async def test_a_model_without_native_tools_gets_them_in_the_prompt_and_writes_calls_as_text():
    text_only = Capabilities(dialect="openai", native_tools=False)
    reply = (
        "Let me compute.\n<tool_call>\n"
        '{"name": "box__calculate", "arguments": {"expression": "2**10"}}\n</tool_call>'
    )
    provider = ScriptedProvider([Turn(reply), Turn("It is 1024.")], capabilities=text_only)
    async with toolbox_fleet() as toolset:
        events, messages = await collect(provider, toolset)
    first = provider.requests[0]
    assert not first.tools
    assert isinstance(first.messages[0], SystemMessage)
    assert "box__calculate" in first.messages[0].text
    assert results(messages)[0].text == "1024"
    # The markup never reached the screen; the prose did.
    shown = "".join(e.text for e in of(ev.TextDelta, events))
    assert "<tool_call>" not in shown and "Let me compute." in shown
    # The next turn carries the call and its result as text, not as a tool role.
    second = provider.requests[1].messages
    assert not any(isinstance(m, ToolResultMessage) for m in second)
    assert any(isinstance(m, UserMessage) and "1024" in m.text for m in second)


async def test_a_model_that_refuses_tools_falls_back_to_text_calls():
    reply = '<tool_call>{"name": "box__reverse", "arguments": {"text": "abc"}}</tool_call>'
    provider = ScriptedProvider(
        [ToolsUnsupportedError("model does not support tools"), Turn(reply), Turn("cba it is")]
    )
    async with toolbox_fleet() as toolset:
        events, messages = await collect(provider, toolset)
    assert provider.requests[0].tools and not provider.requests[1].tools
    assert results(messages)[0].text == "cba"
    assert any("text tool calls" in n.message for n in of(ev.Notice, events))


async def test_required_tool_choice_is_emulated_where_the_provider_only_has_auto():
    auto_only = Capabilities(dialect="ollama", tool_choice=frozenset({"auto"}))
    provider = ScriptedProvider(
        [Turn("I would rather chat."), Turn(calls=(call("box__now"),)), Turn("done")],
        capabilities=auto_only,
    )
    settings = LoopSettings(tool_choice="required")
    async with toolbox_fleet() as toolset:
        _events, messages = await collect(provider, toolset, settings=settings)
    first, retry, after = provider.requests
    assert first.tool_choice == "auto"
    assert "You must call one of the tools" in first.messages[0].text
    assert "did not call" in retry.messages[0].text
    assert "You must call" not in str(after.messages[0])  # forced on the first turn only
    assert len(results(messages)) == 1


async def test_a_specific_tool_choice_sends_only_that_tool():
    provider = ScriptedProvider([Turn(calls=(call("box__lower", text="ABC"),)), Turn("abc")])
    async with toolbox_fleet() as toolset:
        await collect(provider, toolset, settings=LoopSettings(tool_choice="box__lower"))
    first, second = provider.requests
    assert [t.name for t in first.tools] == ["box__lower"]
    assert first.tool_choice == "box__lower"
    assert second.tool_choice == "auto" and len(second.tools) > 1


async def test_cancelling_a_run_keeps_history_valid_with_cancelled_results():
    provider = ScriptedProvider(
        [Turn(calls=(call("box__count_slowly", "slow", n=100, delay=0.1),))]
    )
    messages = [UserMessage("go")]
    async with toolbox_fleet() as toolset:

        async def consume():
            async for event in run(provider, toolset, messages, LoopSettings()):
                if isinstance(event, ev.ToolProgress):
                    return  # stop consuming mid-call: the generator is closed

        async with asyncio.timeout(20):
            await consume()
    (result,) = results(messages)
    assert result.is_error and "cancelled" in result.text
    assert isinstance(result.content[0], TextPart)


class _Recording:
    """The toolset, with the calls that reached it written down."""

    def __init__(self, toolset):
        self._toolset = toolset
        self.called: list[str] = []

    def __getattr__(self, name):
        return getattr(self._toolset, name)

    async def call(self, name, arguments, on_progress=None):
        self.called.append(name)
        return await self._toolset.call(name, arguments, on_progress)


@pytest.mark.parametrize("parallel", [True, False])
async def test_a_call_goes_out_only_after_its_started_event_was_taken(parallel):
    calls = (call("box__upper", "a", text="x"), call("box__lower", "b", text="Y"))
    provider = ScriptedProvider([Turn(calls=calls), Turn("done")])
    async with toolbox_fleet() as toolset:
        recording = _Recording(toolset)
        seen = []

        async def consume():
            async for event in run(
                provider, recording, [UserMessage("go")], LoopSettings(parallel_tool_calls=parallel)
            ):
                if isinstance(event, ev.ToolCallStarted):
                    seen.append(event.name)
                    return  # a signal lands here: the front end never asks for more

        async with asyncio.timeout(20):
            await consume()
    # The started event was out before its call was dispatched; the rest never went.
    assert seen == ["box__upper"]
    assert recording.called == []


async def test_with_parallel_calls_off_the_calls_of_a_turn_run_one_after_another():
    calls = (
        call("box__count_slowly", "slow", n=2, delay=0.02),
        call("box__upper", "fast", text="quick"),
    )
    provider = ScriptedProvider([Turn(calls=calls), Turn("done")])
    async with toolbox_fleet() as toolset:
        events, messages = await collect(
            provider, toolset, settings=LoopSettings(parallel_tool_calls=False)
        )
    order = [
        (type(e).__name__, e.call_id)
        for e in events
        if isinstance(e, ev.ToolCallStarted | ev.ToolProgress)
    ]
    # The slow call had made all its progress before the fast one started.
    assert order == [
        ("ToolCallStarted", "slow"),
        ("ToolProgress", "slow"),
        ("ToolProgress", "slow"),
        ("ToolCallStarted", "fast"),
    ]
    assert [r.call_id for r in results(messages)] == ["slow", "fast"]
    assert provider.requests[0].parallel_tool_calls is False


def test_the_unknown_tool_message_names_thirty_tools_and_counts_the_rest():
    from bridge.catalog import unknown_tool_message

    message = unknown_tool_message("nope", [f"t{n:02}" for n in range(45)])
    assert message.startswith("unknown tool 'nope'; the tools available are: t00, t01")
    assert "t29" in message and "t30" not in message
    assert message.endswith("(and 15 more)")


def test_usage_adds_up_field_by_field():
    from providers.types import Usage

    assert Usage(3, 4) + Usage(10, 20) == Usage(13, 24)


async def test_parallel_tool_calls_is_not_sent_to_a_model_whose_capabilities_say_it_cannot():
    from providers.types import Capabilities

    unable = Capabilities(dialect="openai", parallel_tool_calls=False)
    provider = ScriptedProvider([Turn("fine")], capabilities=unable)
    async with toolbox_fleet() as toolset:
        await collect(provider, toolset)
    assert provider.requests[0].tools and provider.requests[0].parallel_tool_calls is None


def test_config_capabilities_reach_the_provider_in_the_config_words():
    from config.schema import Config
    from providers.settings import create_from_config

    config = Config.model_validate(
        {
            "providers": {
                "openai": {
                    "api_key": "sk-test",
                    "capabilities": {
                        "tool_choice": ["auto", "named"],
                        "parallel_tool_calls": False,
                    },
                }
            }
        }
    )
    provider = create_from_config(config, "openai:gpt-x")
    assert provider.capabilities.tool_choice == frozenset({"auto", "named"})
    assert provider.capabilities.parallel_tool_calls is False
    assert provider.capabilities.supports_choice("box__upper")
    assert not provider.capabilities.supports_choice("required")
