"""Each text tool-call format, read from replies shaped like the models' own output."""

from __future__ import annotations

from typing import Any

import pytest

from bridge.textcalls import PARSERS, Extraction, extract

TOOLS: dict[str, dict[str, Any]] = {
    "get_weather": {
        "type": "object",
        "properties": {
            "city": {"type": "string"},
            "days": {"type": "integer"},
            "metric": {"type": "boolean"},
        },
        "required": ["city"],
    },
    "search_docs": {
        "type": "object",
        "properties": {
            "query": {"type": "string"},
            "filters": {"type": "object"},
            "limit": {"type": "integer"},
        },
    },
    "brave_search": {"type": "object", "properties": {"query": {"type": "string"}}},
    "fs__read_file": {"type": "object", "properties": {"path": {"type": "string"}}},
    "clock__now": {"type": "object", "properties": {}},
}

# DeepSeek's tokens use U+FF5C (fullwidth bar) and U+2581 (lower one-eighth block).
DS_CALLS_BEGIN = "<\uff5ctool\u2581calls\u2581begin\uff5c>"
DS_CALLS_END = "<\uff5ctool\u2581calls\u2581end\uff5c>"
DS_CALL_BEGIN = "<\uff5ctool\u2581call\u2581begin\uff5c>"
DS_CALL_END = "<\uff5ctool\u2581call\u2581end\uff5c>"
DS_SEP = "<\uff5ctool\u2581sep\uff5c>"


def calls(extraction: Extraction) -> list[tuple[str, dict[str, Any]]]:
    return [(call.name, call.arguments) for call in extraction.calls]


def only_format(extraction: Extraction) -> str:
    formats = {call.format for call in extraction.calls}
    assert len(formats) == 1, formats
    return formats.pop()


def test_every_format_in_the_reference_table_has_a_registered_parser():
    assert list(PARSERS) == [
        "hermes",
        "qwen3_coder",
        "function_tag",
        "mistral",
        "mistral_v11",
        "deepseek",
        "functiongemma",
        "gemma4",
        "harmony",
        "llama_builtin",
        "llama_json",
        "fenced",
        "pythonic",
        "react",
        "bare_json",
    ]


def test_hermes_calls_are_read_with_surrounding_prose_and_nested_arguments():
    reply = (
        "I'll check the forecast and look for the packing guide.\n"
        "<tool_call>\n"
        '{"name": "get_weather", "arguments": {"city": "São Paulo", "days": 3}}\n'
        "</tool_call>\n"
        "<tool_call>\n"
        '{"name": "search_docs", "arguments": {"query": "packing {list}", '
        '"filters": {"tags": ["travel", "rain"], "range": {"from": 1, "to": 2}}}}\n'
        "</tool_call>"
    )
    found = extract(reply, TOOLS)

    assert calls(found) == [
        ("get_weather", {"city": "São Paulo", "days": 3}),
        (
            "search_docs",
            {
                "query": "packing {list}",
                "filters": {"tags": ["travel", "rain"], "range": {"from": 1, "to": 2}},
            },
        ),
    ]
    assert only_format(found) == "hermes"
    assert found.text == "I'll check the forecast and look for the packing guide."


def test_a_hermes_call_whose_closing_tag_is_cut_off_at_the_end_is_still_read():
    reply = '<tool_call>\n{"name": "fs__read_file", "arguments": {"path": "/tmp/ß.txt"}}\n'

    found = extract(reply, TOOLS)

    assert calls(found) == [("fs__read_file", {"path": "/tmp/ß.txt"})]
    assert found.text == ""


def test_hermes_accepts_parameters_and_arguments_given_as_a_json_string():
    reply = (
        '<tool_call>{"name": "get_weather", "parameters": {"city": "Oslo"}}</tool_call>'
        '<tool_call>{"name": "get_weather", "arguments": "{\\"city\\": \\"Rome\\"}"}</tool_call>'
        '<tool_call>{"name": "clock__now"}</tool_call>'
    )

    assert calls(extract(reply, TOOLS)) == [
        ("get_weather", {"city": "Oslo"}),
        ("get_weather", {"city": "Rome"}),
        ("clock__now", {}),
    ]


def test_the_span_of_a_call_covers_its_markup_in_the_original_text():
    reply = 'Sure.\n<tool_call>{"name": "clock__now", "arguments": {}}</tool_call>\nDone?'

    (call,) = extract(reply, TOOLS).calls

    assert reply[call.span[0] : call.span[1]].startswith("<tool_call>")
    assert reply[call.span[0] : call.span[1]].endswith("</tool_call>")


