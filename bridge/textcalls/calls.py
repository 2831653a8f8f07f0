"""The records text tool-call extraction deals in, and the JSON helpers the parsers share.

Parsers turn text into `Candidate`s; `extract` keeps the accepted ones as `TextToolCall`s.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

Schema = Mapping[str, Any]

_DECODER = json.JSONDecoder()
_JSON_STARTS = frozenset('{["-0123456789tfn')
# What may follow an opening brace or bracket (after whitespace) in valid JSON.
_CONTAINER_NEXT = {"{": frozenset('"}'), "[": _JSON_STARTS | {"]"}}


@dataclass(frozen=True)
class TextToolCall:
    """One tool call found in a model's text.

    `span` is where this call's own markup sits in the original text; calls that share a
    wrapper (a Mistral list, a fenced block) each point at their own part of it.
    """

    name: str
    arguments: dict[str, Any]
    format: str
    span: tuple[int, int]


@dataclass(frozen=True)
class Extraction:
    """The calls found in a reply, and the reply's text with their markup removed."""

    calls: list[TextToolCall]
    text: str


@dataclass(frozen=True)
class Candidate:
    """A call a parser read, before the known-name and quoted-example checks.

    `block` is the markup removed from the text when the call is accepted (a whole
    `<tool_call>` element, a whole fenced block); it defaults to `span`.
    """

    name: str
    arguments: dict[str, Any]
    span: tuple[int, int]
    block: tuple[int, int] | None = None

    @property
    def removal(self) -> tuple[int, int]:
        """The part of the text to remove when this call is accepted."""
        return self.block if self.block is not None else self.span


@dataclass(frozen=True)
class ToolSet:
    """The tools a reply may call: their names and, when known, their input schemas."""

    schemas: Mapping[str, Schema] = field(default_factory=dict)

    def __contains__(self, name: object) -> bool:
        return name in self.schemas

    def property_schema(self, tool: str, key: str) -> Schema | None:
        """Return the schema of one argument of `tool`, or None when it is not declared."""
        properties = self.schemas.get(tool, {}).get("properties")
        if isinstance(properties, Mapping):
            found = properties.get(key)
            if isinstance(found, Mapping):
                return found
        return None

    def property_names(self, tool: str) -> list[str]:
        """Return the declared argument names of `tool`, in schema order."""
        properties = self.schemas.get(tool, {}).get("properties")
        return list(properties) if isinstance(properties, Mapping) else []


Parser = Callable[[str, ToolSet], list[Candidate]]


def decode_json_at(text: str, pos: int) -> tuple[Any, int] | None:
    """Decode one JSON value starting at `pos` (after whitespace); return it and its end."""
    pos = skip_space(text, pos)
    # A JSONDecodeError counts the lines up to its position, so failing often on a long
    # text is quadratic; most misses are ruled out here without raising.
    first = text[pos : pos + 1]
    if first not in _JSON_STARTS:
        return None
    if first in _CONTAINER_NEXT:
        after = skip_space(text, pos + 1)
        if text[after : after + 1] not in _CONTAINER_NEXT[first]:
            return None
    try:
        return _DECODER.raw_decode(text, pos)
    except (json.JSONDecodeError, RecursionError):  # RecursionError: absurdly deep nesting
        return None


def decode_arguments(value: object) -> dict[str, Any] | None:
    """Return call arguments as a dict: a JSON object, a JSON string holding one, or null."""
    if value is None:
        return {}
    if isinstance(value, str):
        try:
            value = json.loads(value) if value.strip() else {}
        except (json.JSONDecodeError, RecursionError):
            return None
    return value if isinstance(value, dict) else None


def call_from_object(obj: object, *, require_arguments: bool) -> tuple[str, dict[str, Any]] | None:
    """Read `{"name": ..., "arguments"|"parameters": ...}` (or OpenAI's nested `function`).

    With `require_arguments`, an object without either key is not taken for a call: bare
    JSON in prose needs that much shape before it counts.
    """
    if not isinstance(obj, dict):
        return None
    nested = obj.get("function")
    if "name" not in obj and isinstance(nested, dict):
        obj = nested
    name = obj.get("name")
    if not isinstance(name, str) or not name:
        return None
    for key in ("arguments", "parameters"):
        if key in obj:
            arguments = decode_arguments(obj[key])
            return None if arguments is None else (name, arguments)
    return None if require_arguments else (name, {})


def skip_space(text: str, pos: int) -> int:
    """Return the first position at or after `pos` that is not whitespace."""
    while pos < len(text) and text[pos].isspace():
        pos += 1
    return pos


def consume(text: str, pos: int, *tokens: str) -> int:
    """If one of `tokens` follows `pos` (after whitespace), return the position after it."""
    probe = skip_space(text, pos)
    for token in tokens:
        if text.startswith(token, probe):
            return probe + len(token)
    return pos


def decode_json_list(text: str, pos: int) -> tuple[list[tuple[Any, tuple[int, int]]], int] | None:
    """Decode a JSON array at `pos` item by item: each item with its span, and the array's end.

    Knowing where each item sits lets every call in a list point at its own markup.
    """
    pos = skip_space(text, pos)
    if not text.startswith("[", pos):
        return None
    items: list[tuple[Any, tuple[int, int]]] = []
    pos = skip_space(text, pos + 1)
    if text.startswith("]", pos):
        return items, pos + 1
    while True:
        decoded = decode_json_at(text, pos)
        if decoded is None:
            return None
        items.append((decoded[0], (pos, decoded[1])))
        pos = skip_space(text, decoded[1])
        if text.startswith("]", pos):
            return items, pos + 1
        if not text.startswith(",", pos):
            return None
        pos = skip_space(text, pos + 1)
