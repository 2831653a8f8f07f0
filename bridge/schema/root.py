"""Repair of the root schema: every dialect needs an object schema with ``properties``."""

from __future__ import annotations

from typing import Any

from bridge.schema.changes import ChangeLog, short
from bridge.schema.walk import types_of

__all__ = ["WRAPPED_PROPERTY", "needs_restructuring", "object_root"]

# The property a non-object root schema is wrapped under.
WRAPPED_PROPERTY = "input"


def _is_object_schema(node: Any) -> bool:
    return isinstance(node, dict) and (types_of(node) == ("object",) or "properties" in node)


def _branches(node: dict[str, Any]) -> tuple[str, list[Any]] | None:
    for key in ("anyOf", "oneOf"):
        branches = node.get(key)
        if isinstance(branches, list) and branches:
            return key, branches
    return None


def needs_restructuring(node: Any) -> bool:
    """Whether the root is more than a missing ``type``/``properties`` away from an object."""
    if not isinstance(node, dict):
        return True
    kinds = types_of(node)
    if kinds:
        return "object" not in kinds
    return "properties" not in node and _branches(node) is not None


def object_root(node: Any, log: ChangeLog) -> tuple[dict[str, Any], bool]:
    """A new root dict that is an object schema with ``properties``.

    Returns it with a flag telling whether the repair changed the structure (a union merged
    or a non-object wrapped), rather than only adding a missing ``type`` or ``properties``.
    """
    if type(node) is dict and node.get("type") == "object" and type(node.get("properties")) is dict:
        return dict(node), False  # already an object root: the common case
    if not isinstance(node, dict):
        log.add("", f"root {short(node)} is not a schema object: replaced by an empty object")
        return {"type": "object", "properties": {}}, True
    root = dict(node)
    structural = False
    kinds = types_of(root)
    if not kinds:
        found = None if "properties" in root else _branches(root)
        if found is not None and all(_is_object_schema(b) for b in found[1]):
            root = _merge_branches(root, *found)
            log.add(
                "",
                f"merged the {len(found[1])} root {found[0]} branches into one object "
                "(a property is required only when every branch requires it)",
            )
            structural = True
        elif found is not None:
            root = _wrap(root)
            log.add(
                "", f"root {found[0]} is not a union of objects: wrapped as {WRAPPED_PROPERTY!r}"
            )
            structural = True
        else:
            root["type"] = "object"
            log.add("", 'added "type": "object" (tool arguments are always an object)')
    elif "object" in kinds:
        if root["type"] != "object":  # even ["object"]: providers want the one word at the root
            root["type"] = "object"
            log.add("", f"narrowed root type {short(node.get('type'))} to object")
    else:
        root = _wrap(root)
        log.add(
            "",
            f"root type {short(node.get('type'))} is not object: wrapped as {WRAPPED_PROPERTY!r}",
        )
        structural = True
    if not isinstance(root.get("properties"), dict):
        root["properties"] = {}
        log.add("", 'added "properties": {}')
    return root, structural


def _wrap(node: dict[str, Any]) -> dict[str, Any]:
    outer: dict[str, Any] = {"type": "object"}
    if isinstance(node.get("description"), str):
        outer["description"] = node["description"]
    outer["properties"] = {WRAPPED_PROPERTY: node}
    outer["required"] = [WRAPPED_PROPERTY]
    return outer


def _merge_branches(node: dict[str, Any], key: str, branches: list[Any]) -> dict[str, Any]:
    merged = {k: v for k, v in node.items() if k != key}
    merged["type"] = "object"
    properties: dict[str, Any] = {}
    required: list[str] | None = None
    for branch in branches:
        listed = branch.get("properties")
        for name, sub in (listed if isinstance(listed, dict) else {}).items():
            properties.setdefault(name, sub)
        names = branch.get("required")
        names = [n for n in names if isinstance(n, str)] if isinstance(names, list) else []
        required = names if required is None else [n for n in required if n in names]
    merged["properties"] = properties
    if required:
        merged["required"] = required
    else:
        merged.pop("required", None)
    return merged
