"""Ollama tool parameters: only the keywords its server keeps, refs inlined, recursion cut."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bridge.schema.changes import ChangeLog, Conversion
from bridge.schema.merge import merge_all_of
from bridge.schema.pipeline import run
from bridge.schema.walk import SCHEMA_KEYWORDS, Visit, every_subschema, map_children

__all__ = ["KEPT_KEYWORDS", "convert_ollama"]

# What the Ollama server keeps of a tool's parameters (reference/providers-wire.md); "$defs"
# is kept too, but once refs are inlined there is nothing left to point into it.
KEPT_KEYWORDS = frozenset(
    {"type", "items", "required", "properties", "anyOf", "enum", "description"}
)
# Rewritten into kept keywords after the children are converted.
_REWRITTEN = frozenset({"const", "oneOf", "allOf", "prefixItems"})
_PASSED = KEPT_KEYWORDS | _REWRITTEN
_DEFINITIONS = frozenset({"$defs", "definitions"})


def _untouched(node: Any) -> bool:
    """Whether ``keep_node`` would return ``node`` as is: only kept keywords, all the way down."""
    if type(node) is not dict or not KEPT_KEYWORDS.issuperset(node):
        return False
    if SCHEMA_KEYWORDS.isdisjoint(node):
        return True
    return not isinstance(node.get("items"), list) and every_subschema(node, _untouched)


def _filter(node: dict[str, Any], pointer: str, log: ChangeLog) -> dict[str, Any]:
    kept: dict[str, Any] = {}
    for key, value in node.items():
        if key in _PASSED:
            kept[key] = value
        elif key in _DEFINITIONS:
            log.add(pointer, f'removed "{key}" (its refs are inlined)')
        else:
            log.dropped(pointer, key, value)
    return kept


def _rewrite(node: dict[str, Any], pointer: str, log: ChangeLog) -> dict[str, Any]:
    node = dict(node)
    if "allOf" in node:
        merged = merge_all_of(node)
        if merged is None:
            log.add(pointer, 'dropped "allOf" (its branches conflict)')
            node.pop("allOf")
        else:
            node = merged
            log.add(pointer, 'merged "allOf" into its parent')
    if "const" in node:
        value = node.pop("const")
        if "enum" not in node:
            node["enum"] = [value]
            log.add(pointer, 'rewrote "const" as a one-value "enum"')
    if "oneOf" in node:
        branches = node.pop("oneOf")
        if "anyOf" in node:
            log.add(pointer, 'dropped "oneOf" (there is an "anyOf" already)')
        else:
            node["anyOf"] = branches
            log.add(pointer, 'rewrote "oneOf" as "anyOf" (exclusivity not enforced)')
    if isinstance(node.get("items"), list) or "prefixItems" in node:
        rest = node.get("items")
        branches = node.pop("prefixItems", None)
        branches = list(branches) if isinstance(branches, list) else []
        branches += rest if isinstance(rest, list) else [rest] if isinstance(rest, dict) else []
        node["items"] = {"anyOf": branches}
        log.add(pointer, 'rewrote tuple "items" as "items": {"anyOf": [...]}')
    # Keys merged in from allOf branches were filtered in those branches already.
    return node


def keep_node(node: Any, pointer: str, visit: Visit, log: ChangeLog) -> Any:
    """Reduce one node to what Ollama keeps, converting its subschemas first."""
    if not isinstance(node, dict):
        if node is not True:
            log.add(pointer, f"boolean schema {node!r} replaced by {{}}")
        return {}
    if not KEPT_KEYWORDS.issuperset(node):
        node = _filter(node, pointer, log)
    node = map_children(node, pointer, visit, _untouched)
    if not _REWRITTEN.isdisjoint(node) or isinstance(node.get("items"), list):
        node = _rewrite(node, pointer, log)
    return node


def convert_ollama(schema: Mapping[str, Any]) -> Conversion:
    """Convert a tool's input schema to what the Ollama server keeps.

    Refs are inlined (Ollama drops ``$ref``); a recursive ref is cut to the bare ``type`` of
    its target, with a note.
    """
    root, log, _, _ = run(schema, keep_node, keep_cycles=False)
    return log.conversion(root)