def test_qwen3_coder_parameters_are_typed_by_the_tool_schema():
    reply = (
        "Let me look that up.\n\n"
        "<tool_call>\n<function=get_weather>\n"
        "<parameter=city>\nNew York\n</parameter>\n"
        "<parameter=days>\n5\n</parameter>\n"
        "<parameter=metric>\nFalse\n</parameter>\n"
        "</function>\n</tool_call>\n"
        "<tool_call>\n<function=search_docs>\n"
        '<parameter=query>\n42\n</parameter>\n<parameter=filters>\n{"lang": "de"}\n</parameter>\n'
        "</function>\n</tool_call>"
    )
    found = extract(reply, TOOLS)

    assert calls(found) == [
        ("get_weather", {"city": "New York", "days": 5, "metric": False}),
        ("search_docs", {"query": "42", "filters": {"lang": "de"}}),
    ]
    assert only_format(found) == "qwen3_coder"
    assert found.text == "Let me look that up."


def test_qwen3_coder_values_are_guessed_when_only_names_are_known():
    reply = (
        "<function=get_weather><parameter=city>Lyon</parameter>"
        "<parameter=days>2</parameter><parameter=metric>true</parameter></function>"
    )

    assert calls(extract(reply, ["get_weather"])) == [
        ("get_weather", {"city": "Lyon", "days": 2, "metric": True})
    ]


def test_qwen3_coder_keeps_multiline_values_and_tolerates_a_missing_close():
    reply = "<tool_call>\n<function=fs__read_file>\n<parameter=path>\n/a b/\n  c.txt\n"

    assert calls(extract(reply, TOOLS)) == [("fs__read_file", {"path": "/a b/\n  c.txt"})]


def test_llama_json_calls_follow_the_python_tag_separated_by_semicolons():
    reply = (
        '<|python_tag|>{"name": "get_weather", "parameters": {"city": "Tokyo"}}; '
        '{"name": "search_docs", "parameters": {"query": "東京 天気"}}<|eom_id|>'
    )
    found = extract(reply, TOOLS)

    assert calls(found) == [
        ("get_weather", {"city": "Tokyo"}),
        ("search_docs", {"query": "東京 天気"}),
    ]
    assert only_format(found) == "llama_json"
    assert found.text == ""


def test_a_llama_json_call_without_the_tag_may_open_the_reply():
    reply = '{"type": "function", "name": "get_weather", "parameters": {"city": "Lima"}}'

    found = extract(reply, TOOLS)

    assert calls(found) == [("get_weather", {"city": "Lima"})]
    assert only_format(found) == "llama_json"


def test_llama_built_in_tools_are_read_from_their_python_call():
    reply = '<|python_tag|>brave_search.call(query="current weather in Menlo Park")<|eom_id|>'
    found = extract(reply, TOOLS)

    assert calls(found) == [("brave_search", {"query": "current weather in Menlo Park"})]
    assert only_format(found) == "llama_builtin"
    assert found.text == ""


def test_function_tag_calls_hold_a_json_body():
    reply = (
        "Searching now.\n"
        '<function=search_docs>{"query": "refunds", "filters": {"year": 2024}}</function>'
    )
    found = extract(reply, TOOLS)

    assert calls(found) == [("search_docs", {"query": "refunds", "filters": {"year": 2024}})]
    assert only_format(found) == "function_tag"
    assert found.text == "Searching now."


def test_pythonic_lists_of_calls_use_only_literals():
    reply = (
        "[get_weather(city='Berlin', days=2, metric=True), "
        'search_docs(query="U-Bahn strike", filters={"lines": ["U1", "U2"]}, limit=None)]'
    )
    found = extract(reply, TOOLS)

    assert calls(found) == [
        ("get_weather", {"city": "Berlin", "days": 2, "metric": True}),
        (
            "search_docs",
            {"query": "U-Bahn strike", "filters": {"lines": ["U1", "U2"]}, "limit": None},
        ),
    ]
    assert only_format(found) == "pythonic"


def test_pythonic_spans_count_characters_not_utf8_bytes():
    reply = "Voilà: [get_weather(city='Zürich'), clock__now()]"

    found = extract(reply, TOOLS)

    spans = [reply[call.span[0] : call.span[1]] for call in found.calls]
    assert spans == ["get_weather(city='Zürich')", "clock__now()"]
    assert found.text == "Voilà:"


