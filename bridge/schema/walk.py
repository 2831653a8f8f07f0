"""Traversal of JSON Schema documents: which keywords hold subschemas, copy-on-write mapping."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bridge.schema.changes import child

__all__ = [
    "ANNOTATIONS",
    "SCHEMA_LISTS",
    "SCHEMA_MAPS",
    "SINGLE_SCHEMAS",
    "Visit",
    "map_children",
    "types_of",
]

# A visit takes a subschema and its JSON pointer and returns the converted subschema.
Visit = Callable[[Any, str], Any]

SCHEMA_MAPS = frozenset(
    {"properties", "patternProperties", "$defs", "definitions", "dependentSchemas"}
)
SCHEMA_LISTS = frozenset({"anyOf", "oneOf", "allOf", "prefixItems"})
SINGLE_SCHEMAS = frozenset(
    {
        "items",
        "additionalItems",
        "additionalProperties",
        "unevaluatedItems",
        "unevaluatedProperties",
        "contains",
        "propertyNames",
        "not",
        "if",
        "then",
        "else",
        "contentSchema",
    }
)
_SINGLE, _MAP, _LIST = "single", "map", "list"
# Keyword -> how it holds subschemas (keyword names need no pointer escaping).
_KINDS: dict[str, str] = {
    **dict.fromkeys(SINGLE_SCHEMAS, _SINGLE),
    **dict.fromkeys(SCHEMA_MAPS, _MAP),
    **dict.fromkeys(SCHEMA_LISTS, _LIST),
}
# Keywords that never change which instances validate.
ANNOTATIONS = frozenset(
    {
        "title",
        "description",
        "default",
        "examples",
        "deprecated",
        "readOnly",
        "writeOnly",
        "$comment",
        "$schema",
        "$id",
        "$anchor",
        "$vocabulary",
        "contentMediaType",
        "contentEncoding",
    }
)


def _map_list(items: list[Any], pointer: str, visit: Visit) -> list[Any]:
    out: list[Any] | None = None
    for index, item in enumerate(items):
        new = visit(item, child(pointer, index))
        if new is not item:
            if out is None:
                out = list(items)
            out[index] = new
    return items if out is None else out


def _map_dict(items: dict[str, Any], pointer: str, visit: Visit) -> dict[str, Any]:
    out: dict[str, Any] | None = None
    for name, item in items.items():
        new = visit(item, child(pointer, name))
        if new is not item:
            if out is None:
                out = dict(items)
            out[name] = new
    return items if out is None else out


def map_children(node: dict[str, Any], pointer: str, visit: Visit) -> dict[str, Any]:
    """Return ``node`` with each direct subschema replaced by ``visit(subschema, pointer)``.

    Copy-on-write: when no subschema changed, ``node`` itself is returned; the input is
    never mutated.
    """
    out: dict[str, Any] | None = None
    for key, value in node.items():
        kind = _KINDS.get(key)
        if kind is None:
            continue
        where = f"{pointer}/{key}"
        if kind is _SINGLE:
            # draft 7 allows a list of schemas in "items" (tuple validation)
            new = _map_list(value, where, visit) if isinstance(value, list) else visit(value, where)
        elif kind is _MAP and isinstance(value, dict):
            new = _map_dict(value, where, visit)
        elif kind is _LIST and isinstance(value, list):
            new = _map_list(value, where, visit)
        else:
            continue
        if new is not value:
            if out is None:
                out = dict(node)
            out[key] = new
    return node if out is None else out


def types_of(node: dict[str, Any]) -> tuple[str, ...]:
    """The JSON types a schema names in ``type`` (empty when it names none)."""
    kind = node.get("type")
    if isinstance(kind, str):
        return (kind,)
    if isinstance(kind, list):
        return tuple(k for k in kind if isinstance(k, str))
    return ()
