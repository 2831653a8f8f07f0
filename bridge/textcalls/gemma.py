"""Parsers for Google's `call:f{key:value,...}` notation: FunctionGemma and Gemma 4.

Keys are bare; strings sit between a delimiter token (`<escape>` in FunctionGemma,
`<|"|>` in Gemma 4); other values are bare numbers, booleans, nested `{}` or `[]`.
"""

from __future__ import annotations

import re
from typing import Any

from bridge.textcalls.calls import Candidate, Schema, ToolSet, consume, skip_space
from bridge.textcalls.coerce import coerce_bare, coerce_text, schema_types

_FUNCTIONGEMMA = re.compile(r"<start_function_call>\s*call:([\w.\-]+)\s*(?=\{)")
_GEMMA4 = re.compile(r"<\|tool_call>\s*call:([\w.\-]+)\s*(?=\{)")


def parse_functiongemma(text: str, tools: ToolSet) -> list[Candidate]:
    """`<start_function_call>call:f{city:<escape>Paris<escape>}<end_function_call>`."""
    return _parse(text, tools, _FUNCTIONGEMMA, "<escape>", "<end_function_call>")


def parse_gemma4(text: str, tools: ToolSet) -> list[Candidate]:
    """`<|tool_call>call:f{loc:<|"|>Paris<|"|>,n:42}<tool_call|>`."""
    return _parse(text, tools, _GEMMA4, '<|"|>', "<tool_call|>")


def _parse(
    text: str, tools: ToolSet, opener: re.Pattern[str], quote: str, closer: str
) -> list[Candidate]:
    found: list[Candidate] = []
    for match in opener.finditer(text):
        reader = _Reader(text, quote)
        try:
            arguments, end = reader.read_object(match.end())
        except (_Malformed, RecursionError):
            continue
        name = match.group(1)
        for key, (value, quoted) in list(arguments.items()):
            arguments[key] = _typed(value, quoted, tools.property_schema(name, key))
        end = consume(text, end, closer)
        found.append(Candidate(name, _plain(arguments), (match.start(), end)))
    return found


def _typed(value: Any, quoted: bool, schema: Schema | None) -> tuple[Any, bool]:
    """A quoted string the schema says is not a string (`n:<|"|>42<|"|>`) is converted."""
    if quoted and schema is not None and "string" not in schema_types(schema):
        return coerce_text(value, schema), False
    return value, quoted


def _plain(arguments: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, (value, _quoted) in arguments.items()}


class _Malformed(Exception):
    pass


class _Reader:
    """A small recursive-descent reader; top-level values keep a "was quoted" flag."""

    def __init__(self, text: str, quote: str) -> None:
        self.text = text
        self.quote = quote

    def read_object(self, pos: int) -> tuple[dict[str, Any], int]:
        text = self.text
        members: dict[str, Any] = {}
        pos = skip_space(text, pos + 1)  # past "{"
        if text.startswith("}", pos):
            return members, pos + 1
        while True:
            key, pos = self._read_key(pos)
            value, pos = self._read_value(skip_space(text, pos))
            members[key] = value
            pos = skip_space(text, pos)
            if text.startswith("}", pos):
                return members, pos + 1
            if not text.startswith(",", pos):
                raise _Malformed
            pos = skip_space(text, pos + 1)

    def _read_key(self, pos: int) -> tuple[str, int]:
        text = self.text
        if text.startswith(self.quote, pos):
            (key, _quoted), pos = self._read_value(pos)
            pos = skip_space(text, pos)
        else:
            colon = text.find(":", pos)
            if colon == -1:
                raise _Malformed
            key, pos = text[pos:colon].strip().strip("\"'"), colon
        if not key or any(c in key for c in "{}[],") or not text.startswith(":", pos):
            raise _Malformed
        return key, pos + 1

    def _read_value(self, pos: int) -> tuple[tuple[Any, bool], int]:
        text = self.text
        if text.startswith(self.quote, pos):
            start = pos + len(self.quote)
            end = text.find(self.quote, start)
            if end == -1:
                raise _Malformed
            return (text[start:end], True), end + len(self.quote)
        if text.startswith("{", pos):
            members, pos = self.read_object(pos)
            return (_plain(members), False), pos
        if text.startswith("[", pos):
            return self._read_list(pos)
        end = pos
        while end < len(text) and text[end] not in ",}]" and not text.startswith("<", end):
            end += 1
        raw = text[pos:end]
        if not raw.strip():
            raise _Malformed
        return (coerce_bare(raw), False), end

    def _read_list(self, pos: int) -> tuple[tuple[Any, bool], int]:
        text = self.text
        items: list[Any] = []
        pos = skip_space(text, pos + 1)
        if text.startswith("]", pos):
            return (items, False), pos + 1
        while True:
            (value, _quoted), pos = self._read_value(pos)
            items.append(value)
            pos = skip_space(text, pos)
            if text.startswith("]", pos):
                return (items, False), pos + 1
            if not text.startswith(",", pos):
                raise _Malformed
            pos = skip_space(text, pos + 1)
