"""Property-based fuzzing of the schema converters, every dialect, on hostile schemas.

Schemas are built from JSON Schema's own keywords, with subschemas, local ``$ref``s that may
recurse, deep nesting and values of the wrong type for each keyword. Every conversion either
succeeds with a JSON-ready object root, or raises one of the documented errors; a strict
conversion that succeeds obeys strict mode; the input is never changed.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bridge.schema import DIALECTS, SchemaError, StrictSchemaError, convert, convert_lenient

FUZZ = settings(
    max_examples=120, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)

scalars = (
    st.none()
    | st.booleans()
    | st.integers(-5, 5)
    | st.floats(allow_nan=False)
    | st.text(max_size=6)
)
junk = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3)
    ),
    max_leaves=6,
)
REFS = [
    "#",
    "#/$defs/a",
    "#/$defs/b",
    "#/definitions/a",
    "#/properties/x",
    "#/nope",
    "other.json",
    "#/$defs/a/properties/x",
]
TYPES = ["object", "array", "string", "integer", "number", "boolean", "null"]
NAMES = st.sampled_from(["x", "y", "a/b", "~0", "", "properties", "$ref"])
ANNOTATION_KEYS = ["title", "description", "default", "examples", "$comment", "$id", "$schema"]
VALUE_KEYS = [
    "minLength",
    "maxLength",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "pattern",
    "format",
    "enum",
    "const",
    "multipleOf",
    "minItems",
    "maxItems",
    "uniqueItems",
    "minProperties",
    "required",
]


def schema_from(inner: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """One schema node whose subschemas come from ``inner`` (or are junk)."""
    sub = inner | junk
    return st.fixed_dictionaries(
        {},
        optional={
            "type": st.sampled_from(TYPES) | st.lists(st.sampled_from(TYPES), max_size=3) | junk,
            "properties": st.dictionaries(NAMES, sub, max_size=3) | junk,
            "required": st.lists(NAMES, max_size=3) | junk,
            "additionalProperties": st.booleans() | sub,
            "items": sub | st.lists(sub, max_size=2),
            "anyOf": st.lists(sub, max_size=3) | junk,
            "oneOf": st.lists(sub, max_size=3) | junk,
            "allOf": st.lists(sub, max_size=3) | junk,
            "not": sub,
            "if": sub,
            "then": sub,
            "$ref": st.sampled_from(REFS) | junk,
            "$defs": st.dictionaries(st.sampled_from(["a", "b"]), sub, max_size=2) | junk,
            "definitions": st.dictionaries(st.just("a"), sub, max_size=1),
            "patternProperties": st.dictionaries(NAMES, sub, max_size=2) | junk,
            "prefixItems": st.lists(sub, max_size=2) | junk,
            **{key: junk | st.text(max_size=5) for key in ANNOTATION_KEYS},
            **dict.fromkeys(VALUE_KEYS, junk),
        },
    )


schemas = st.recursive(st.booleans() | schema_from(st.nothing()), schema_from, max_leaves=12)
roots = schemas | junk


def deep(levels: int, keyword: str = "properties") -> dict[str, Any]:
    """A schema nested ``levels`` deep through ``keyword``."""
    node: dict[str, Any] = {"type": "string"}
    for _ in range(levels):
        if keyword == "properties":
            node = {"type": "object", "properties": {"x": node}}
        elif keyword == "items":
            node = {"type": "array", "items": node}
        else:
            node = {keyword: [node]}
    return node


STRICT_KEYWORDS = frozenset(
    {
        "type", "properties", "required", "additionalProperties", "items", "anyOf", "enum",
        "description", "title", "$ref", "pattern", "format", "minimum", "maximum",
        "exclusiveMinimum", "exclusiveMaximum", "multipleOf", "minItems", "maxItems", "$defs",
    }
)  # fmt: skip


def strict_violations(root: dict[str, Any]) -> list[str]:
    """Where a schema breaks OpenAI's strict-mode rules (empty when it obeys them)."""
    found: list[str] = []
    defs = root.get("$defs", {})

    def check(node: Any, where: str) -> None:
        if not isinstance(node, dict):
            found.append(f"{where}: not a schema object")
            return
        extra = set(node) - STRICT_KEYWORDS
        if extra:
            found.append(f"{where}: keywords {sorted(extra)}")
        ref = node.get("$ref")
        if ref is not None:
            if len(node) > 1:
                found.append(f"{where}: siblings of $ref")
            if not (isinstance(ref, str) and (ref == "#" or ref.removeprefix("#/$defs/") in defs)):
                found.append(f"{where}: $ref {ref!r} leads nowhere")
            return
        kind = node.get("type")
        kinds = kind if isinstance(kind, list) else [kind]
        if "object" in kinds:
            properties = node.get("properties")
            if not isinstance(properties, dict):
                found.append(f"{where}: object without properties")
                properties = {}
            if node.get("additionalProperties") is not False:
                found.append(f"{where}: additionalProperties is not false")
            if node.get("required") != list(properties):
                found.append(f"{where}: not every property is required")
            for name, sub in properties.items():
                check(sub, f"{where}/properties/{name}")
        if "array" in kinds:
            check(node.get("items"), f"{where}/items")
        if kind is None and "anyOf" not in node and "enum" not in node:
            found.append(f"{where}: no type")
        for index, branch in enumerate(node.get("anyOf") or []):
            check(branch, f"{where}/anyOf/{index}")

    check(root, "")
    if "anyOf" in root or root.get("type") != "object":
        found.append("/: the root is not a plain object")
    for name, sub in defs.items():
        check(sub, f"/$defs/{name}")
    return found


