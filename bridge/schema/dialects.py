"""The registry of schema dialects and ``convert()``, the one entry point."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from bridge.schema.changes import Conversion
from bridge.schema.gemini import convert_gemini
from bridge.schema.ollama import convert_ollama
from bridge.schema.openai import convert_openai
from bridge.schema.openai_strict import StrictSchemaError, convert_openai_strict

__all__ = ["DIALECTS", "Converter", "convert", "convert_lenient"]

Converter = Callable[[Mapping[str, Any]], Conversion]

DIALECTS: dict[str, Converter] = {
    "openai": convert_openai,
    "openai-strict": convert_openai_strict,
    "gemini": convert_gemini,
    "ollama": convert_ollama,
}


def convert(schema: Mapping[str, Any], dialect: str) -> Conversion:
    """Convert a tool's original input schema to ``dialect``; the input is never mutated.

    Raises ``ValueError`` for an unknown dialect, and ``StrictSchemaError`` (a ValueError)
    when ``openai-strict`` cannot keep the schema's meaning.
    """
    try:
        converter = DIALECTS[dialect]
    except KeyError:
        known = ", ".join(sorted(DIALECTS))
        raise ValueError(f"unknown schema dialect {dialect!r}; known: {known}") from None
    return converter(schema)


def convert_lenient(schema: Mapping[str, Any], dialect: str) -> Conversion:
    """Like ``convert``, but a schema with no strict form is not an error.

    It comes back in the plain ``openai`` dialect with ``strict`` false, the reasons it
    cannot be strict first in its changes: one such tool must not cost the others.
    """
    try:
        return convert(schema, dialect)
    except StrictSchemaError as exc:
        plain = convert(schema, "openai")
        reasons = tuple(f"{reason} (the tool is sent non-strict)" for reason in exc.reasons)
        return Conversion(plain.schema, reasons + plain.changes, strict=False)
