"""The registry of schema dialects and ``convert()``, the one entry point."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from bridge.schema.changes import Conversion
from bridge.schema.gemini import convert_gemini
from bridge.schema.ollama import convert_ollama
from bridge.schema.openai import convert_openai
from bridge.schema.openai_strict import convert_openai_strict

__all__ = ["DIALECTS", "Converter", "convert"]

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