def test_pythonic_calls_inside_llama4_python_tokens_are_removed_with_them():
    reply = "<|python_start|>[clock__now()]<|python_end|>"

    found = extract(reply, TOOLS)

    assert calls(found) == [("clock__now", {})]
    assert found.text == ""


def test_mistral_tool_calls_are_a_json_list():
    reply = (
        '[TOOL_CALLS] [{"name": "get_weather", "arguments": {"city": "Nice"}}, '
        '{"name": "search_docs", "arguments": {"query": "Côte d\'Azur"}}]'
    )
    found = extract(reply, TOOLS)

    assert calls(found) == [
        ("get_weather", {"city": "Nice"}),
        ("search_docs", {"query": "Côte d'Azur"}),
    ]
    assert only_format(found) == "mistral"
    assert found.text == ""


def test_mistral_v11_calls_name_the_tool_before_args():
    reply = (
        '[TOOL_CALLS]get_weather[ARGS]{"city": "Paris", "days": 1}'
        '[TOOL_CALLS]search_docs[CALL_ID]a1b2c3d4e[ARGS]{"query": "Louvre hours"}'
    )
    found = extract(reply, TOOLS)

    assert calls(found) == [
        ("get_weather", {"city": "Paris", "days": 1}),
        ("search_docs", {"query": "Louvre hours"}),
    ]
    assert only_format(found) == "mistral_v11"


def test_deepseek_v31_calls_use_fullwidth_bar_tokens():
    reply = (
        "Let me check both cities."
        f"{DS_CALLS_BEGIN}{DS_CALL_BEGIN}get_weather{DS_SEP}"
        '{"city": "Beijing"}'
        f"{DS_CALL_END}{DS_CALL_BEGIN}get_weather{DS_SEP}"
        '{"city": "Shanghai", "days": 2}'
        f"{DS_CALL_END}{DS_CALLS_END}"
    )
    found = extract(reply, TOOLS)

    assert calls(found) == [
        ("get_weather", {"city": "Beijing"}),
        ("get_weather", {"city": "Shanghai", "days": 2}),
    ]
    assert only_format(found) == "deepseek"
    assert found.text == "Let me check both cities."


def test_the_older_deepseek_v3_shape_with_a_json_fence_is_read_too():
    reply = (
        f"{DS_CALLS_BEGIN}{DS_CALL_BEGIN}function{DS_SEP}get_weather\n"
        '```json\n{"city": "Hangzhou"}\n```'
        f"{DS_CALL_END}{DS_CALLS_END}"
    )

    assert calls(extract(reply, TOOLS)) == [("get_weather", {"city": "Hangzhou"})]


def test_functiongemma_calls_escape_strings_and_leave_numbers_bare():
    reply = (
        "<start_function_call>call:get_weather{city:<escape>Paris, France<escape>,days:3,"
        "metric:true}<end_function_call>"
    )
    found = extract(reply, TOOLS)

    assert calls(found) == [("get_weather", {"city": "Paris, France", "days": 3, "metric": True})]
    assert only_format(found) == "functiongemma"


def test_gemma4_calls_use_quote_tokens_and_nest_objects_and_lists():
    reply = (
        "Checking.\n"
        '<|tool_call>call:search_docs{query:<|"|>café {menu}<|"|>,limit:<|"|>5<|"|>,'
        'filters:{tags:[<|"|>a<|"|>,<|"|>b<|"|>],min:1.5}}<tool_call|>'
        '<|tool_call>call:get_weather{city:<|"|>Kyiv<|"|>,days:42}<tool_call|>'
    )
    found = extract(reply, TOOLS)

    assert calls(found) == [
        (
            "search_docs",
            {"query": "café {menu}", "limit": 5, "filters": {"tags": ["a", "b"], "min": 1.5}},
        ),
        ("get_weather", {"city": "Kyiv", "days": 42}),
    ]
    assert only_format(found) == "gemma4"
    assert found.text == "Checking."


def test_gpt_oss_harmony_calls_name_the_recipient_in_the_channel_header():
    reply = (
        "<|channel|>analysis<|message|>User wants weather; call the tool.<|end|>"
        "<|start|>assistant<|channel|>commentary to=functions.get_weather "
        '<|constrain|>json<|message|>{"city": "San Francisco"}<|call|>'
    )
    found = extract(reply, TOOLS)

    assert calls(found) == [("get_weather", {"city": "San Francisco"})]
    assert only_format(found) == "harmony"
    assert "to=functions" not in found.text


