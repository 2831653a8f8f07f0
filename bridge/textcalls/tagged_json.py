"""Parsers for calls whose JSON body sits behind a model's special tokens or tags.

Hermes/Qwen `<tool_call>`, `<function=f>{...}`, Mistral `[TOOL_CALLS]` (both tokenizer
generations), DeepSeek V3/V3.1 `<|tool call begin|>` and gpt-oss harmony `to=functions.f`.
"""

from __future__ import annotations

import re

from bridge.textcalls.calls import (
    Candidate,
    ToolSet,
    call_from_object,
    consume,
    decode_arguments,
    decode_json_at,
    decode_json_list,
    skip_space,
)

_HERMES_OPEN = "<tool_call>"
_HERMES_CLOSE = "</tool_call>"


def parse_hermes(text: str, tools: ToolSet) -> list[Candidate]:
    """`<tool_call>{"name": "f", "arguments": {...}}</tool_call>`; the last close may be missing."""
    found: list[Candidate] = []
    start = text.find(_HERMES_OPEN)
    while start != -1:
        decoded = decode_json_at(text, start + len(_HERMES_OPEN))
        if decoded is not None:
            obj, end = decoded
            call = call_from_object(obj, require_arguments=False)
            end = consume(text, end, _HERMES_CLOSE)
            if call is not None:
                found.append(Candidate(call[0], call[1], (start, end)))
        start = text.find(_HERMES_OPEN, start + 1)
    return found


_FUNCTION_TAG = re.compile(r"<function=([^>\s]+)>")


def parse_function_tag(text: str, tools: ToolSet) -> list[Candidate]:
    """Llama 3.1 custom tools and Functionary: `<function=f>{"a": 1}</function>`."""
    found: list[Candidate] = []
    for match in _FUNCTION_TAG.finditer(text):
        decoded = decode_json_at(text, match.end())
        if decoded is None:
            continue
        arguments = decode_arguments(decoded[0]) if isinstance(decoded[0], dict) else None
        if arguments is not None:
            end = consume(text, decoded[1], "</function>")
            found.append(Candidate(match.group(1), arguments, (match.start(), end)))
    return found


_MISTRAL = "[TOOL_CALLS]"
_MISTRAL_V11 = re.compile(
    r"\[TOOL_CALLS\]\s*([A-Za-z_][\w.\-]*)\s*(?:\[CALL_ID\]\s*\w+\s*)?\[ARGS\]",
)


def parse_mistral(text: str, tools: ToolSet) -> list[Candidate]:
    """Mistral v0.3 and Nemo: `[TOOL_CALLS][{"name": "f", "arguments": {...}}, ...]`."""
    found: list[Candidate] = []
    start = text.find(_MISTRAL)
    while start != -1:
        items, end = _mistral_items(text, start + len(_MISTRAL))
        calls = [(call_from_object(item, require_arguments=False), span) for item, span in items]
        if calls and all(call is not None for call, _ in calls):
            found.extend(
                Candidate(call[0], call[1], span, (start, end))
                for call, span in calls
                if call is not None
            )
        start = text.find(_MISTRAL, start + 1)
    return found


def _mistral_items(text: str, pos: int) -> tuple[list[tuple[object, tuple[int, int]]], int]:
    listed = decode_json_list(text, pos)
    if listed is not None:
        return listed
    decoded = decode_json_at(text, pos)
    if decoded is None:
        return [], pos
    return [(decoded[0], (skip_space(text, pos), decoded[1]))], decoded[1]


def parse_mistral_v11(text: str, tools: ToolSet) -> list[Candidate]:
    """Mistral tokenizer v11 and later: `[TOOL_CALLS]f[ARGS]{...}`, repeated per call."""
    found: list[Candidate] = []
    for match in _MISTRAL_V11.finditer(text):
        decoded = decode_json_at(text, match.end())
        if decoded is None:
            continue
        arguments = decode_arguments(decoded[0]) if isinstance(decoded[0], dict) else None
        if arguments is not None:
            found.append(Candidate(match.group(1), arguments, (match.start(), decoded[1])))
    return found


