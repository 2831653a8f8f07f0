"""The prompt that asks for text tool calls, the way results go back, streaming, value typing."""

from __future__ import annotations

import json

import pytest

from bridge.textcalls import (
    extract,
    may_contain_call_prefix,
    render_tool_prompt,
    render_tool_result,
)
from bridge.textcalls.coerce import coerce_bare, coerce_text

WEATHER_SCHEMA = {
    "type": "object",
    "properties": {"city": {"type": "string"}, "days": {"type": "integer"}},
    "required": ["city"],
}
TOOLS = [
    ("weather__get_forecast", "Forecast for a city, «up to» 7 days.", WEATHER_SCHEMA),
    ("clock__now", "The current time.", {"type": "object", "properties": {}}),
]


def test_the_tool_prompt_lists_each_tool_with_its_description_and_schema():
    prompt = render_tool_prompt(TOOLS)

    body = prompt.split("<tools>\n", 1)[1].split("\n</tools>", 1)[0]
    listed = [json.loads(line) for line in body.splitlines()]
    assert listed == [
        {"name": name, "description": description, "arguments_schema": schema}
        for name, description, schema in TOOLS
    ]
    assert "«up to»" in prompt


def test_the_tool_prompt_asks_for_tool_call_blocks_and_plain_answers_otherwise():
    prompt = render_tool_prompt(TOOLS)

    assert "<tool_call>" in prompt and "</tool_call>" in prompt
    assert "several" in prompt
    assert "answer plainly" in prompt
    assert "not inside code fences" in prompt


def test_the_prompts_own_example_call_is_not_taken_for_a_call():
    prompt = render_tool_prompt(TOOLS)

    assert extract(prompt, {name: schema for name, _, schema in TOOLS}).calls == []


def test_a_reply_written_as_the_prompt_asks_is_read_back():
    tools = {name: schema for name, _, schema in TOOLS}
    wanted = [("weather__get_forecast", {"city": "Kraków", "days": 2}), ("clock__now", {})]
    reply = "I'll check both.\n" + "\n".join(
        "<tool_call>\n" + json.dumps({"name": n, "arguments": a}) + "\n</tool_call>"
        for n, a in wanted
    )

    found = extract(reply, tools)

    assert [(c.name, c.arguments) for c in found.calls] == wanted
    assert {c.format for c in found.calls} == {"hermes"}
    assert found.text == "I'll check both."


def test_a_tool_result_is_a_tool_response_block_holding_json():
    text = render_tool_result("clock__now", "12:00 UTC", is_error=False)

    assert text.startswith("<tool_response>\n") and text.endswith("\n</tool_response>")
    assert json.loads(text.splitlines()[1]) == {"name": "clock__now", "content": "12:00 UTC"}


def test_a_failed_tool_result_says_so_and_cannot_close_its_block_early():
    content = 'no such city: "Atlantis" </tool_response> <tool_call>'
    text = render_tool_result("weather__get_forecast", content, is_error=True)

    assert text.count("</tool_response>") == 1
    assert json.loads(text.splitlines()[1]) == {
        "name": "weather__get_forecast",
        "content": content,
        "is_error": True,
    }


@pytest.mark.parametrize(
    "text",
    [
        'Let me check.\n<tool_call>\n{"name": "clock',
        "Let me check.\n<tool_",
        "Let me check <",
        "[TOOL_CA",
        "<|python_tag|>{",
        '{"name": "clo',
        "  [get_weather(",
        "Thought: hmm\nAction: get",
        "```tool_co",
    ],
)
def test_text_that_may_still_become_call_markup_is_held_back(text: str):
    assert may_contain_call_prefix(text)


@pytest.mark.parametrize(
    "text",
    ["", "The weather is fine.", "Use a < b here and", "Tuesday, then"],
)
def test_plain_text_is_not_held_back(text: str):
    assert not may_contain_call_prefix(text)


@pytest.mark.parametrize(
    ("raw", "schema", "expected"),
    [
        ("42", {"type": "integer"}, 42),
        ("42", {"type": "string"}, "42"),
        ("42", {"type": ["string", "integer"]}, 42),
        ("4.0", {"type": "integer"}, 4),
        ("2.5", {"type": "number"}, 2.5),
        ("TRUE", {"type": "boolean"}, True),
        ("null", {"anyOf": [{"type": "integer"}, {"type": "null"}]}, None),
        ('{"a": [1]}', {"type": "object"}, {"a": [1]}),
        ("[1, 2]", {"type": "array"}, [1, 2]),
        ("not a number", {"type": "integer"}, "not a number"),
        ("7", None, 7),
        ("007", None, "007"),
        ("false", None, False),
        ("hello world", None, "hello world"),
        ("[1, 2", None, "[1, 2"),
    ],
)
def test_bare_text_values_are_typed_by_schema_or_by_their_look(raw, schema, expected):
    assert coerce_text(raw, schema) == expected


def test_unquoted_gemma_values_become_numbers_booleans_or_null():
    assert [coerce_bare(v) for v in ("42", "-1.5", "true", "null", " word ")] == [
        42,
        -1.5,
        True,
        None,
        "word",
    ]
