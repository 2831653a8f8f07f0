"""Traversal of JSON Schema documents: which keywords hold subschemas, copy-on-write mapping."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bridge.schema.changes import child

__all__ = [
    "ANNOTATIONS",
    "SCHEMA_KEYWORDS",
    "SCHEMA_LISTS",
    "SCHEMA_MAPS",
    "SINGLE_SCHEMAS",
    "Keep",
    "Visit",
    "every_subschema",
    "map_children",
    "types_of",
]

# A visit takes a subschema and its JSON pointer and returns the converted subschema.
Visit = Callable[[Any, str], Any]
# A dialect's quick test: True when visiting the subschema would return it as is and log
# nothing, so the walk can skip it (and the pointer it would need).
Keep = Callable[[Any], bool]

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
SCHEMA_KEYWORDS = SCHEMA_MAPS | SCHEMA_LISTS | SINGLE_SCHEMAS
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


# The helpers get the parent's pointer and keyword, and build a child's pointer only when
# they visit it: most subschemas are kept as they are.
def _map_list(items: list[Any], pointer: str, key: str, visit: Visit, keep: Keep) -> list[Any]:
    out: list[Any] | None = None
    for index, item in enumerate(items):
        if keep(item):
            continue
        new = visit(item, f"{pointer}/{key}/{index}")
        if new is not item:
            if out is None:
                out = list(items)
            out[index] = new
    return items if out is None else out


def _map_dict(
    items: dict[str, Any], pointer: str, key: str, visit: Visit, keep: Keep
) -> dict[str, Any]:
    out: dict[str, Any] | None = None
    for name, item in items.items():
        if keep(item):
            continue
        new = visit(item, child(f"{pointer}/{key}", name))
        if new is not item:
            if out is None:
                out = dict(items)
            out[name] = new
    return items if out is None else out


def map_children(node: dict[str, Any], pointer: str, visit: Visit, keep: Keep) -> dict[str, Any]:
    """Return ``node`` with each direct subschema replaced by ``visit(subschema, pointer)``.

    Subschemas for which ``keep`` is true are not visited. Copy-on-write: when no
    subschema changed, ``node`` itself is returned; the input is never mutated.
    """
    if SCHEMA_KEYWORDS.isdisjoint(node):
        return node
    out: dict[str, Any] | None = None
    new: Any
    for key, value in node.items():
        kind = _KINDS.get(key)
        if kind is None:
            continue
        if kind is _SINGLE:
            # draft 7 allows a list of schemas in "items" (tuple validation)
            if isinstance(value, list):
                new = _map_list(value, pointer, key, visit, keep)
            elif keep(value):
                continue
            else:
                new = visit(value, f"{pointer}/{key}")
        elif kind is _MAP and isinstance(value, dict):
            new = _map_dict(value, pointer, key, visit, keep)
        elif kind is _LIST and isinstance(value, list):
            new = _map_list(value, pointer, key, visit, keep)
        else:
            continue
        if new is not value:
            if out is None:
                out = dict(node)
            out[key] = new
    return node if out is None else out


def every_subschema(node: dict[str, Any], test: Keep) -> bool:
    """Whether ``test`` holds for every direct subschema ``map_children`` would visit."""
    for key, value in node.items():
        kind = _KINDS.get(key)
        if kind is None:
            continue
        if kind is _MAP:
            if isinstance(value, dict):
                for item in value.values():
                    if not test(item):
                        return False
        elif isinstance(value, list):
            for item in value:
                if not test(item):
                    return False
        elif kind is _SINGLE and not test(value):
            return False
    return True


def types_of(node: dict[str, Any]) -> tuple[str, ...]:
    """The JSON types a schema names in ``type`` (empty when it names none)."""
    kind = node.get("type")
    if isinstance(kind, str):
        return (kind,)
    if isinstance(kind, list):
        return tuple(k for k in kind if isinstance(k, str))
    return ()
