"""Local ``$ref`` resolution and inlining, keeping or cutting the references that recurse."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote

from bridge.schema.changes import ChangeLog, short
from bridge.schema.walk import Visit

__all__ = ["MISSING", "RefInliner", "Rewrite", "resolve"]

# A dialect's per-node rewrite: (node, pointer, visit for subschemas, log) -> converted node.
Rewrite = Callable[[Any, str, Visit, ChangeLog], Any]

MISSING: Any = object()
# Inlining a schema that reuses definitions many times can grow exponentially; past this many
# expansions the remaining refs are handled like recursive ones.
EXPANSION_BUDGET = 200
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9_.-]")


def resolve(root: Any, ref: str) -> Any:
    """The subschema a local ``$ref`` names in ``root``, or ``MISSING``.

    Handles ``#``, JSON pointers (``#/$defs/a``, escaped and percent-encoded) and refs that
    repeat the root's own ``$id``; remote documents and ``$anchor`` names are not resolved.
    """
    if not ref.startswith("#"):
        base = root.get("$id") if isinstance(root, dict) else None
        if not isinstance(base, str) or not ref.startswith(base.rstrip("#")):
            return MISSING
        ref = ref[len(base.rstrip("#")) :]
        if not ref.startswith("#"):
            return MISSING if ref else root
    fragment = unquote(ref[1:])
    if not fragment:
        return root
    if not fragment.startswith("/"):
        return MISSING
    node = root
    for raw in fragment[1:].split("/"):
        token = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and token in node:
            node = node[token]
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            return MISSING
    return node


class _Expansion:
    """What only a schema with refs needs while they are inlined (most tools have none)."""

    __slots__ = ("active", "count", "names", "pending", "resolved")

    def __init__(self, root: Any) -> None:
        self.active: set[int] = {id(root)}  # the targets being expanded, by id
        self.count = 0
        self.resolved: dict[str, Any] = {}
        self.names: dict[int, str] = {}  # a kept recursive target's name in the new $defs
        self.pending: list[tuple[str, Any]] = []  # kept targets finish() has to convert


class RefInliner:
    """Walks a schema with a dialect's rewrite, replacing each local ``$ref`` by its target.

    A ref met again while its own target is being expanded (recursion) is either kept as a
    ref into a fresh root ``$defs`` (``keep_cycles``) or cut to the target's bare ``type``.
    """

    __slots__ = ("_expansion", "defs", "keep_cycles", "log", "rewrite", "root", "unresolved")

    def __init__(self, root: Any, rewrite: Rewrite, log: ChangeLog, *, keep_cycles: bool) -> None:
        self.root = root
        self.rewrite = rewrite
        self.log = log
        self.keep_cycles = keep_cycles
        self.unresolved: list[str] = []
        self.defs: dict[str, Any] = {}
        self._expansion: _Expansion | None = None  # made at the first ref

    def visit(self, node: Any, pointer: str) -> Any:
        """Convert one subschema found at ``pointer``."""
        if type(node) is dict and "$ref" in node and isinstance(node["$ref"], str):
            return self._inline(node, pointer)
        return self.rewrite(node, pointer, self.visit, self.log)

    def finish(self) -> dict[str, Any]:
        """Convert the definitions kept for recursive refs; returns the new root ``$defs``."""
        state = self._expansion
        if state is None:
            return self.defs
        while state.pending:
            name, target = state.pending.pop(0)
            state.active = {id(target)}
            # visit, not rewrite: a target that is itself a $ref must be resolved too
            self.defs[name] = self.visit(target, f"/$defs/{name}")
        return self.defs

    def _inline(self, node: dict[str, Any], pointer: str) -> Any:
        ref: str = node["$ref"]
        siblings = {k: v for k, v in node.items() if k != "$ref"}
        state = self._expansion
        if state is None:
            state = self._expansion = _Expansion(self.root)
        target = state.resolved.get(ref, None)
        if target is None:
            target = state.resolved[ref] = resolve(self.root, ref)
        if target is MISSING:
            self.unresolved.append(ref)
            self.log.add(pointer, f"cannot resolve $ref {json.dumps(ref)}: left unconstrained")
            return self.visit(siblings, pointer)
        if id(target) in state.active or state.count >= EXPANSION_BUDGET:
            return self._recursive(state, ref, target, siblings, pointer)
        state.count += 1
        merged = {**target, **siblings} if siblings and isinstance(target, dict) else target
        state.active.add(id(target))
        try:
            out = self.visit(merged, pointer)
        finally:
            state.active.discard(id(target))
        self.log.add(pointer, f"inlined $ref {json.dumps(ref)}")
        return out

    def _recursive(
        self, state: _Expansion, ref: str, target: Any, siblings: dict[str, Any], pointer: str
    ) -> Any:
        if self.keep_cycles:
            name = self._def_name(state, ref, target)
            new_ref = f"#/$defs/{name}"
            self.log.add(pointer, f"kept recursive $ref {json.dumps(ref)} as {json.dumps(new_ref)}")
            rest = self.visit(siblings, pointer) if siblings else {}
            return {"$ref": new_ref, **rest} if isinstance(rest, dict) else {"$ref": new_ref}
        kind = target.get("type") if isinstance(target, dict) else None
        out: dict[str, Any] = {"type": kind} if isinstance(kind, (str, list)) else {}
        described = siblings.get("description")
        if described is None and isinstance(target, dict):
            described = target.get("description")
        if isinstance(described, str):
            out["description"] = described
        self.log.add(pointer, f"cut recursive $ref {json.dumps(ref)}: replaced by {short(out)}")
        return out

    def _def_name(self, state: _Expansion, ref: str, target: Any) -> str:
        name = state.names.get(id(target))
        if name is None:
            base = _UNSAFE_NAME.sub("_", unquote(ref.rsplit("/", 1)[-1]).lstrip("#")) or "root"
            name, n = base, 1
            while name in self.defs:
                n += 1
                name = f"{base}_{n}"
            state.names[id(target)] = name
            self.defs[name] = None  # reserve the name until finish() fills it
            state.pending.append((name, target))
        return name
