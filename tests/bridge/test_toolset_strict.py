"""Strict tool specs: ``strict`` is set only on schemas that obey OpenAI's strict mode."""

from __future__ import annotations

import sys
from pathlib import Path

from bridge.schema import convert, convert_lenient
from config.schema import ServerConfig
from tests.fakes import toolbox_fleet

SERVER = Path(__file__).parents[1] / "faults" / "hostile_rpc_server.py"

BOUNDED = {
    "type": "object",
    "properties": {"name": {"type": "string", "minLength": 1, "maxLength": 20}},
    "required": ["name"],
}
FREE_FORM = {"type": "object", "properties": {"options": {"type": "object"}}}
A_MAP = {
    "type": "object",
    "properties": {"env": {"type": "object", "additionalProperties": {"type": "string"}}},
}
STRICT_ABLE = {"type": "object", "properties": {"q": {"type": "string"}}, "required": ["q"]}


def test_a_schema_with_a_strict_form_converts_strict():
    conversion = convert_lenient(STRICT_ABLE, "openai-strict")
    assert conversion.strict
    assert conversion.schema["additionalProperties"] is False


def test_a_schema_without_a_strict_form_comes_back_plain_with_the_reasons():
    for schema, reason in [
        (BOUNDED, '"minLength" is not supported in strict mode'),
        (FREE_FORM, "a free-form object (no properties) has no strict form"),
        (A_MAP, "additionalProperties with a schema (a map) has no strict form"),
    ]:
        conversion = convert_lenient(schema, "openai-strict")
        assert not conversion.strict
        assert conversion.schema == convert(schema, "openai").schema
        assert any(reason in line and "sent non-strict" in line for line in conversion.changes)


def test_other_dialects_are_never_marked_strict():
    for dialect in ("openai", "gemini", "ollama"):
        assert not convert_lenient(STRICT_ABLE, dialect).strict


async def test_tool_specs_are_strict_one_by_one_not_for_the_whole_fleet(tmp_path):
    config = ServerConfig.model_validate(
        {"command": sys.executable, "args": [str(SERVER), "strict-mix", str(tmp_path / "pid")]}
    )
    async with toolbox_fleet(mix=config) as toolset:
        specs = {spec.name: spec for spec in toolset.specs("openai-strict")}
    assert {name: spec.strict for name, spec in specs.items()} == {
        "mix__plain": True,
        "mix__bounded": False,
        "mix__freeform": False,
    }
    assert specs["mix__bounded"].parameters["properties"]["a"]["minLength"] == 1
