"""The fields of an MCP elicitation form, read from its ``requestedSchema``, and their checks.

MCP restricts the schema to a flat object of primitives: string (with optional format and
length limits), number / integer (with optional bounds), boolean, and enums (``enum`` with
optional ``enumNames``, or ``oneOf`` of ``{const, title}``). Nothing here imports Textual.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

__all__ = ["Field", "FieldKind", "check", "fields_of"]

FieldKind = Literal["string", "number", "integer", "boolean", "enum"]


@dataclass(frozen=True)
class Field:
    """One form field: what to ask, how to read the answer, and its limits."""

    name: str
    kind: FieldKind
    title: str
    description: str = ""
    required: bool = False
    default: Any = None
    options: tuple[tuple[str, Any], ...] = ()  # (label, value) for enums
    minimum: float | None = None
    maximum: float | None = None
    min_length: int | None = None
    max_length: int | None = None


def _options(schema: Mapping[str, Any]) -> tuple[tuple[str, Any], ...]:
    if isinstance(schema.get("oneOf"), list):
        return tuple(
            (str(item.get("title", item.get("const"))), item.get("const"))
            for item in schema["oneOf"]
            if isinstance(item, dict) and "const" in item
        )
    values = list(schema.get("enum") or ())
    names = schema.get("enumNames")
    labels = names if isinstance(names, list) and len(names) == len(values) else values
    return tuple((str(label), value) for label, value in zip(labels, values, strict=True))


def _kind(schema: Mapping[str, Any]) -> FieldKind:
    if "enum" in schema or "oneOf" in schema:
        return "enum"
    kind = schema.get("type")
    if kind in ("number", "integer", "boolean"):
        return kind  # type: ignore[no-any-return]
    return "string"


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def fields_of(schema: Mapping[str, Any]) -> list[Field]:
    """The form's fields, in the schema's order."""
    required = set(schema.get("required") or ())
    fields = []
    for name, prop in (schema.get("properties") or {}).items():
        if not isinstance(prop, dict):
            continue
        kind = _kind(prop)
        fields.append(
            Field(
                name=str(name),
                kind=kind,
                title=str(prop.get("title") or name),
                description=str(prop.get("description") or ""),
                required=name in required,
                default=prop.get("default"),
                options=_options(prop) if kind == "enum" else (),
                minimum=_number(prop.get("minimum")),
                maximum=_number(prop.get("maximum")),
                min_length=prop.get("minLength"),
                max_length=prop.get("maxLength"),
            )
        )
    return fields


def _bounds(field: Field, value: float) -> str | None:
    if field.minimum is not None and value < field.minimum:
        return f"at least {field.minimum:g}"
    if field.maximum is not None and value > field.maximum:
        return f"at most {field.maximum:g}"
    return None


def check(field: Field, raw: Any) -> tuple[Any, str | None]:
    """The typed value of an answer (None when left empty) and what is wrong with it."""
    if raw is None or raw == "":
        return None, "required" if field.required else None
    if field.kind == "boolean":
        return bool(raw), None
    if field.kind == "enum":
        return raw, None
    text = str(raw)
    if field.kind in ("number", "integer"):
        try:
            value: float = int(text.strip()) if field.kind == "integer" else float(text.strip())
        except ValueError:
            return None, f"a{'n integer' if field.kind == 'integer' else ' number'}, please"
        return value, _bounds(field, value)
    if field.min_length is not None and len(text) < field.min_length:
        return text, f"at least {field.min_length} characters"
    if field.max_length is not None and len(text) > field.max_length:
        return text, f"at most {field.max_length} characters"
    return text, None
