"""Gemini ``parameters_json_schema``: strip ``$``-metadata, inline local refs, object root."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bridge.schema.changes import ChangeLog, Conversion
from bridge.schema.pipeline import run
from bridge.schema.walk import SCHEMA_KEYWORDS, Visit, every_subschema, map_children

__all__ = ["convert_gemini"]

_METADATA = frozenset({"$schema", "$id", "$comment", "$anchor", "$vocabulary"})
_DEFINITIONS = frozenset({"$defs", "definitions"})
_STRIPPED = _METADATA | _DEFINITIONS
_TOUCHED = _STRIPPED | {"$ref"}


def _untouched(node: Any) -> bool:
    """Whether converting ``node`` would return it as is: no metadata and no refs inside."""
    if type(node) is not dict:
        return not isinstance(node, dict)
    if not _TOUCHED.isdisjoint(node):
        return False
    return SCHEMA_KEYWORDS.isdisjoint(node) or every_subschema(node, _untouched)


def strip_node(node: Any, pointer: str, visit: Visit, log: ChangeLog) -> Any:
    """Drop ``$``-metadata and (already inlined) definitions from one node, then recurse."""
    if not isinstance(node, dict):
        return node
    if not _STRIPPED.isdisjoint(node):
        kept: dict[str, Any] = {}
        for key, value in node.items():
            if key in _METADATA:
                log.dropped(pointer, key, value)
            elif key in _DEFINITIONS:
                log.add(pointer, f'removed "{key}" (its refs are inlined)')
            else:
                kept[key] = value
        node = kept
    return map_children(node, pointer, visit, _untouched)


def convert_gemini(schema: Mapping[str, Any]) -> Conversion:
    """Convert a tool's input schema for Gemini's ``parameters_json_schema``.

    Recursive refs stay refs into a root ``$defs``; everything else Gemini accepts is kept.
    """
    root, log, _, _ = run(schema, strip_node, keep_cycles=True)
    return log.conversion(root)
