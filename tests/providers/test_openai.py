"""The OpenAI adapter, driven through the real ``openai`` SDK against a local fake server."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import aclosing
from typing import Any

import pytest

from providers import (
    AssistantMessage,
    ChatRequest,
    ContextTooLongError,
    Finish,
    ImagePart,
    ModelNotFoundError,
    ProviderAuthError,
    ProviderTimeoutError,
    ProviderUnavailableError,
    RateLimitError,
    SystemMessage,
    TextDelta,
    TextPart,
    ToolCall,
    ToolResultMessage,
    ToolSpec,
    ToolsUnsupportedError,
    UserMessage,
    create,
)
from providers.openai import OpenAIProvider
from tests.modelfakes import Call, Fail, FakeOpenAI, Hang, calls, collect, free_port, text

WEATHER = ToolSpec(
    "get_weather",
    "Weather for a city",
    {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
)


@pytest.fixture
async def provider(fake_openai: FakeOpenAI) -> AsyncIterator[OpenAIProvider]:
    made = create("openai", "gpt-fake", base_url=fake_openai.url, api_key="sk-test")
    assert isinstance(made, OpenAIProvider)
    async with aclosing(made):
        yield made


def ask(text_: str = "hi", **kwargs: Any) -> ChatRequest:
    return ChatRequest([UserMessage(text_)], **kwargs)


async def test_plain_text_streams_deltas_then_finish_with_usage(provider, fake_openai):
    fake_openai.script(text("Hello there, world"))

    events = await collect(provider.stream(ask()))

    deltas = [e.text for e in events if isinstance(e, TextDelta)]
    assert len(deltas) > 1 and "".join(deltas) == "Hello there, world"
    finish = events[-1]
    assert isinstance(finish, Finish) and finish.reason == "stop"
    assert finish.usage is not None and finish.usage.input_tokens == 11
    assert finish.message == AssistantMessage("Hello there, world")
    body = fake_openai.requests[0].body
    assert body["stream"] is True and body["stream_options"] == {"include_usage": True}
    assert body["messages"] == [{"role": "user", "content": "hi"}]


async def test_no_tools_key_nor_tool_options_when_no_tools(provider, fake_openai):
    fake_openai.script(text("ok"))

    await collect(provider.stream(ask(parallel_tool_calls=False)))

    body = fake_openai.requests[0].body
    assert not {"tools", "tool_choice", "parallel_tool_calls"} & set(body)


async def test_one_tool_call_arrives_whole_after_fragments(provider, fake_openai):
    arguments = {"city": "Paris", "units": "metric", "days": [1, 2, 3]}
    fake_openai.script(calls(Call("get_weather", arguments, id="call_a"), chunks=7))

    events = await collect(provider.stream(ask(tools=[WEATHER])))

    assert isinstance(events[-1], Finish) and events[-1].reason == "tool_calls"
    assert events[-1].message.tool_calls == (ToolCall("call_a", "get_weather", arguments),)
    sent = fake_openai.requests[0].body
    assert sent["tools"][0]["function"]["parameters"] == dict(WEATHER.parameters)
    assert sent["tool_choice"] == "auto"


async def test_parallel_tool_calls_keep_their_order_and_ids(provider, fake_openai):
    fake_openai.script(
        calls(Call("get_weather", {"city": "Paris"}, id="a"), Call("get_weather", {"city": "Oslo"}))
    )

    events = await collect(provider.stream(ask(tools=[WEATHER], parallel_tool_calls=True)))

    found = events[-1].message.tool_calls
    assert [(c.id, c.arguments["city"]) for c in found] == [("a", "Paris"), ("call_1", "Oslo")]
    assert fake_openai.requests[0].body["parallel_tool_calls"] is True


async def test_malformed_arguments_are_kept_raw_for_the_loop(provider, fake_openai):
    fake_openai.script(calls(Call("get_weather", '{"city": "Par')))

    events = await collect(provider.stream(ask(tools=[WEATHER])))

    (call,) = events[-1].message.tool_calls
    assert call.arguments == {} and call.raw_arguments == '{"city": "Par'
    assert not call.arguments_ok


@pytest.mark.parametrize(
    ("choice", "wire"),
    [
        ("auto", "auto"),
        ("none", "none"),
        ("required", "required"),
        ("get_weather", {"type": "function", "function": {"name": "get_weather"}}),
    ],
)
async def test_tool_choice_is_sent_in_openai_form(provider, fake_openai, choice, wire):
    fake_openai.script(text("ok"))

    await collect(provider.stream(ask(tools=[WEATHER], tool_choice=choice)))

    assert fake_openai.requests[0].body["tool_choice"] == wire


async def test_tool_results_go_back_as_tool_messages_with_call_id(provider, fake_openai):
    fake_openai.script(text("It is sunny"))
    call = ToolCall("call_a", "get_weather", {"city": "Paris"})
    history = [
        SystemMessage("Be brief"),
        UserMessage("weather?"),
        AssistantMessage("", (call,)),
        ToolResultMessage("call_a", "get_weather", (TextPart("18C, sunny"),)),
    ]

    await collect(provider.stream(ChatRequest(history, tools=[WEATHER])))

    assert fake_openai.requests[0].body["messages"] == [
        {"role": "system", "content": "Be brief"},
        {"role": "user", "content": "weather?"},
        {
            "role": "assistant",
            "content": "",  # a compatible server (base_url) gets a string: some reject null
            "tool_calls": [
                {
                    "id": "call_a",
                    "type": "function",
                    "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "call_a", "content": "18C, sunny"},
    ]


async def test_failed_tool_result_says_error_and_images_follow_as_user_turn(provider, fake_openai):
    fake_openai.script(text("ok"))
    history = [
        UserMessage("look"),
        AssistantMessage("", (ToolCall("c1", "shot", {}), ToolCall("c2", "boom", {}))),
        ToolResultMessage("c1", "shot", (TextPart("done"), ImagePart("aGk=", "image/png"))),
        ToolResultMessage("c2", "boom", (TextPart("disk full"),), is_error=True),
    ]

    await collect(provider.stream(ChatRequest(history)))

    sent = fake_openai.requests[0].body["messages"]
    assert sent[2] == {"role": "tool", "tool_call_id": "c1", "content": "done"}
    assert sent[3] == {"role": "tool", "tool_call_id": "c2", "content": "Error: disk full"}
    assert sent[4]["role"] == "user"
    assert sent[4]["content"][0]["image_url"]["url"] == "data:image/png;base64,aGk="


async def test_options_and_limits_reach_the_request_body(fake_openai):
    fake_openai.script(text("ok"))
    made = create(
        "openai", "m", base_url=fake_openai.url, api_key="k", options={"top_k": 3, "seed": 1}
    )
    async with aclosing(made):
        request = ask(temperature=0.1, max_tokens=50, options={"seed": 2})
        await collect(made.stream(request))

    body = fake_openai.requests[0].body
    assert body["top_k"] == 3 and body["seed"] == 2
    assert body["temperature"] == 0.1 and body["max_tokens"] == 50


async def test_endpoint_without_native_tools_raises_tools_unsupported_before_sending(
    fake_openai,
):
    made = create("openai", "m", base_url=fake_openai.url, capabilities={"native_tools": False})
    async with aclosing(made):
        assert made.capabilities.native_tools is False
        with pytest.raises(ToolsUnsupportedError):
            await collect(made.stream(ask(tools=[WEATHER])))
    assert fake_openai.requests == []


async def test_rejected_key_raises_auth_error_naming_the_variable(provider, fake_openai):
    fake_openai.script(Fail(401, "Incorrect API key provided: sk-test", code="invalid_api_key"))

    with pytest.raises(ProviderAuthError, match="OPENAI_API_KEY"):
        await collect(provider.stream(ask()))


def test_missing_key_says_which_variable_to_set(monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)

    with pytest.raises(ProviderAuthError) as caught:
        create("openai", "gpt-5-mini")

    assert "set OPENAI_API_KEY or add providers.openai.api_key to agent.yaml" in str(caught.value)


async def test_unknown_model_raises_model_not_found(provider, fake_openai):
    fake_openai.script(Fail(404, "The model `gpt-nope` does not exist", code="model_not_found"))

    with pytest.raises(ModelNotFoundError, match="gpt-fake"):
        await collect(provider.stream(ask()))


async def test_rate_limit_is_retried_honouring_retry_after(provider, fake_openai):
    fake_openai.script(Fail(429, "slow down", headers={"Retry-After": "0"}), text("finally"))

    events = await collect(provider.stream(ask()))

    assert isinstance(events[-1], Finish) and events[-1].message.text == "finally"
    assert len(fake_openai.requests) == 2


async def test_rate_limit_gives_up_after_three_tries(provider, fake_openai):
    fake_openai.script(*[Fail(429, "slow down", headers={"Retry-After": "0"})] * 3, text("late"))

    with pytest.raises(RateLimitError, match="3 tries") as caught:
        await collect(provider.stream(ask()))

    assert caught.value.retry_after == 0
    assert len(fake_openai.requests) == 3


async def test_context_too_long_raises_context_error(provider, fake_openai):
    fake_openai.script(
        Fail(
            400,
            "This model's maximum context length is 128000 tokens.",
            code="context_length_exceeded",
        )
    )

    with pytest.raises(ContextTooLongError, match="context window"):
        await collect(provider.stream(ask()))


async def test_connection_refused_raises_unavailable_naming_the_url():
    url = f"http://127.0.0.1:{free_port()}/v1"
    async with aclosing(create("openai", "m", base_url=url)) as made:
        with pytest.raises(ProviderUnavailableError, match=url):
            await collect(made.stream(ask()))


async def test_no_answer_in_time_raises_timeout(fake_openai):
    fake_openai.script(Hang())
    async with aclosing(create("openai", "m", base_url=fake_openai.url, timeout=0.3)) as made:
        with pytest.raises(ProviderTimeoutError, match=r"0\.3s"):
            await collect(made.stream(ask()))


def test_openai_itself_gets_null_content_for_an_assistant_turn_without_text(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    provider = OpenAIProvider("gpt-5-mini")
    call = ToolCall("call_a", "get_weather", {"city": "Paris"})

    body = provider._body(ChatRequest([AssistantMessage("", (call,))]))

    assert body["messages"][0]["content"] is None
