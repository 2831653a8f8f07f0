"""The shared conversion pipeline: rewrite every node while inlining refs, then fix the root."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bridge.schema.changes import ChangeLog
from bridge.schema.refs import RefInliner, Rewrite
from bridge.schema.root import object_root

__all__ = ["Outcome", "run"]


@dataclass(frozen=True, slots=True)
class Outcome:
    """A converted schema, its log, and what a strict dialect needs to judge it."""

    schema: dict[str, Any]
    log: ChangeLog
    unresolved: tuple[str, ...]
    restructured: bool


def run(schema: Any, rewrite: Rewrite, *, keep_cycles: bool) -> Outcome:
    """Convert ``schema`` with ``rewrite`` applied to every node, local refs inlined.

    Recursive refs end up in a new root ``$defs`` when ``keep_cycles``, else are cut.
    """
    log = ChangeLog()
    if type(schema) is not dict and isinstance(schema, Mapping):
        schema = dict(schema)
    inliner = RefInliner(schema, rewrite, log, keep_cycles=keep_cycles)
    converted = inliner.visit(schema, "")
    root, restructured = object_root(converted, log)
    defs = inliner.finish()
    if defs:
        root["$defs"] = defs
    return Outcome(root, log, tuple(inliner.unresolved), restructured)
