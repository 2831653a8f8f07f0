"""The schema corpus (captured npm servers + hand-written hard cases) and a checking walk."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

SCHEMAS = Path(__file__).parent.parent / "data" / "schemas"
NPM_FILES = sorted(SCHEMAS.glob("npm-*.json"))


def _load(path: Path) -> list[dict[str, Any]]:
    return json.loads(path.read_text())


NPM_TOOLS = [(p.stem, t) for p in NPM_FILES for t in _load(p)]
HARD_CASES = _load(SCHEMAS / "hard-cases.json")
CORPUS = [*NPM_TOOLS, *(("hard-cases", t) for t in HARD_CASES)]
CORPUS_IDS = [f"{source}:{tool['name']}" for source, tool in CORPUS]

_MAPS = ("properties", "patternProperties", "$defs", "definitions", "dependentSchemas")
_LISTS = ("anyOf", "oneOf", "allOf", "prefixItems")
_SINGLES = (
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
)


def nodes(schema: Any, pointer: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every schema object in ``schema`` with its pointer (an independent walk for checking)."""
    if not isinstance(schema, dict):
        return
    yield pointer, schema
    for key in _MAPS:
        for name, sub in (schema.get(key) or {}).items():
            yield from nodes(sub, f"{pointer}/{key}/{name}")
    for key in _LISTS:
        for i, sub in enumerate(schema.get(key) or []):
            yield from nodes(sub, f"{pointer}/{key}/{i}")
    for key in _SINGLES:
        sub = schema.get(key)
        if isinstance(sub, list):
            for i, item in enumerate(sub):
                yield from nodes(item, f"{pointer}/{key}/{i}")
        else:
            yield from nodes(sub, f"{pointer}/{key}")
