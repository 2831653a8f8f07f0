"""Property-based fuzzing of the text tool-call parsers: any reply text, nothing escapes.

Replies are arbitrary text, and text built from the real formats' markers, tool names and
JSON pieces (so the parsers get deep into their work). ``extract`` must return calls of
known tools with object arguments and spans inside the text, or none, and never raise.
"""

from __future__ import annotations

import json

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bridge.textcalls import PARSERS, extract, may_contain_call_prefix

FUZZ = settings(
    max_examples=150,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)

TOOLS = {
    "get_weather": {
        "type": "object",
        "properties": {"city": {"type": "string"}, "days": {"type": "integer"}},
        "required": ["city"],
    },
    "search_docs": {"type": "object", "properties": {"query": {"type": "string"}}},
    "clock__now": {"type": "object", "properties": {}},
}
DS = ["<\uff5ctool\u2581calls\u2581begin\uff5c>", "<\uff5ctool\u2581call\u2581begin\uff5c>",
      "<\uff5ctool\u2581sep\uff5c>", "<\uff5ctool\u2581call\u2581end\uff5c>",
      "<\uff5ctool\u2581calls\u2581end\uff5c>"]  # fmt: skip
MARKERS = [
    "<tool_call>", "</tool_call>", "[TOOL_CALLS]", "[ARGS]", "[CALL_ID]", "<|python_tag|>",
    "<|eom_id|>", "<|python_start|>", "<|python_end|>", "```json\n", "```tool_call\n",
    "```tool_code\n", "```", "Action: ", "\nAction Input: ", "<function=", "</function>",
    "<parameter=", "</parameter>", ">", "<start_function_call>call:", "<end_function_call>",
    "<escape>", "<|tool_call>call:", '<|"|>', "<tool_call|>", "<|channel|>commentary ",
    "to=functions.", "<|message|>", "<|call|>", "<|start|>assistant", "<|constrain|>json",
    '{"name": ', '"arguments": ', '"parameters": ', "(", ")", "[", "]", "{", "}", '"', ":",
    ",", "=", ";", "\n", " ", "\\", *DS,
]  # fmt: skip
NAMES = [*TOOLS, "functions.get_weather", "brave_search", "unknown_tool", ""]
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=8,
)
pieces = (
    st.sampled_from(MARKERS)
    | st.sampled_from(NAMES)
    | json_values.map(json.dumps)
    | st.fixed_dictionaries({"name": st.sampled_from(NAMES), "arguments": json_values}).map(
        json.dumps
    )
    | st.text(max_size=10)
)
built = st.lists(pieces, max_size=25).map("".join)
REAL = [
    '<tool_call>{"name": "get_weather", "arguments": {"city": "Oslo"}}</tool_call>',
    '<|python_tag|>{"name": "get_weather", "parameters": {"city": "Tokyo"}}<|eom_id|>',
    '[TOOL_CALLS] [{"name": "get_weather", "arguments": {"city": "Nice"}}]',
    '[TOOL_CALLS]get_weather[ARGS]{"city": "Paris", "days": 1}',
    "<tool_call>\n<function=get_weather>\n<parameter=city>\nLyon\n</parameter>\n</function>\n"
    "</tool_call>",
    '<function=search_docs>{"query": "refunds"}</function>',
    "<start_function_call>call:get_weather{city:<escape>Paris<escape>,days:3}<end_function_call>",
    '<|tool_call>call:get_weather{city:<|"|>Kyiv<|"|>,days:42}<tool_call|>',
    "<|start|>assistant<|channel|>commentary to=functions.get_weather <|constrain|>json"
    '<|message|>{"city": "San Francisco"}<|call|>',
    "<|python_start|>[clock__now()]<|python_end|>",
    '```json\n{"name": "get_weather", "arguments": {"city": "Hangzhou"}}\n```',
    '[get_weather(city="Rome", days=2)]',
    "Action: get_weather\nAction Input: Oslo",
    f'{DS[0]}{DS[1]}get_weather{DS[2]}{{"city": "Oslo"}}{DS[3]}{DS[4]}',
]


def assert_well_formed(text: str) -> None:
    """``extract`` returns known tools with object arguments and spans inside the text."""
    found = extract(text, TOOLS)
    assert isinstance(found.text, str)
    for call in found.calls:
        assert call.name in TOOLS
        assert isinstance(call.arguments, dict)
        assert call.format in PARSERS
        start, end = call.span
        assert 0 <= start <= end <= len(text)
    assert isinstance(may_contain_call_prefix(text), bool)
    assert extract(text, list(TOOLS)).calls is not None  # names only, no schemas


@FUZZ
@given(st.text(max_size=300))
@example("(" * 5000)
@example("[" * 5000)
@example("{" * 5000)
@example("<tool_call>" + "[" * 5000 + "</tool_call>")
@example("[get_weather(city=" + "(" * 300 + "1" + ")" * 300 + ")]")
@example('[get_weather(city="' + "x" * 10 + '", days=' + "[" * 2000 + "]" * 2000 + ")]")
def test_any_text_yields_well_formed_calls_or_none(text):
    assert_well_formed(text)


@FUZZ
@given(built)
def test_text_built_from_the_formats_markers_yields_well_formed_calls_or_none(text):
    assert_well_formed(text)


@FUZZ
@given(st.sampled_from(REAL), st.text(max_size=40), st.text(max_size=40), st.integers(0, 200))
def test_real_calls_cut_anywhere_and_wrapped_in_text_yield_well_formed_calls_or_none(
    real, before, after, cut
):
    assert_well_formed(before + real + after)
    assert_well_formed(before + real[:cut] + after)


def test_every_real_call_the_fuzzing_starts_from_is_read_as_one_call():
    # Keeps the fuzzing honest: the calls it cuts and wraps are ones the parsers do read.
    for real in REAL:
        assert len(extract(real, TOOLS).calls) == 1, real
