"""The Ollama adapter, driven through the real ``ollama`` SDK against a local fake server."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import aclosing
from typing import Any

import ollama
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
    TextDelta,
    TextPart,
    ToolCall,
    ToolResultMessage,
    ToolSpec,
    ToolsUnsupportedError,
    UserMessage,
    create,
)
from providers._retry import RetryPolicy
from providers.ollama import OllamaProvider
from tests.modelfakes import Call, Fail, FakeOllama, Hang, calls, collect, free_port, text

NESTED_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "where": {
            "type": "object",
            "properties": {"city": {"type": "string", "minLength": 1}},
            "required": ["city"],
            "additionalProperties": False,
        },
        "units": {"anyOf": [{"type": "string", "enum": ["C", "F"]}, {"type": "null"}]},
        "days": {"type": "integer", "minimum": 1, "default": 1},
    },
    "required": ["where"],
}
WEATHER = ToolSpec("get_weather", "Weather for a place", NESTED_SCHEMA)
NO_WAIT = RetryPolicy(base_delay=0)


@pytest.fixture
async def provider(fake_ollama: FakeOllama) -> AsyncIterator[OllamaProvider]:
    made = create("ollama", "qwen-fake", base_url=fake_ollama.url, retry=NO_WAIT)
    assert isinstance(made, OllamaProvider)
    async with aclosing(made):
        yield made


def ask(text_: str = "hi", **kwargs: Any) -> ChatRequest:
    return ChatRequest([UserMessage(text_)], **kwargs)


async def test_plain_text_streams_over_ndjson(provider, fake_ollama):
    fake_ollama.script(text("Hallo Welt, wie geht's"))

    events = await collect(provider.stream(ask()))

    deltas = [e.text for e in events if isinstance(e, TextDelta)]
    assert len(deltas) > 1 and "".join(deltas) == "Hallo Welt, wie geht's"
    finish = events[-1]
    assert isinstance(finish, Finish) and finish.reason == "stop"
    assert finish.usage is not None and (finish.usage.input_tokens, finish.usage.output_tokens) == (
        11,
        7,
    )
    seen = fake_ollama.requests[0]
    assert seen.path == "/api/chat" and seen.body["stream"] is True


async def test_no_tools_key_when_no_tools(provider, fake_ollama):
    fake_ollama.script(text("ok"))

    await collect(provider.stream(ask()))

    assert "tools" not in fake_ollama.requests[0].body


async def test_full_nested_tool_schema_reaches_the_server(provider, fake_ollama):
    fake_ollama.script(text("ok"))

    await collect(provider.stream(ask(tools=[WEATHER], tool_choice="auto")))

    body = fake_ollama.requests[0].body
    assert body["tools"] == [
        {
            "type": "function",
            "function": {
                "name": "get_weather",
                "description": "Weather for a place",
                "parameters": NESTED_SCHEMA,
            },
        }
    ]
    assert "tool_choice" not in body


async def test_the_sdk_chat_method_would_have_dropped_nested_schema(fake_ollama):
    # Why the adapter builds its own body: pins the SDK behaviour it works around.
    fake_ollama.script(text("ok"))
    tool = {"type": "function", "function": {"name": "t", "parameters": NESTED_SCHEMA}}
    client = ollama.AsyncClient(host=fake_ollama.url)
    try:
        await client.chat(model="m", messages=[{"role": "user", "content": "hi"}], tools=[tool])
    finally:
        await client.close()

    sent = fake_ollama.requests[0].body["tools"][0]["function"]["parameters"]
    assert sent != NESTED_SCHEMA
    assert "anyOf" not in str(sent) and "additionalProperties" not in str(sent)


def test_capabilities_offer_only_auto_tool_choice(provider):
    assert provider.capabilities.tool_choice == frozenset({"auto"})
    assert provider.capabilities.dialect == "ollama"
    assert not provider.capabilities.supports_choice("required")


async def test_parallel_tool_calls_get_distinct_ids(provider, fake_ollama):
    fake_ollama.script(
        calls(Call("get_weather", {"where": {"city": "Paris"}}), Call("get_weather", {"where": {}}))
    )

    events = await collect(provider.stream(ask(tools=[WEATHER])))

    found = events[-1].message.tool_calls
    assert [c.arguments for c in found] == [{"where": {"city": "Paris"}}, {"where": {}}]
    assert len({c.id for c in found}) == 2
    assert isinstance(events[-1], Finish) and events[-1].reason == "tool_calls"


async def test_tool_results_go_back_as_tool_messages_with_tool_name(provider, fake_ollama):
    fake_ollama.script(text("It is sunny"))
    call = ToolCall("ollama_1", "get_weather", {"where": {"city": "Paris"}})
    history = [
        UserMessage("weather?"),
        AssistantMessage("", (call,), {"thinking": "look it up"}),
        ToolResultMessage("ollama_1", "get_weather", (TextPart("18C"),)),
        ToolResultMessage("ollama_2", "get_weather", (TextPart("no city"),), is_error=True),
    ]

    await collect(provider.stream(ChatRequest(history, tools=[WEATHER])))

    assert fake_ollama.requests[0].body["messages"][1:] == [
        {
            "role": "assistant",
            "content": "",
            "thinking": "look it up",
            "tool_calls": [
                {"function": {"name": "get_weather", "arguments": {"where": {"city": "Paris"}}}}
            ],
        },
        {"role": "tool", "tool_name": "get_weather", "content": "18C"},
        {"role": "tool", "tool_name": "get_weather", "content": "Error: no city"},
    ]


async def test_thinking_is_kept_for_the_history_but_not_shown_as_text(provider, fake_ollama):
    fake_ollama.script(text("42", thinking="six times seven"))

    events = await collect(provider.stream(ask()))

    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == "42"
    assert events[-1].message.provider_state == {"thinking": "six times seven"}


async def test_think_options_and_format_reach_the_body(fake_ollama):
    fake_ollama.script(text("{}"))
    made = create(
        "ollama",
        "m",
        base_url=fake_ollama.url,
        think="low",
        options={"num_ctx": 8192},
        format="json",
    )
    async with aclosing(made):
        await collect(made.stream(ask(temperature=0.2, max_tokens=64)))

    body = fake_ollama.requests[0].body
    assert body["think"] == "low" and body["format"] == "json"
    assert body["options"] == {"num_ctx": 8192, "temperature": 0.2, "num_predict": 64}


async def test_images_travel_as_base64_list(provider, fake_ollama):
    fake_ollama.script(text("a cat"))

    await collect(
        provider.stream(
            ChatRequest([UserMessage((TextPart("what?"), ImagePart("aGk=", "image/png")))])
        )
    )

    assert fake_ollama.requests[0].body["messages"] == [
        {"role": "user", "content": "what?", "images": ["aGk="]}
    ]


async def test_model_without_tool_support_raises_tools_unsupported(provider, fake_ollama):
    fake_ollama.script(Fail(400, "registry.ollama.ai/library/gemma:2b does not support tools"))

    with pytest.raises(ToolsUnsupportedError):
        await collect(provider.stream(ask(tools=[WEATHER])))


async def test_unknown_model_says_to_pull_it(provider, fake_ollama):
    fake_ollama.script(Fail(404, 'model "qwen-fake" not found, try pulling it first'))

    with pytest.raises(ModelNotFoundError, match="ollama pull qwen-fake"):
        await collect(provider.stream(ask()))


async def test_rejected_key_raises_auth_error(provider, fake_ollama):
    fake_ollama.script(Fail(401, "unauthorized"))

    with pytest.raises(ProviderAuthError, match="OLLAMA_API_KEY"):
        await collect(provider.stream(ask()))


async def test_rate_limit_is_retried_then_succeeds(provider, fake_ollama):
    fake_ollama.script(Fail(429, "too many requests"), text("ok"))

    events = await collect(provider.stream(ask()))

    assert events[-1].message.text == "ok" and len(fake_ollama.requests) == 2


async def test_rate_limit_gives_up_after_three_tries(provider, fake_ollama):
    fake_ollama.script(*[Fail(429, "too many requests")] * 3)

    with pytest.raises(RateLimitError):
        await collect(provider.stream(ask()))

    assert len(fake_ollama.requests) == 3


async def test_context_too_long_raises_context_error(provider, fake_ollama):
    fake_ollama.script(Fail(400, "input length exceeds the context length"))

    with pytest.raises(ContextTooLongError):
        await collect(provider.stream(ask()))


async def test_connection_refused_says_to_start_ollama():
    url = f"http://127.0.0.1:{free_port()}"
    async with aclosing(create("ollama", "m", base_url=url)) as made:
        with pytest.raises(ProviderUnavailableError, match="ollama serve"):
            await collect(made.stream(ask()))


async def test_no_answer_in_time_raises_timeout(fake_ollama):
    fake_ollama.script(Hang())
    async with aclosing(create("ollama", "m", base_url=fake_ollama.url, timeout=0.3)) as made:
        with pytest.raises(ProviderTimeoutError):
            await collect(made.stream(ask()))