def assert_converts_or_refuses(schema: Any) -> None:
    before = json.loads(json.dumps(schema))  # deepcopy itself recurses too deeply
    for dialect in DIALECTS:
        try:
            conversion = convert(schema, dialect)
        except StrictSchemaError:
            assert dialect == "openai-strict"
            conversion = None
        except SchemaError:
            conversion = None
        if conversion is not None:
            assert conversion.schema.get("type") == "object"
            assert isinstance(conversion.schema.get("properties"), dict)
            json.dumps(conversion.schema)  # JSON-ready: no cycles, nothing exotic
            assert all(isinstance(line, str) for line in conversion.changes)
            if dialect == "openai-strict":
                assert conversion.strict
                assert strict_violations(conversion.schema) == [], conversion.schema
            else:
                assert not conversion.strict
        lenient = convert_lenient(schema, dialect)  # never raises
        assert lenient.schema.get("type") == "object"
        json.dumps(lenient.schema)
    assert schema == before, "the input schema was changed"


@FUZZ
@given(roots)
@example({"$ref": "#"})
@example({"type": "object", "properties": {"x": {"$ref": "#"}}})
@example({"$defs": {"a": {"$ref": "#/$defs/b"}, "b": {"$ref": "#/$defs/a"}}, "$ref": "#/$defs/a"})
@example({"anyOf": [{"type": "object", "properties": [1]}, {"type": "object", "required": 3}]})
@example({"type": "object", "properties": {"x": {"type": "object"}}, "additionalProperties": True})
@example({"type": "object", "properties": {"s": {"type": "string", "minLength": 1}}})
@example({"format": []})
@example({"required": [[]]})
@example({"required": None, "allOf": [{"type": "object", "required": ["a"]}]})
@example({"type": ["object"]})
def test_every_dialect_converts_or_refuses_any_schema_with_a_documented_error(schema):
    assert_converts_or_refuses(schema)


def test_deeply_nested_schemas_convert_or_are_refused_without_a_recursion_error():
    # About 950 levels of JSON is as deep as json.loads decodes, so as deep as a server sends;
    # a level of schema takes one level of JSON through "items", two through the others.
    for keyword, cost in (("properties", 2), ("items", 1), ("anyOf", 2), ("allOf", 2)):
        for json_levels in (50, 400, 950):
            assert_converts_or_refuses(deep(json_levels // cost, keyword))
