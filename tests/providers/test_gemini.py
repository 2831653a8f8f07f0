"""The Gemini adapter, driven through the real ``google-genai`` SDK against a local fake."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator
from contextlib import aclosing
from typing import Any

import pytest

from providers import (
    AssistantMessage,
    ChatRequest,
    ContextTooLongError,
    Finish,
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
    UserMessage,
    create,
)
from providers.gemini import GeminiProvider
from tests.modelfakes import Call, Fail, FakeGemini, Hang, Raw, calls, collect, free_port, text

WEATHER = ToolSpec(
    "get_weather",
    "Weather for a city",
    {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
)
# "+" and "/" in standard base64: the signature must survive the round trip byte for byte.
SIGNATURE = base64.b64encode(b"\xfb\xef\xbe\xff signed").decode()


@pytest.fixture
async def provider(fake_gemini: FakeGemini) -> AsyncIterator[GeminiProvider]:
    made = create("gemini", "gemini-fake", base_url=fake_gemini.url, api_key="g-test")
    assert isinstance(made, GeminiProvider)
    async with aclosing(made):
        yield made


def ask(text_: str = "hi", **kwargs: Any) -> ChatRequest:
    return ChatRequest([UserMessage(text_)], **kwargs)


def decoded(signature: str) -> bytes:
    return base64.urlsafe_b64decode(signature.replace("+", "-").replace("/", "_"))


async def test_plain_text_streams_from_the_pinned_api_version(provider, fake_gemini):
    fake_gemini.script(text("Bonjour tout le monde"))

    events = await collect(
        provider.stream(ChatRequest([SystemMessage("Be kind"), UserMessage("hi")]))
    )

    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == "Bonjour tout le monde"
    finish = events[-1]
    assert isinstance(finish, Finish) and finish.reason == "stop"
    assert finish.usage is not None and finish.usage.output_tokens == 7
    seen = fake_gemini.requests[0]
    assert seen.path == "/v1beta/models/gemini-fake:streamGenerateContent"
    assert seen.query == {"alt": "sse"}
    assert seen.headers["x-goog-api-key"] == "g-test"
    assert seen.body["systemInstruction"]["parts"] == [{"text": "Be kind"}]
    assert seen.body["contents"] == [{"role": "user", "parts": [{"text": "hi"}]}]


async def test_api_version_is_configurable(fake_gemini):
    fake_gemini.script(text("ok"))
    made = create("gemini", "g", base_url=fake_gemini.url, api_key="k", api_version="v1alpha")
    async with aclosing(made):
        await collect(made.stream(ask()))

    assert fake_gemini.requests[0].path.startswith("/v1alpha/models/g:")


async def test_no_tools_key_nor_tool_config_when_no_tools(provider, fake_gemini):
    fake_gemini.script(text("ok"))

    await collect(provider.stream(ask()))

    body = fake_gemini.requests[0].body
    assert "tools" not in body and "toolConfig" not in body


async def test_tools_are_sent_as_json_schema_declarations(provider, fake_gemini):
    fake_gemini.script(text("ok"))

    await collect(provider.stream(ask(tools=[WEATHER])))

    (declaration,) = fake_gemini.requests[0].body["tools"][0]["functionDeclarations"]
    assert declaration["name"] == "get_weather"
    schema = declaration.get("parametersJsonSchema", declaration.get("parameters_json_schema"))
    assert schema == dict(WEATHER.parameters)
    assert "parameters" not in declaration


@pytest.mark.parametrize(
    ("choice", "config"),
    [
        ("auto", {"mode": "AUTO"}),
        ("none", {"mode": "NONE"}),
        ("required", {"mode": "ANY"}),
        ("get_weather", {"mode": "ANY", "allowedFunctionNames": ["get_weather"]}),
    ],
)
async def test_tool_choice_becomes_function_calling_config(provider, fake_gemini, choice, config):
    fake_gemini.script(text("ok"))

    await collect(provider.stream(ask(tools=[WEATHER], tool_choice=choice)))

    assert fake_gemini.requests[0].body["toolConfig"] == {"functionCallingConfig": config}


async def test_parallel_calls_get_ids_even_when_the_model_gives_none(provider, fake_gemini):
    fake_gemini.script(
        calls(
            Call("get_weather", {"city": "Paris"}, id="g1"), Call("get_weather", {"city": "Oslo"})
        )
    )

    events = await collect(provider.stream(ask(tools=[WEATHER])))

    found = events[-1].message.tool_calls
    assert [c.arguments for c in found] == [{"city": "Paris"}, {"city": "Oslo"}]
    assert found[0].id == "g1" and found[1].id and found[1].id != "g1"
    assert isinstance(events[-1], Finish) and events[-1].reason == "tool_calls"


async def test_thought_signatures_are_echoed_in_the_next_request(provider, fake_gemini):
    fake_gemini.script(
        calls(Call("get_weather", {"city": "Paris"}, id="g1", thought_signature=SIGNATURE)),
        text("Sunny"),
    )
    history: list[Any] = [UserMessage("weather in Paris?")]
    first = await collect(provider.stream(ChatRequest(history, tools=[WEATHER])))
    turn = first[-1].message
    (call,) = turn.tool_calls
    history += [turn, ToolResultMessage(call.id, call.name, (TextPart("18C"),))]

    await collect(provider.stream(ChatRequest(history, tools=[WEATHER])))

    model_turn = fake_gemini.requests[1].body["contents"][1]
    assert model_turn["role"] == "model"
    (part,) = model_turn["parts"]
    assert part["functionCall"] == {"id": "g1", "name": "get_weather", "args": {"city": "Paris"}}
    assert decoded(part["thoughtSignature"]) == base64.b64decode(SIGNATURE)
    json.dumps(turn.provider_state)  # the kept state is plain data, fit for a transcript


async def test_tool_result_goes_back_as_function_response_with_call_id(provider, fake_gemini):
    fake_gemini.script(
        calls(Call("get_weather", {"city": "Paris"}, id="g1"), Call("get_weather", {"city": "X"})),
        text("done"),
    )
    history: list[Any] = [UserMessage("weather?")]
    first = await collect(provider.stream(ChatRequest(history, tools=[WEATHER])))
    turn = first[-1].message
    ok, bad = turn.tool_calls
    history += [
        turn,
        ToolResultMessage(ok.id, ok.name, (TextPart("18C"),)),
        ToolResultMessage(bad.id, bad.name, (TextPart("no such city"),), is_error=True),
    ]

    await collect(provider.stream(ChatRequest(history, tools=[WEATHER])))

    results = fake_gemini.requests[1].body["contents"][2]
    assert results["role"] == "user"
    assert results["parts"] == [
        {"functionResponse": {"id": "g1", "name": "get_weather", "response": {"output": "18C"}}},
        {"functionResponse": {"name": "get_weather", "response": {"error": "no such city"}}},
    ]


async def test_history_from_elsewhere_is_rebuilt_without_provider_state(provider, fake_gemini):
    fake_gemini.script(text("ok"))
    history = [
        UserMessage("hi"),
        AssistantMessage("calling", (ToolCall("x1", "get_weather", {"city": "Rome"}),)),
        ToolResultMessage("x1", "get_weather", (TextPart("20C"),)),
    ]

    await collect(provider.stream(ChatRequest(history)))

    contents = fake_gemini.requests[0].body["contents"]
    assert contents[1] == {
        "role": "model",
        "parts": [
            {"text": "calling"},
            {"functionCall": {"name": "get_weather", "args": {"city": "Rome"}}},
        ],
    }
    assert contents[2]["parts"][0]["functionResponse"] == {
        "name": "get_weather",
        "response": {"output": "20C"},
    }


async def test_rejected_key_raises_auth_error_naming_the_variable(provider, fake_gemini):
    fake_gemini.script(Fail(400, "API key not valid. Please pass a valid API key."))

    with pytest.raises(ProviderAuthError, match="GEMINI_API_KEY"):
        await collect(provider.stream(ask()))


def test_missing_key_says_which_variable_to_set(monkeypatch):
    monkeypatch.delenv("GEMINI_API_KEY", raising=False)
    monkeypatch.delenv("GOOGLE_API_KEY", raising=False)

    with pytest.raises(ProviderAuthError, match="set GEMINI_API_KEY"):
        create("gemini", "gemini-2.5-flash")


async def test_unknown_model_raises_model_not_found(provider, fake_gemini):
    fake_gemini.script(Fail(404, "models/gemini-fake is not found for API version v1beta"))

    with pytest.raises(ModelNotFoundError):
        await collect(provider.stream(ask()))


async def test_rate_limit_is_retried_honouring_retry_delay(provider, fake_gemini):
    body = {
        "error": {
            "code": 429,
            "message": "Resource has been exhausted",
            "status": "RESOURCE_EXHAUSTED",
            "details": [{"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "0s"}],
        }
    }
    fake_gemini.script(Raw(json.dumps(body), status=429), text("finally"))

    events = await collect(provider.stream(ask()))

    assert events[-1].message.text == "finally"
    assert len(fake_gemini.requests) == 2


async def test_rate_limit_gives_up_after_three_tries(provider, fake_gemini):
    fake_gemini.script(*[Fail(429, "quota", headers={"Retry-After": "0"})] * 3)

    with pytest.raises(RateLimitError):
        await collect(provider.stream(ask()))

    assert len(fake_gemini.requests) == 3


async def test_context_too_long_raises_context_error(provider, fake_gemini):
    fake_gemini.script(
        Fail(400, "The input token count (1200000) exceeds the maximum number of tokens allowed")
    )

    with pytest.raises(ContextTooLongError):
        await collect(provider.stream(ask()))


async def test_connection_refused_raises_unavailable():
    url = f"http://127.0.0.1:{free_port()}"
    async with aclosing(create("gemini", "g", base_url=url, api_key="k")) as made:
        with pytest.raises(ProviderUnavailableError, match="cannot reach Gemini"):
            await collect(made.stream(ask()))


async def test_no_answer_in_time_raises_timeout(fake_gemini):
    fake_gemini.script(Hang())
    made = create("gemini", "g", base_url=fake_gemini.url, api_key="k", timeout=0.3)
    async with aclosing(made):
        with pytest.raises(ProviderTimeoutError):
            await collect(made.stream(ask()))
