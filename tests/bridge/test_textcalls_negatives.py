"""What text tool-call extraction must not take for a call: examples, prose, strangers, junk."""

from __future__ import annotations

import pytest

from bridge.textcalls import extract

TOOLS = {
    "get_weather": {"type": "object", "properties": {"city": {"type": "string"}}},
    "delete_file": {"type": "object", "properties": {"path": {"type": "string"}}},
    "clock__now": {"type": "object", "properties": {}},
}


def test_prose_without_calls_is_returned_unchanged_but_stripped():
    reply = "  The weather in Paris is mild today; bring a light jacket.\n"

    found = extract(reply, TOOLS)

    assert found.calls == []
    assert found.text == "The weather in Paris is mild today; bring a light jacket."


def test_prose_that_shows_json_data_is_not_a_call():
    reply = (
        'The API returned {"name": "Paris", "population": 2102650} and '
        '[{"name": "Lyon"}, {"name": "Nice"}], which I summarised above.'
    )

    assert extract(reply, TOOLS).calls == []


def test_a_fenced_example_introduced_as_one_is_not_executed():
    reply = (
        "To delete a file you would call the tool like this, for example:\n\n"
        "```json\n"
        '{"name": "delete_file", "arguments": {"path": "/home/me/thesis.tex"}}\n'
        "```\n\n"
        "Let me know if you want me to do that."
    )

    found = extract(reply, TOOLS)

    assert found.calls == []
    assert found.text == reply.strip()


def test_the_same_fenced_block_without_an_example_lead_in_is_a_call():
    reply = (
        "Deleting it now, as you asked.\n\n"
        "```json\n"
        '{"name": "delete_file", "arguments": {"path": "/home/me/thesis.tex"}}\n'
        "```"
    )

    assert [call.name for call in extract(reply, TOOLS).calls] == ["delete_file"]


def test_a_fenced_example_after_such_as_is_not_executed_in_any_format():
    reply = (
        "Models emit markup such as\n"
        "```\n"
        '<tool_call>{"name": "delete_file", "arguments": {"path": "/"}}</tool_call>\n'
        "```\n"
    )

    assert extract(reply, TOOLS).calls == []


def test_call_markup_inside_any_code_fence_is_quoted_not_emitted():
    reply = (
        "Here is the transcript you asked for:\n"
        "```text\n"
        '[TOOL_CALLS] [{"name": "delete_file", "arguments": {"path": "/tmp/x"}}]\n'
        "```"
    )

    assert extract(reply, TOOLS).calls == []


def test_inline_code_mid_sentence_is_an_example_not_a_call():
    reply = (
        'You can ask for the weather with `{"name": "get_weather", "arguments": '
        '{"city": "Oslo"}}` or with `[get_weather(city="Oslo")]`, whichever you prefer.'
    )

    assert extract(reply, TOOLS).calls == []


def test_inline_hermes_markup_in_backticks_is_an_example():
    reply = 'Wrap calls as `<tool_call>{"name": "delete_file", "arguments": {}}</tool_call>`.'

    assert extract(reply, TOOLS).calls == []


def test_a_blockquoted_call_is_a_quotation():
    reply = '> <tool_call>{"name": "delete_file", "arguments": {"path": "/"}}</tool_call>'

    assert extract(reply, TOOLS).calls == []


def test_an_example_does_not_hide_a_real_call_that_follows_it():
    reply = (
        "A call looks like this: "
        '`<tool_call>{"name": "get_weather", "arguments": {"city": "X"}}</tool_call>`\n\n'
        "Now checking Paris.\n"
        '<tool_call>{"name": "get_weather", "arguments": {"city": "Paris"}}</tool_call>'
    )

    found = extract(reply, TOOLS)

    assert [call.arguments for call in found.calls] == [{"city": "Paris"}]
    assert found.text.startswith("A call looks like this:")


def test_calls_to_tools_that_do_not_exist_are_ignored():
    reply = (
        '<tool_call>{"name": "rm_rf", "arguments": {"path": "/"}}</tool_call>\n'
        "[launch_missiles(target='moon')]"
    )

    found = extract(reply, TOOLS)

    assert found.calls == []
    assert "rm_rf" in found.text


def test_only_the_known_calls_of_a_mixed_block_are_taken():
    reply = (
        '<tool_call>{"name": "rm_rf", "arguments": {}}</tool_call>'
        '<tool_call>{"name": "clock__now", "arguments": {}}</tool_call>'
    )

    found = extract(reply, TOOLS)

    assert [call.name for call in found.calls] == ["clock__now"]
    assert found.text == '<tool_call>{"name": "rm_rf", "arguments": {}}</tool_call>'


