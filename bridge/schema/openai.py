"""OpenAI function parameters, non-strict: the schema as is, with an object root."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bridge.schema.changes import ChangeLog, Conversion
from bridge.schema.pipeline import run
from bridge.schema.root import needs_restructuring, object_root
from bridge.schema.walk import Visit, map_children

__all__ = ["convert_openai"]

_DEFINITIONS = frozenset({"$defs", "definitions"})


def _never(node: Any) -> bool:
    # only restructured roots come here (rare): no need to skip anything
    return False


def _drop_definitions(node: Any, pointer: str, visit: Visit, log: ChangeLog) -> Any:
    if not isinstance(node, dict):
        return node
    if not _DEFINITIONS.isdisjoint(node):
        node = {k: v for k, v in node.items() if k not in _DEFINITIONS}
        log.add(pointer, "removed definitions (their refs are inlined)")
    return map_children(node, pointer, visit, _never)


def convert_openai(schema: Mapping[str, Any]) -> Conversion:
    """Convert a tool's input schema for OpenAI function calling without ``strict``.

    OpenAI takes JSON Schema nearly whole; only the root must be an object with
    ``properties``. When the root has to be restructured, local refs are inlined first so
    that they still point somewhere.
    """
    if needs_restructuring(schema):
        root, log, _, _ = run(schema, _drop_definitions, keep_cycles=True)
        return log.conversion(root)
    log = ChangeLog()
    root, _ = object_root(schema, log)
    return log.conversion(root)
