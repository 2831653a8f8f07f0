"""What each dialect conversion changes, and that it says so in ``changes``."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from bridge.schema import DIALECTS, WRAPPED_PROPERTY, Conversion, StrictSchemaError, convert
from tests.bridge.schema_corpus import HARD_CASES, NPM_TOOLS


def case(name: str) -> dict[str, Any]:
    return next(t["inputSchema"] for t in HARD_CASES if t["name"] == name)


def npm(name: str) -> dict[str, Any]:
    return next(t["inputSchema"] for _, t in NPM_TOOLS if t["name"] == name)


def test_unknown_dialect_raises_value_error_listing_the_known_ones() -> None:
    with pytest.raises(ValueError, match="gemini, ollama, openai, openai-strict"):
        convert({"type": "object"}, "anthropic")


def test_registry_holds_the_four_dialects() -> None:
    assert set(DIALECTS) == {"openai", "openai-strict", "gemini", "ollama"}


def test_conversion_is_a_frozen_dataclass() -> None:
    result = convert({"type": "object"}, "openai")
    assert isinstance(result, Conversion)
    with pytest.raises(AttributeError):
        result.schema = {}  # type: ignore[misc]


def test_dropped_format_is_reported_with_its_pointer() -> None:
    result = convert(npm("gzip-file-as-resource"), "ollama")
    assert '/properties/data: dropped "format": "uri"' in result.changes
    assert "format" not in result.schema["properties"]["data"]


def test_openai_keeps_a_well_formed_schema_as_is() -> None:
    schema = npm("get-sum")
    result = convert(schema, "openai")
    assert result.schema == schema
    assert result.changes == ()


def test_gemini_strips_dollar_metadata_everywhere() -> None:
    result = convert(case("metadata-keywords"), "gemini")
    assert "$schema" not in result.schema and "$id" not in result.schema
    assert "$comment" not in result.schema["properties"]["q"]
    assert '/properties/q: dropped "$comment": "search text"' in result.changes


def test_local_refs_are_inlined_with_sibling_annotations_kept() -> None:
    result = convert(case("refs-defs"), "gemini")
    home = result.schema["properties"]["home"]
    assert home["description"] == "Home address"
    assert home["properties"]["street"] == {"type": "string"}
    assert "$defs" not in result.schema
    assert '/properties/home: inlined $ref "#/$defs/Address"' in result.changes


def test_recursive_ref_stays_a_ref_into_root_defs_for_gemini() -> None:
    result = convert(case("recursive-tree"), "gemini")
    items = result.schema["properties"]["root"]["properties"]["children"]["items"]
    assert items == {"$ref": "#/$defs/Node"}
    assert result.schema["$defs"]["Node"]["properties"]["children"]["items"] == items


def test_recursive_ref_is_cut_for_ollama_with_a_note() -> None:
    result = convert(case("recursive-tree"), "ollama")
    items = result.schema["properties"]["root"]["properties"]["children"]["items"]
    assert items == {"type": "object"}
    assert any("cut recursive $ref" in line for line in result.changes)


def test_self_reference_to_the_root_terminates() -> None:
    for dialect in ("gemini", "ollama", "openai-strict"):
        result = convert(case("recursive-root"), dialect)
        assert result.schema["properties"]["field"]["type"] == "string"


def test_shared_definitions_do_not_blow_up_the_output() -> None:
    result = convert(case("shared-defs-blowup"), "gemini")
    assert len(str(result.schema)) < 100_000
    assert result.schema["$defs"]  # past the inlining budget, refs stay refs


def test_escaped_property_names_get_escaped_pointers() -> None:
    result = convert(case("escaped-names"), "ollama")
    assert '/properties/a~1b: dropped "format": "uri"' in result.changes
    assert result.schema["properties"]["c~d"] == {"type": "integer"}


@pytest.mark.parametrize("dialect", sorted(DIALECTS))
def test_missing_properties_are_added_at_the_root(dialect: str) -> None:
    result = convert({"type": "object"}, dialect)
    assert result.schema["properties"] == {}


@pytest.mark.parametrize("dialect", ["openai", "gemini", "ollama"])
def test_non_object_root_is_wrapped_with_a_note(dialect: str) -> None:
    result = convert(case("root-string"), dialect)
    assert result.schema["properties"][WRAPPED_PROPERTY]["type"] == "string"
    assert result.schema["required"] == [WRAPPED_PROPERTY]
    assert any("wrapped" in line for line in result.changes)


def test_root_union_of_objects_is_merged_keeping_common_requirements() -> None:
    result = convert(case("root-anyof-objects"), "openai")
    assert set(result.schema["properties"]) == {"id", "name", "verbose"}
    assert "required" not in result.schema
    assert "anyOf" not in result.schema


def test_ollama_keeps_only_the_keywords_its_server_keeps() -> None:
    result = convert(case("const-values"), "ollama")
    assert result.schema["properties"]["version"] == {"enum": ["v1"]}
    result = convert(case("oneof-disjoint-types"), "ollama")
    assert "anyOf" in result.schema["properties"]["id"]
    result = convert(case("allof-objects"), "ollama")
    assert result.schema["properties"]["item"]["required"] == ["id", "name"]


def test_strict_makes_optional_properties_required_and_nullable() -> None:
    result = convert(npm("read_file"), "openai-strict")
    schema = result.schema
    assert schema["required"] == ["path", "tail", "head"]
    assert schema["additionalProperties"] is False
    assert schema["properties"]["tail"]["type"] == ["number", "null"]
    assert schema["properties"]["path"]["type"] == "string"
    assert any("nullable" in line for line in result.changes)


def test_strict_moves_defaults_into_descriptions_and_drops_unsupported_formats() -> None:
    result = convert(npm("gzip-file-as-resource"), "openai-strict")
    data = result.schema["properties"]["data"]
    assert "default" not in data and "format" not in data
    assert "(default: " in data["description"]
    assert any("not a strict-mode format" in line for line in result.changes)


def test_strict_recursion_uses_defs_and_nullable_refs() -> None:
    result = convert(case("mutual-recursion"), "openai-strict")
    inner = result.schema["properties"]["a"]["properties"]["b"]["properties"]["a"]
    assert inner == {"anyOf": [{"$ref": "#/$defs/A"}, {"type": "null"}]}
    assert "A" in result.schema["$defs"]


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("additional-properties-schema", "additionalProperties with a schema"),
        ("free-form-nested", "free-form object"),
        ("oneof-objects", "oneOf"),
        ("pattern-properties", "patternProperties"),
        ("string-constraints", "minLength"),
        ("deep-nesting", "nested deeper"),
        ("unresolvable-ref", "unresolvable $ref"),
        ("root-string", "root is not an object"),
        ("required-undeclared", "not among the properties"),
    ],
)
def test_strict_refuses_when_the_meaning_would_change(name: str, reason: str) -> None:
    with pytest.raises(StrictSchemaError) as caught:
        convert(case(name), "openai-strict")
    assert any(reason in line for line in caught.value.reasons), caught.value.reasons
    assert "strict mode is not possible" in str(caught.value)


@pytest.mark.parametrize("dialect", sorted(DIALECTS))
def test_conversion_never_mutates_the_input(dialect: str) -> None:
    for name in ("refs-defs", "recursive-tree", "root-anyof-objects", "defaults", "allof-objects"):
        schema = case(name)
        before = copy.deepcopy(schema)
        try:
            convert(schema, dialect)
        except StrictSchemaError:
            pass
        assert schema == before, name