def _deepseek(name: str) -> str:
    return "<\uff5c" + name.replace(" ", "\u2581") + "\uff5c>"


_DS_CALLS_BEGIN = _deepseek("tool calls begin")
_DS_CALLS_END = _deepseek("tool calls end")
_DS_CALL_BEGIN = _deepseek("tool call begin")
_DS_CALL_END = _deepseek("tool call end")
_DS_SEP = _deepseek("tool sep")


def parse_deepseek(text: str, tools: ToolSet) -> list[Candidate]:
    """DeepSeek V3.1 `<|tool call begin|>f<|tool sep|>{json}<|tool call end|>`.

    The tokens are spelt with U+FF5C for the bars and U+2581 for the spaces. The older
    V3/R1 shape, `function<|tool sep|>f` then a ```json fence, is read too.
    """
    found: list[Candidate] = []
    start = text.find(_DS_CALL_BEGIN)
    while start != -1:
        head_start = start + len(_DS_CALL_BEGIN)
        sep = text.find(_DS_SEP, head_start)
        if sep == -1:
            break
        name = text[head_start:sep].strip()
        body = sep + len(_DS_SEP)
        if name == "function":
            line_end = text.find("\n", body)
            name, body = text[body : line_end if line_end != -1 else len(text)].strip(), line_end
            if body != -1:
                body = consume(text, body, "```json", "```")
        decoded = decode_json_at(text, body) if body != -1 else None
        if decoded is not None and isinstance(decoded[0], dict) and name:
            end = consume(text, decoded[1], "```")
            end = consume(text, end, _DS_CALL_END)
            found.append(Candidate(name, decoded[0], (start, end)))
        start = text.find(_DS_CALL_BEGIN, head_start)
    return _with_deepseek_wrapper(text, found)


def _with_deepseek_wrapper(text: str, found: list[Candidate]) -> list[Candidate]:
    """Widen the removed block over the calls-begin/calls-end tokens around the calls."""
    if not found:
        return found
    first, last = found[0].span[0], found[-1].span[1]
    before = text.rfind(_DS_CALLS_BEGIN, 0, first)
    if before != -1 and not text[before + len(_DS_CALLS_BEGIN) : first].strip():
        first = before
    last = consume(text, last, _DS_CALLS_END)
    return [
        Candidate(c.name, c.arguments, c.span, (min(first, c.span[0]), max(last, c.span[1])))
        for c in found
    ]


_HARMONY = re.compile(
    r"(?:<\|start\|>assistant(?P<pre>[^<]*))?"
    r"<\|channel\|>(?P<channel>[^<]*)"
    r"(?:<\|constrain\|>[^<]*)?"
    r"<\|message\|>",
)
_RECIPIENT = re.compile(r"\bto=(?:functions\.)?([^\s<]+)")


def parse_harmony(text: str, tools: ToolSet) -> list[Candidate]:
    """gpt-oss harmony: `<|channel|>commentary to=functions.f <|constrain|>json<|message|>`.

    The JSON arguments follow, then `<|call|>`. The recipient may also stand in the
    header (`<|start|>assistant to=functions.f`). Messages without a recipient are
    ordinary text and are left alone.
    """
    found: list[Candidate] = []
    if "<|channel|>" not in text:  # the regex has no literal prefix to search for quickly
        return found
    for match in _HARMONY.finditer(text):
        header = (match.group("pre") or "") + " " + match.group("channel")
        recipient = _RECIPIENT.search(header)
        if recipient is None:
            continue
        decoded = decode_json_at(text, match.end())
        if decoded is None or not isinstance(decoded[0], dict):
            continue
        end = consume(text, decoded[1], "<|call|>", "<|end|>")
        found.append(Candidate(recipient.group(1), decoded[0], (match.start(), end)))
    return found