def test_malformed_json_is_not_a_call():
    replies = [
        '<tool_call>{"name": "get_weather", "arguments": {"city": "Paris",}}</tool_call>',
        "<tool_call>{'name': 'get_weather', 'arguments': {'city': 'Paris'}}</tool_call>",
        '[TOOL_CALLS] [{"name": "get_weather", "arguments": {"city": "Paris"}',
        '<tool_call>{"name": "get_weather", "arguments": "not json"}</tool_call>',
        '<tool_call>{"name": "get_weather", "arguments": [1, 2]}</tool_call>',
        "<start_function_call>call:get_weather{city:<escape>Paris}<end_function_call>",
    ]

    for reply in replies:
        assert extract(reply, TOOLS).calls == [], reply


def test_python_calls_with_non_literal_arguments_are_never_read():
    replies = [
        "[delete_file(path=__import__('os').getcwd())]",
        "[get_weather(city=CITY)]",
        "[get_weather(city='a' + 'b')]",
        "[get_weather('Paris')]",
        "[get_weather(**{'city': 'Paris'})]",
        "<|python_tag|>get_weather.call(city=input())",
        "```tool_code\nprint(default_api.get_weather(city=open('/etc/passwd').read()))\n```",
        "```tool_code\nimport os\nprint(default_api.get_weather(city='x'))\n```",
    ]

    for reply in replies:
        assert extract(reply, TOOLS).calls == [], reply


def test_a_pythonic_list_with_one_bad_call_is_rejected_whole():
    reply = "[get_weather(city='Paris'), delete_file(path=x)]"

    assert extract(reply, TOOLS).calls == []


def test_a_llama_built_in_call_without_its_tag_must_be_the_whole_reply():
    reply = 'You could try get_weather.call(city="Paris") yourself.'

    assert extract(reply, TOOLS).calls == []


def test_bare_json_needs_arguments_or_parameters_to_count():
    reply = 'The catalogue lists {"name": "get_weather"} among its entries.'

    assert extract(reply, TOOLS).calls == []


def test_a_fenced_block_mixing_a_call_with_other_data_is_not_a_call():
    reply = (
        '```json\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n{"status": "ok"}\n```'
    )

    assert extract(reply, TOOLS).calls == []


def test_the_first_format_with_a_call_wins_so_formats_never_mix():
    reply = (
        '<tool_call>{"name": "clock__now", "arguments": {}}</tool_call>\n'
        'Also {"name": "get_weather", "arguments": {"city": "Rome"}}'
    )

    found = extract(reply, TOOLS)

    assert [(c.name, c.format) for c in found.calls] == [("clock__now", "hermes")]
    assert 'Also {"name": "get_weather"' in found.text


def test_a_format_whose_calls_are_all_rejected_falls_through_to_the_next():
    reply = (
        '<tool_call>{"name": "unknown_tool", "arguments": {}}</tool_call>\n'
        "```json\n"
        '{"name": "get_weather", "arguments": {"city": "Rome"}}\n'
        "```"
    )

    found = extract(reply, TOOLS)

    assert [(c.name, c.format) for c in found.calls] == [("get_weather", "fenced")]


def test_harmony_messages_without_a_recipient_are_plain_text():
    reply = "<|channel|>final<|message|>It is 21 degrees.<|return|>"

    assert extract(reply, TOOLS).calls == []


def test_react_without_an_action_input_is_not_a_call():
    reply = "Thought: I know this.\nAction: get_weather\nFinal Answer: sunny"

    assert extract(reply, TOOLS).calls == []


def test_a_single_string_is_refused_as_the_tool_list():
    with pytest.raises(TypeError, match="not one string"):
        extract("hi", "get_weather")


def test_json_inside_a_quoted_tool_call_is_not_taken_up_by_a_later_format():
    # The paragraph holding the bare JSON says nothing; the <tool_call> around it was quoted.
    reply = (
        "For example:\n\n"
        "<tool_call>\n"
        '{"name": "delete_file", "arguments": {"path": "/"}}\n'
        "</tool_call>"
    )

    assert extract(reply, TOOLS).calls == []


def test_a_model_explaining_the_calling_convention_in_prose_runs_nothing():
    reply = (
        "I can call tools. A call looks like "
        '<tool_call>{"name": "delete_file", "arguments": {"path": "~"}}</tool_call>, '
        "and the result comes back afterwards."
    )

    assert extract(reply, TOOLS).calls == []