def test_a_harmony_recipient_may_also_stand_in_the_start_header():
    reply = (
        "<|start|>assistant to=functions.search_docs<|channel|>commentary json"
        '<|message|>{"query": "tides"}<|call|>'
    )

    assert calls(extract(reply, TOOLS)) == [("search_docs", {"query": "tides"})]


def test_a_fenced_json_block_holding_only_a_call_is_a_call():
    reply = (
        "I'll fetch the weather for you.\n\n"
        "```json\n"
        '{"name": "get_weather", "arguments": {"city": "Cape Town"}}\n'
        "```\n"
    )
    found = extract(reply, TOOLS)

    assert calls(found) == [("get_weather", {"city": "Cape Town"})]
    assert only_format(found) == "fenced"
    assert found.text == "I'll fetch the weather for you."


def test_a_tool_call_fence_may_hold_a_list_of_calls():
    reply = (
        "```tool_call\n"
        '[{"name": "clock__now", "arguments": {}}, '
        '{"name": "fs__read_file", "parameters": {"path": "notes.md"}}]\n'
        "```"
    )

    assert calls(extract(reply, TOOLS)) == [
        ("clock__now", {}),
        ("fs__read_file", {"path": "notes.md"}),
    ]


def test_a_tool_code_fence_holds_python_calls_through_default_api():
    reply = (
        "```tool_code\n"
        "print(default_api.get_weather(city='Reykjavík', days=1))\n"
        "print(default_api.clock__now())\n"
        "```"
    )
    found = extract(reply, TOOLS)

    assert calls(found) == [("get_weather", {"city": "Reykjavík", "days": 1}), ("clock__now", {})]
    assert only_format(found) == "fenced"


def test_react_reads_the_action_and_drops_an_invented_observation():
    reply = (
        "Thought: I need the current weather before answering.\n"
        "Action: get_weather\n"
        'Action Input: {"city": "Nairobi", "days": 1}\n'
        "Observation: It is sunny.\n"
        "Thought: I now know the final answer."
    )
    found = extract(reply, TOOLS)

    assert calls(found) == [("get_weather", {"city": "Nairobi", "days": 1})]
    assert only_format(found) == "react"
    assert found.text == "Thought: I need the current weather before answering."


def test_a_plain_react_input_fills_the_tools_only_argument():
    reply = "Action: fs__read_file\nAction Input: /etc/hosts"

    assert calls(extract(reply, TOOLS)) == [("fs__read_file", {"path": "/etc/hosts"})]


def test_bare_json_calls_are_found_anywhere_in_the_reply():
    reply = (
        "Sure! To answer that I'm calling "
        '{"name": "search_docs", "parameters": {"query": "a \\"quoted\\" {brace}"}} '
        "and will report back."
    )
    found = extract(reply, TOOLS)

    assert calls(found) == [("search_docs", {"query": 'a "quoted" {brace}'})]
    assert only_format(found) == "bare_json"
    assert found.text == "Sure! To answer that I'm calling and will report back."


def test_bare_json_calls_inside_an_openai_style_wrapper_are_found():
    reply = (
        '{"tool_calls": [{"type": "function", "function": {"name": "get_weather", '
        '"arguments": "{\\"city\\": \\"Quito\\"}"}}]}'
    )

    assert calls(extract(reply, TOOLS)) == [("get_weather", {"city": "Quito"})]


@pytest.mark.parametrize(
    "formats",
    [["bare_json"], ["hermes", "bare_json"]],
)
def test_formats_can_be_restricted_and_ordered_by_the_caller(formats: list[str]):
    reply = 'Calling {"name": "clock__now", "arguments": {}} now.'

    assert calls(extract(reply, TOOLS, formats)) == [("clock__now", {})]
    assert extract(reply, TOOLS, ["hermes"]).calls == []


def test_an_unknown_format_name_is_refused_with_the_known_ones():
    with pytest.raises(ValueError, match="unknown text tool-call formats"):
        extract("hi", TOOLS, ["xml"])


def test_calls_are_frozen_records():
    (call,) = extract('<tool_call>{"name": "clock__now"}</tool_call>', TOOLS).calls

    with pytest.raises(AttributeError):
        call.name = "other"  # type: ignore[misc]


def test_a_react_input_may_be_a_fenced_json_object():
    reply = 'Action: search_docs\nAction Input: ```json\n{"query": "SLA", "limit": 3}\n```'

    assert calls(extract(reply, TOOLS)) == [("search_docs", {"query": "SLA", "limit": 3})]
