"""Every corpus schema converts for every dialect, and each output obeys its dialect's rules."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from bridge.schema import DIALECTS, OLLAMA_KEYWORDS, STRICT_FORMATS, StrictSchemaError, convert
from tests.bridge.schema_corpus import CORPUS, CORPUS_IDS, NPM_FILES, NPM_TOOLS, nodes


def check_object_root(schema: dict[str, Any]) -> None:
    assert schema["type"] == "object"
    assert isinstance(schema["properties"], dict)
    json.dumps(schema)  # plain JSON, nothing else


def check_refs_point_into_root_defs(schema: dict[str, Any]) -> None:
    defs = schema.get("$defs", {})
    for pointer, node in nodes(schema):
        if "$ref" in node:
            ref = node["$ref"]
            assert ref.startswith("#/$defs/"), (pointer, ref)
            assert ref.removeprefix("#/$defs/") in defs, (pointer, ref)
        if pointer:
            assert "$defs" not in node and "definitions" not in node, pointer


def check_gemini(schema: dict[str, Any]) -> None:
    check_object_root(schema)
    check_refs_point_into_root_defs(schema)
    for pointer, node in nodes(schema):
        for key in ("$schema", "$id", "$comment"):
            assert key not in node, (pointer, key)


def check_ollama(schema: dict[str, Any]) -> None:
    check_object_root(schema)
    for pointer, node in nodes(schema):
        assert set(node) <= OLLAMA_KEYWORDS, (pointer, set(node) - OLLAMA_KEYWORDS)
        assert "$ref" not in node


def check_openai(schema: dict[str, Any]) -> None:
    check_object_root(schema)


def check_openai_strict(schema: dict[str, Any]) -> None:
    check_object_root(schema)
    check_refs_point_into_root_defs(schema)
    assert "anyOf" not in schema
    for pointer, node in nodes(schema):
        if "$ref" in node:
            assert set(node) == {"$ref"}, pointer
            continue
        assert "default" not in node, pointer
        assert not {"oneOf", "allOf", "const", "not", "if"} & set(node), pointer
        if "format" in node:
            assert node["format"] in STRICT_FORMATS, pointer
        if node.get("type") == "object" or "object" in (node.get("type") or []):
            assert node["additionalProperties"] is False, pointer
            assert node["required"] == list(node["properties"]), pointer
        elif "anyOf" not in node:
            assert "type" in node, pointer


CHECKS = {
    "openai": check_openai,
    "openai-strict": check_openai_strict,
    "gemini": check_gemini,
    "ollama": check_ollama,
}


def test_every_dialect_has_a_checker() -> None:
    assert set(CHECKS) == set(DIALECTS)


@pytest.mark.parametrize("dialect", sorted(DIALECTS))
@pytest.mark.parametrize(("source", "tool"), CORPUS, ids=CORPUS_IDS)
def test_corpus_schema_converts_and_obeys_the_dialect_rules(
    source: str, tool: dict[str, Any], dialect: str
) -> None:
    original = tool["inputSchema"]
    before = copy.deepcopy(original)
    try:
        conversion = convert(original, dialect)
    except StrictSchemaError as exc:
        assert dialect == "openai-strict"
        assert exc.reasons and all(": " in reason for reason in exc.reasons)
        assert tool.get("expect", {}).get("strict") is False, exc.reasons
        return
    finally:
        assert original == before, "the input schema was mutated"
    CHECKS[dialect](conversion.schema)
    assert all(isinstance(line, str) and line.startswith("/") for line in conversion.changes)
    if dialect == "openai-strict":
        assert tool.get("expect", {}).get("strict", True) is True


def test_npm_corpus_was_captured() -> None:
    names = {path.stem for path in NPM_FILES}
    assert names == {
        "npm-everything",
        "npm-filesystem",
        "npm-memory",
        "npm-sequential-thinking",
    }
    for _, tool in NPM_TOOLS:
        assert tool["name"] and isinstance(tool["inputSchema"], dict)


@pytest.mark.parametrize(("source", "tool"), NPM_TOOLS, ids=[t["name"] for _, t in NPM_TOOLS])
def test_npm_tools_all_have_a_strict_form(source: str, tool: dict[str, Any]) -> None:
    convert(tool["inputSchema"], "openai-strict")
