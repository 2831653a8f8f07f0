"""The shared conversion pipeline: rewrite every node while inlining refs, then fix the root."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bridge.schema.changes import ChangeLog
from bridge.schema.refs import RefInliner, Rewrite
from bridge.schema.root import object_root

__all__ = ["Outcome", "run"]

# A converted schema, its log, the local refs that could not be resolved, and whether the
# root had to be restructured (what a strict dialect needs to judge it). A plain tuple: this
# runs once per tool per dialect, where a dataclass costs a noticeable share of the time.
Outcome = tuple[dict[str, Any], ChangeLog, list[str], bool]


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
    if inliner.defs:
        root["$defs"] = inliner.finish()
    return root, log, inliner.unresolved, restructured
