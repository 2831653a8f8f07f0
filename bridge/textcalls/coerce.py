"""Turn argument values written as bare text (XML-ish and Gemma formats) into JSON values.

With the argument's schema the declared type decides; without it, text that reads as a
JSON number, boolean, null, object or array becomes one, and anything else stays a string.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from bridge.textcalls.calls import Schema

_INTEGER = re.compile(r"[+-]?\d+")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
_BOOLEANS = {"true": True, "false": False}


def schema_types(schema: Schema | None) -> list[str]:
    """Return the JSON types a schema allows (`type`, or the types of its anyOf/oneOf)."""
    if schema is None:
        return []
    declared = schema.get("type")
    if isinstance(declared, str):
        return [declared]
    if isinstance(declared, list):
        return [t for t in declared if isinstance(t, str)]
    types: list[str] = []
    for key in ("anyOf", "oneOf"):
        for option in schema.get(key) or []:
            if isinstance(option, Mapping):
                types.extend(t for t in schema_types(option) if t not in types)
    return types


def coerce_text(raw: str, schema: Schema | None) -> Any:
    """Convert one textual value, guided by its schema when there is one."""
    types = schema_types(schema)
    if not types:
        return _guess(raw)
    # Try the specific types first: a string-or-integer "42" is more useful as 42.
    for kind in sorted(types, key=lambda t: t == "string"):
        converted = _as_type(raw, kind)
        if converted is not _NO:
            return converted
    return raw


def coerce_bare(raw: str) -> Any:
    """Convert an unquoted scalar (Gemma's `n:42`): number, boolean, null, else the text."""
    text = raw.strip()
    for kind in ("integer", "number", "boolean", "null"):
        converted = _as_type(text, kind)
        if converted is not _NO:
            return converted
    return text


class _Missing:
    pass


_NO: Any = _Missing()


def _as_type(raw: str, kind: str) -> Any:
    text = raw.strip()
    if kind == "string":
        return raw
    if kind == "integer":
        if _INTEGER.fullmatch(text):
            return int(text)
        if _NUMBER.fullmatch(text) and float(text).is_integer():
            return int(float(text))
        return _NO
    if kind == "number":
        if _INTEGER.fullmatch(text):
            return int(text)
        return float(text) if _NUMBER.fullmatch(text) else _NO
    if kind == "boolean":
        return _BOOLEANS.get(text.lower(), _NO)
    if kind == "null":
        return None if text.lower() in ("null", "none") else _NO
    if kind in ("object", "array"):
        try:
            value = json.loads(text)
        except (json.JSONDecodeError, RecursionError):
            return _NO
        expected = dict if kind == "object" else list
        return value if isinstance(value, expected) else _NO
    return _NO


def _guess(raw: str) -> Any:
    text = raw.strip()
    if text.lower() in _BOOLEANS or text.lower() in ("null", "none"):
        return _BOOLEANS.get(text.lower())
    if text[:1] in "{[" or _NUMBER.fullmatch(text):
        try:
            value = json.loads(text)
        except (json.JSONDecodeError, RecursionError):
            return raw
        return value
    return raw
