"""Tool arguments are checked against the original schema by validators compiled once."""

from __future__ import annotations

from typing import Any

import pytest

from bridge.validation import MAX_ERRORS, ArgumentValidator, ValidatorCache, format_for_model
from tests.bridge.schema_corpus import HARD_CASES, NPM_TOOLS

SEARCH: dict[str, Any] = {
    "type": "object",
    "properties": {
        "query": {"type": "string"},
        "limit": {"type": "integer", "minimum": 1},
        "order": {"enum": ["asc", "desc"]},
        "filter": {
            "type": "object",
            "properties": {"tags": {"type": "array", "items": {"type": "string"}}},
        },
    },
    "required": ["query"],
}


def npm(name: str) -> dict[str, Any]:
    return next(t["inputSchema"] for _, t in NPM_TOOLS if t["name"] == name)


def test_valid_arguments_pass() -> None:
    validator = ArgumentValidator.for_schema(SEARCH)
    assert validator.errors({"query": "cats", "limit": 3, "order": "asc"}) == []
    assert not validator.degraded


def test_missing_required_property_is_reported_at_the_root() -> None:
    errors = ArgumentValidator.for_schema(SEARCH).errors({"limit": 3})
    assert errors == ["$: 'query' is a required property"]


def test_wrong_type_names_the_path_and_the_expected_type() -> None:
    errors = ArgumentValidator.for_schema(SEARCH).errors({"query": "x", "limit": "x"})
    assert errors == ["$.limit: 'x' is not of type 'integer'"]


def test_nested_path_appears_in_the_message() -> None:
    errors = ArgumentValidator.for_schema(SEARCH).errors(
        {"query": "x", "filter": {"tags": ["ok", 7]}}
    )
    assert errors == ["$.filter.tags[1]: 7 is not of type 'string'"]


def test_enum_violation_lists_the_allowed_values() -> None:
    errors = ArgumentValidator.for_schema(SEARCH).errors({"query": "x", "order": "up"})
    assert errors == ["$.order: 'up' is not one of ['asc', 'desc']"]


@pytest.mark.parametrize(
    ("arguments", "kind"), [([1, 2], "array"), ("q", "string"), (None, "null")]
)
def test_arguments_that_are_not_an_object_give_one_clear_error(arguments: Any, kind: str) -> None:
    errors = ArgumentValidator.for_schema(SEARCH).errors(arguments)
    assert errors == [f"$: the arguments must be a JSON object, not {kind}"]


def test_errors_are_capped() -> None:
    schema = {"type": "object", "properties": {f"p{i}": {"type": "integer"} for i in range(30)}}
    errors = ArgumentValidator.for_schema(schema).errors({f"p{i}": "x" for i in range(30)})
    assert len(errors) == MAX_ERRORS


def test_invalid_schema_degrades_to_accepting_with_a_note() -> None:
    validator = ArgumentValidator.for_schema({"type": "object", "properties": {"a": {"type": 5}}})
    assert validator.degraded
    assert "invalid" in validator.note
    assert validator.errors({"a": "anything"}) == []
    assert validator.errors([]) != []  # the object guard still holds


def test_unresolvable_ref_degrades_when_first_met() -> None:
    schema = next(t["inputSchema"] for t in HARD_CASES if t["name"] == "unresolvable-ref")
    validator = ArgumentValidator.for_schema(schema)
    assert validator.errors({"remote": 1}) == []
    assert validator.degraded and "cannot be applied" in validator.note


def test_draft7_schema_uses_draft7_semantics() -> None:
    # draft 7 "items" as a list is tuple validation; 2020-12 would reject the schema shape.
    schema = {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "type": "object",
        "properties": {
            "point": {"type": "array", "items": [{"type": "number"}, {"type": "string"}]}
        },
    }
    validator = ArgumentValidator.for_schema(schema)
    assert not validator.degraded
    assert validator.errors({"point": [1, "a"]}) == []
    assert validator.errors({"point": [1, 2]}) == ["$.point[1]: 2 is not of type 'string'"]


def test_npm_draft7_schema_validates_real_arguments() -> None:
    validator = ArgumentValidator.for_schema(npm("get-sum"))
    assert validator.errors({"a": 1, "b": 2.5}) == []
    assert validator.errors({"a": 1}) == ["$: 'b' is a required property"]


def test_cheap_formats_are_checked_and_unknown_formats_pass() -> None:
    schema = {
        "type": "object",
        "properties": {
            "mail": {"type": "string", "format": "email"},
            "when": {"type": "string", "format": "date-time"},
            "url": {"type": "string", "format": "uri"},
            "odd": {"type": "string", "format": "x-custom"},
        },
    }
    validator = ArgumentValidator.for_schema(schema)
    ok = {"mail": "a@b.c", "when": "2025-01-02T03:04:05Z", "url": "not a uri", "odd": "?"}
    assert validator.errors(ok) == []
    bad = validator.errors({"mail": "nope", "when": "yesterday"})
    assert [e.split(":")[0] for e in bad] == ["$.mail", "$.when"]


def test_compiled_validator_is_reused_from_the_cache() -> None:
    cache = ValidatorCache()
    schema = npm("echo")
    first = cache.get("everything", "echo", schema)
    assert cache.get("everything", "echo", schema) is first
    assert cache.get("everything", "echo", dict(schema)) is not first  # relisted: new schema
    again = cache.get("everything", "echo", schema)
    cache.forget("everything")
    assert cache.get("everything", "echo", schema) is not again


def test_model_error_text_says_what_was_wrong_and_invites_a_retry() -> None:
    errors = ArgumentValidator.for_schema(SEARCH).errors({"limit": 0})
    text = format_for_model("docs__search", errors)
    assert '"docs__search"' in text
    assert "- $: 'query' is a required property" in text
    assert "- $.limit: 0 is less than the minimum of 1" in text
    assert "call the tool again" in text


def test_a_schema_nested_too_deeply_to_check_accepts_everything_and_says_so():
    schema: dict = {"type": "object"}
    for _ in range(5000):
        schema = {"type": "object", "properties": {"x": schema}}

    validator = ArgumentValidator.for_schema(schema)

    assert validator.degraded and "nested too deeply" in validator.note
    assert validator.errors({"x": 1}) == []
