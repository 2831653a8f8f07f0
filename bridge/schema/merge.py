"""Folding ``allOf`` branches into their parent when that keeps the meaning."""

from __future__ import annotations

from typing import Any

__all__ = ["merge_all_of"]

_ANNOTATIONS = frozenset({"title", "description", "default", "examples", "$comment"})


def merge_all_of(node: dict[str, Any]) -> dict[str, Any] | None:
    """``node`` with its ``allOf`` branches folded in, or None when two branches conflict.

    Properties are united (the same name must carry the same schema), ``required`` lists are
    united, any other keyword must be equal wherever it appears; the parent's annotations win.
    """
    parts = node.get("allOf")
    if not isinstance(parts, list):
        return None
    merged = {k: v for k, v in node.items() if k != "allOf"}
    for part in parts:
        if part is True or part == {}:
            continue
        if not isinstance(part, dict) or "$ref" in part:
            return None
        for key, value in part.items():
            if key not in merged or merged[key] == value:
                merged[key] = value
            elif key == "properties" and isinstance(value, dict):
                mine = merged[key]
                if not isinstance(mine, dict):
                    return None
                if any(name in mine and mine[name] != sub for name, sub in value.items()):
                    return None
                merged[key] = {**mine, **value}
            elif key == "required" and isinstance(value, list):
                mine = merged[key]
                if not isinstance(mine, list):
                    return None
                # list lookups, not a set: a hostile schema may list unhashable names
                merged[key] = [*mine, *(name for name in value if name not in mine)]
            elif key in _ANNOTATIONS:
                continue
            else:
                return None
    return merged
