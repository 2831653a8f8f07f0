"""The registry of schema dialects and ``convert()``, the one entry point."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from bridge.schema.changes import Conversion
from bridge.schema.gemini import convert_gemini
from bridge.schema.ollama import convert_ollama
from bridge.schema.openai import convert_openai
from bridge.schema.openai_strict import StrictSchemaError, convert_openai_strict

__all__ = ["DIALECTS", "Converter", "SchemaError", "convert", "convert_lenient"]

Converter = Callable[[Mapping[str, Any]], Conversion]

DIALECTS: dict[str, Converter] = {
    "openai": convert_openai,
    "openai-strict": convert_openai_strict,
    "gemini": convert_gemini,
    "ollama": convert_ollama,
}


class SchemaError(ValueError):
    """A schema no dialect conversion can handle (nested too deeply to walk)."""


def convert(schema: Mapping[str, Any], dialect: str) -> Conversion:
    """Convert a tool's original input schema to ``dialect``; the input is never mutated.

    Raises ``ValueError`` for an unknown dialect, ``StrictSchemaError`` (a ValueError)
    when ``openai-strict`` cannot keep the schema's meaning, and ``SchemaError`` (a
    ValueError) for a schema nested too deeply to convert.
    """
    try:
        converter = DIALECTS[dialect]
    except KeyError:
        known = ", ".join(sorted(DIALECTS))
        raise ValueError(f"unknown schema dialect {dialect!r}; known: {known}") from None
    try:
        return converter(schema)
    except RecursionError:
        # The walks recurse once per level; bounding depth up front would cost every tool a
        # walk of its own, and real schemas are a few levels deep.
        raise SchemaError(f"the schema nests too deeply to convert for {dialect}") from None


def convert_lenient(schema: Mapping[str, Any], dialect: str) -> Conversion:
    """Like ``convert``, but never raises for the schema: one bad tool must not cost the others.

    A schema with no strict form comes back in the plain ``openai`` dialect with ``strict``
    false, the reasons first in its changes; one too deep to convert becomes an object with
    no declared properties, the reason in its changes.
    """
    try:
        return convert(schema, dialect)
    except StrictSchemaError as exc:
        reasons = tuple(f"{reason} (the tool is sent non-strict)" for reason in exc.reasons)
        try:
            plain = convert(schema, "openai")
        except SchemaError as deeper:
            return _bare(deeper, reasons)
        return Conversion(plain.schema, reasons + plain.changes, strict=False)
    except SchemaError as exc:
        return _bare(exc)


def _bare(error: SchemaError, reasons: tuple[str, ...] = ()) -> Conversion:
    """An object with no declared properties; the arguments are still validated by us."""
    why = f"/: {error}: sent as an object with no declared properties"
    return Conversion({"type": "object", "properties": {}}, (*reasons, why), strict=False)
