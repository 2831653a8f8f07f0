"""Converted schemas checked offline by the providers' own SDK models and helpers."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from google.genai import types
from openai.lib._pydantic import _ensure_strict_json_schema

from bridge.schema import StrictSchemaError, convert
from tests.bridge.schema_corpus import CORPUS, CORPUS_IDS, NPM_TOOLS, nodes

# The keywords google-genai's typed JSONSchema models (its view of what Gemini understands).
GENAI_KEYWORDS = {f.alias or name for name, f in types.JSONSchema.model_fields.items()}


def _within_genai_subset(schema: dict[str, Any]) -> bool:
    return all(set(node) <= GENAI_KEYWORDS for _, node in nodes(schema))


@pytest.mark.parametrize(("source", "tool"), CORPUS, ids=CORPUS_IDS)
def test_gemini_output_is_accepted_by_the_genai_models(source: str, tool: dict[str, Any]) -> None:
    schema = convert(tool["inputSchema"], "gemini").schema
    declaration = types.FunctionDeclaration(
        name="tool", description=tool.get("description"), parameters_json_schema=schema
    )
    assert declaration.parameters_json_schema == schema
    if _within_genai_subset(schema):
        parsed = types.JSONSchema.model_validate(schema)
        if "$defs" not in schema:  # the SDK's typed conversion re-expands every ref: slow
            typed = types.Schema.from_json_schema(json_schema=parsed)
            assert typed.type == types.Type.OBJECT


def test_the_whole_npm_corpus_fits_the_genai_schema_subset() -> None:
    for _, tool in NPM_TOOLS:
        schema = convert(tool["inputSchema"], "gemini").schema
        assert _within_genai_subset(schema), tool["name"]
        types.JSONSchema.model_validate(schema)


def test_gemini_typed_schema_rejects_what_the_dialect_strips() -> None:
    # Why "$schema" must go: the typed models forbid unknown keys.
    with pytest.raises(ValueError):
        types.JSONSchema.model_validate({"$schema": "x", "type": "object", "properties": {}})
    tool = next(t for _, t in NPM_TOOLS if t["name"] == "echo")
    types.Schema.model_validate(convert(tool["inputSchema"], "gemini").schema)


def _has_strict_form(tool: dict[str, Any]) -> bool:
    try:
        convert(tool["inputSchema"], "openai-strict")
    except StrictSchemaError:
        return False
    return True


# Schemas with no strict form are covered by the corpus tests of StrictSchemaError.
STRICT = [
    (case, case_id)
    for case, case_id in zip(CORPUS, CORPUS_IDS, strict=True)
    if _has_strict_form(case[1])
]


@pytest.mark.parametrize(("source", "tool"), [c for c, _ in STRICT], ids=[i for _, i in STRICT])
def test_strict_output_is_a_fixed_point_of_the_openai_strict_helper(
    source: str, tool: dict[str, Any]
) -> None:
    schema = convert(tool["inputSchema"], "openai-strict").schema
    # The SDK's helper makes a pydantic schema strict in place; ours must need nothing more.
    again = _ensure_strict_json_schema(copy.deepcopy(schema), path=(), root=copy.deepcopy(schema))
    assert again == schema
