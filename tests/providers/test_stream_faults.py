"""Misbehaving model endpoints end in a provider error saying what they did, never a silent answer.

Each adapter is driven through its real SDK against a local fake that plays a broken
response: a stream cut short, an empty stream, data that is not JSON, JSON nested too
deeply, a stream that never ends, a stream that stalls. Unstreamed requests and the
OpenAI fallback for endpoints that cannot stream tool calls are here too.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import aclosing
from typing import Any

import pytest

from providers import (
    ChatRequest,
    Finish,
    Notice,
    ProviderResponseError,
    ProviderTimeoutError,
    TextDelta,
    ToolSpec,
    UserMessage,
    create,
)
from providers.base import Provider
from tests.modelfakes import Call, FakeGemini, FakeOllama, FakeOpenAI, Raw, Stream, calls, collect
from tests.modelfakes import text as reply_text

LOOKUP = ToolSpec(
    "codes__lookup_code",
    "The secret code for a word",
    {"type": "object", "properties": {"word": {"type": "string"}}, "required": ["word"]},
)


def ask(**kwargs: Any) -> ChatRequest:
    return ChatRequest([UserMessage("hi")], **kwargs)


def sse(*objects: Any, done: bool = True) -> tuple[str, ...]:
    lines = [f"data: {json.dumps(o)}\n\n" for o in objects]
    return (*lines, "data: [DONE]\n\n") if done else tuple(lines)


def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
    return {
        "id": "c",
        "object": "chat.completion.chunk",
        "created": 0,
        "model": "m",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.fixture
async def openai_model(fake_openai: FakeOpenAI) -> AsyncIterator[Provider]:
    made = create("openai", "m", base_url=fake_openai.url, api_key="k", timeout=5, idle_timeout=2)
    async with aclosing(made):
        yield made


@pytest.fixture
async def ollama_model(fake_ollama: FakeOllama) -> AsyncIterator[Provider]:
    made = create("ollama", "m", base_url=fake_ollama.url, timeout=5, idle_timeout=2)
    async with aclosing(made):
        yield made


@pytest.fixture
async def gemini_model(fake_gemini: FakeGemini) -> AsyncIterator[Provider]:
    made = create("gemini", "m", base_url=fake_gemini.url, api_key="k", timeout=5, idle_timeout=2)
    async with aclosing(made):
        yield made


async def fails(provider: Provider, request: ChatRequest, error: type[Exception]) -> str:
    with pytest.raises(error) as caught:
        await collect(provider.stream(request), seconds=20)
    return str(caught.value)


# -- OpenAI ----------------------------------------------------------------------------------


async def test_openai_stream_cut_before_finish_reason_is_a_provider_error(
    openai_model, fake_openai
):
    fake_openai.script(Stream(sse(chunk({"content": "Hel"}), chunk({"content": "lo"}), done=False)))

    message = await fails(openai_model, ask(), ProviderResponseError)

    assert "without a finish reason" in message and "after 2 chunks" in message


async def test_openai_empty_stream_without_tools_is_a_provider_error(openai_model, fake_openai):
    fake_openai.script(Stream(()))

    message = await fails(openai_model, ask(), ProviderResponseError)

    assert "empty stream" in message


async def test_openai_event_that_is_not_json_is_a_provider_error(openai_model, fake_openai):
    fake_openai.script(Stream(("data: {not json\n\n",)))

    message = await fails(openai_model, ask(), ProviderResponseError)

    assert "not JSON" in message


async def test_openai_body_that_is_not_json_is_a_provider_error(openai_model, fake_openai):
    unstreamed = create("openai", "m", base_url=fake_openai.url, api_key="k", stream=False)
    fake_openai.script(Raw("<html>gateway says hi</html>", content_type="application/json"))
    async with aclosing(unstreamed):
        message = await fails(unstreamed, ask(), ProviderResponseError)

    assert "not JSON" in message or "not a chat completion" in message


async def test_openai_completion_with_no_choices_is_a_provider_error(fake_openai):
    unstreamed = create("openai", "m", base_url=fake_openai.url, api_key="k", stream=False)
    fake_openai.script(Raw(json.dumps({"id": "x", "object": "chat.completion", "choices": []})))
    async with aclosing(unstreamed):
        message = await fails(unstreamed, ask(), ProviderResponseError)

    assert "no choices" in message


async def test_openai_chunk_nested_too_deeply_is_a_provider_error(openai_model, fake_openai):
    fake_openai.script(Stream((f"data: {nested(100_000)}\n\n",)))

    message = await fails(openai_model, ask(), ProviderResponseError)

    assert "nested too deeply" in message


async def test_openai_arguments_nested_too_deeply_go_back_as_a_bad_call(openai_model, fake_openai):
    deep = nested(5000)
    head = {"index": 0, "id": "c1", "type": "function", "function": {"name": "f", "arguments": ""}}
    part = {"index": 0, "function": {"arguments": deep}}
    fake_openai.script(
        Stream(sse(chunk({"tool_calls": [head]}), chunk({"tool_calls": [part]}, "tool_calls")))
    )

    events = await collect(openai_model.stream(ask(tools=[LOOKUP])))

    finish = events[-1]
    assert isinstance(finish, Finish) and finish.reason == "tool_calls"
    (call,) = finish.message.tool_calls
    assert not call.arguments_ok and call.raw_arguments == deep


async def test_openai_endless_argument_stream_stops_at_the_size_cap(fake_openai):
    head = {"index": 0, "id": "c1", "type": "function", "function": {"name": "f", "arguments": ""}}
    piece = json.dumps(chunk({"tool_calls": [{"index": 0, "function": {"arguments": "x" * 8192}}]}))
    fake_openai.script(
        Stream(sse(chunk({"tool_calls": [head]}), done=False), forever=f"data: {piece}\n\n")
    )
    model = create("openai", "m", base_url=fake_openai.url, api_key="k", timeout=60)
    async with aclosing(model):
        message = await fails(model, ask(tools=[LOOKUP]), ProviderResponseError)

    assert "characters of arguments for one call of 'f'" in message


async def test_openai_endless_text_stream_is_bounded_by_the_timeout(fake_openai):
    piece = json.dumps(chunk({"content": "la "}))
    fake_openai.script(Stream(forever=f"data: {piece}\n\n"))
    model = create("openai", "m", base_url=fake_openai.url, api_key="k", timeout=1)
    async with aclosing(model):
        message = await fails(model, ask(), ProviderTimeoutError)

    assert "within 1s" in message and "providers.openai.timeout" in message


async def test_openai_stream_that_stalls_midway_hits_the_idle_timeout(openai_model, fake_openai):
    fake_openai.script(Stream(sse(chunk({"content": "Hel"}), done=False), stall=True))

    message = await fails(openai_model, ask(), ProviderTimeoutError)

    assert "stopped sending" in message and "idle_timeout" in message


async def test_openai_empty_stream_with_tools_falls_back_to_unstreamed_once_and_says_so(
    openai_model, fake_openai
):
    fake_openai.script(
        Stream(()),
        calls(Call("codes__lookup_code", {"word": "apple"}, id="call_1")),
        calls(Call("codes__lookup_code", {"word": "pear"}, id="call_2")),
    )

    first = await collect(openai_model.stream(ask(tools=[LOOKUP])))
    second = await collect(openai_model.stream(ask(tools=[LOOKUP])))

    notices = [e for e in first + second if isinstance(e, Notice)]
    assert len(notices) == 1 and "unstreamed" in notices[0].message
    assert [b["stream"] for b in fake_openai.bodies] == [True, False, False]
    for events, word in ((first, "apple"), (second, "pear")):
        finish = events[-1]
        assert isinstance(finish, Finish) and finish.reason == "tool_calls"
        assert finish.message.tool_calls[0].arguments == {"word": word}


async def test_openai_stream_false_sends_unstreamed_requests(fake_openai):
    model = create("openai", "m", base_url=fake_openai.url, api_key="k", stream=False)
    fake_openai.script(reply_text("Hello"))
    async with aclosing(model):
        events = await collect(model.stream(ask()))

    assert (
        fake_openai.bodies[0]["stream"] is False and "stream_options" not in fake_openai.bodies[0]
    )
    assert [e.text for e in events if isinstance(e, TextDelta)] == ["Hello"]
    assert isinstance(events[-1], Finish) and events[-1].reason == "stop"


# -- Ollama ----------------------------------------------------------------------------------


def ndjson(*objects: Any) -> tuple[str, ...]:
    return tuple(json.dumps(o) + "\n" for o in objects)


def ollama_chunk(content: str, done: bool = False) -> dict[str, Any]:
    return {
        "model": "m",
        "created_at": "2026-01-01T00:00:00Z",
        "message": {"role": "assistant", "content": content},
        "done": done,
    }


async def test_ollama_stream_that_never_says_done_is_a_provider_error(ollama_model, fake_ollama):
    fake_ollama.script(
        Stream(ndjson(ollama_chunk("Hel"), ollama_chunk("lo")), content_type="application/x-ndjson")
    )

    message = await fails(ollama_model, ask(), ProviderResponseError)

    assert "before saying it was done" in message


async def test_ollama_line_that_is_not_json_is_a_provider_error(ollama_model, fake_ollama):
    fake_ollama.script(Stream(("{oops\n",), content_type="application/x-ndjson"))

    message = await fails(ollama_model, ask(), ProviderResponseError)

    assert "not JSON" in message


async def test_ollama_empty_stream_is_a_provider_error(ollama_model, fake_ollama):
    fake_ollama.script(Stream((), content_type="application/x-ndjson"))

    message = await fails(ollama_model, ask(), ProviderResponseError)

    assert "empty stream" in message


async def test_ollama_endless_stream_is_bounded_by_the_timeout(fake_ollama):
    model = create("ollama", "m", base_url=fake_ollama.url, timeout=1)
    line = json.dumps(ollama_chunk("la ")) + "\n"
    fake_ollama.script(Stream(forever=line, content_type="application/x-ndjson"))
    async with aclosing(model):
        message = await fails(model, ask(), ProviderTimeoutError)

    assert "within 1s" in message


async def test_ollama_stream_false_sends_one_request_unstreamed(fake_ollama):
    model = create("ollama", "m", base_url=fake_ollama.url, stream=False)
    fake_ollama.script(calls(Call("codes__lookup_code", {"word": "apple"})))
    async with aclosing(model):
        events = await collect(model.stream(ask(tools=[LOOKUP])))

    assert fake_ollama.bodies[0]["stream"] is False
    finish = events[-1]
    assert isinstance(finish, Finish) and finish.reason == "tool_calls"
    assert finish.message.tool_calls[0].arguments == {"word": "apple"}


# -- Gemini ----------------------------------------------------------------------------------


def gemini_chunk(text: str, finish: str | None = None) -> dict[str, Any]:
    candidate: dict[str, Any] = {"content": {"role": "model", "parts": [{"text": text}]}}
    if finish:
        candidate["finishReason"] = finish
    return {"candidates": [candidate]}


async def test_gemini_stream_without_finish_reason_is_a_provider_error(gemini_model, fake_gemini):
    fake_gemini.script(Stream(sse(gemini_chunk("Hel"), gemini_chunk("lo"), done=False)))

    message = await fails(gemini_model, ask(), ProviderResponseError)

    assert "without a finish reason" in message


async def test_gemini_event_that_is_not_json_is_a_provider_error(gemini_model, fake_gemini):
    fake_gemini.script(Stream(("data: {nope\n\n",)))

    message = await fails(gemini_model, ask(), ProviderResponseError)

    assert "not JSON" in message


async def test_gemini_empty_stream_is_a_provider_error(gemini_model, fake_gemini):
    fake_gemini.script(Stream(()))

    message = await fails(gemini_model, ask(), ProviderResponseError)

    assert "empty stream" in message


async def test_gemini_stream_that_stalls_midway_hits_the_idle_timeout(gemini_model, fake_gemini):
    fake_gemini.script(Stream(sse(gemini_chunk("Hel"), done=False), stall=True))

    message = await fails(gemini_model, ask(), ProviderTimeoutError)

    assert "stopped sending" in message


async def test_gemini_stream_false_uses_generate_content(fake_gemini):
    model = create("gemini", "m", base_url=fake_gemini.url, api_key="k", stream=False)
    fake_gemini.script(reply_text("Hello"))
    async with aclosing(model):
        events = await collect(model.stream(ask()))

    assert fake_gemini.requests[0].path.endswith(":generateContent")
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == "Hello"
    assert isinstance(events[-1], Finish) and events[-1].reason == "stop"
