"""config/document.py: YAML syntax errors and key positions."""

from __future__ import annotations

import pytest

from config import ConfigError, load
from config.document import parse


def test_bad_yaml_names_file_line_and_column(write, monkeypatch):
    monkeypatch.chdir(write("").parent)
    write("""
        model: openai:gpt-5-mini
        servers:
          fs:
            command: npx
             args: [x]
        """)
    with pytest.raises(ConfigError) as caught:
        load("agent.yaml", env={})
    assert caught.value.location == "agent.yaml:5:10"
    assert str(caught.value).startswith(
        "agent.yaml:5:10: invalid YAML: mapping values are not allowed here"
    )
    assert "fix the syntax" in str(caught.value)


def test_unclosed_bracket_reports_where_the_collection_started(write):
    path = write("servers:\n  fs:\n    args: [a, b\n")
    with pytest.raises(ConfigError, match=r"while parsing a flow sequence at line 3"):
        load(path, env={})


def test_a_key_given_twice_is_an_error_at_the_second(write):
    path = write("""
        servers:
          fs:
            command: a
            command: b
        """)
    with pytest.raises(ConfigError) as caught:
        load(path, env={})
    assert caught.value.location == f"{path}:4:5"
    assert caught.value.key == "servers.fs.command"
    assert "duplicate key 'command' (first given at line 3)" in str(caught.value)


def test_merge_keys_may_be_overridden_without_counting_as_duplicates():
    doc = parse("x: &base {command: npx, args: [a]}\ny:\n  <<: *base\n  command: uvx\n", "m.yaml")
    assert doc.data["y"] == {"command": "uvx", "args": ["a"]}
    assert doc.locate(("y", "command")) == "m.yaml:4:12"


def test_json_indented_with_tabs_loads(write):
    path = write('{\n\t"mcpServers": {\n\t\t"fs": {"command": "npx"}\n\t}\n}\n', "mcp.json")
    assert load(path, env={}).servers["fs"].command == "npx"


def test_positions_point_at_values_and_keys():
    doc = parse("servers:\n  fs:\n    args: [a, b]\n", "f.yaml")
    assert doc.locate(("servers", "fs", "args", 1)) == "f.yaml:3:15"
    assert doc.locate(("servers", "fs", "args")) == "f.yaml:3:11"
    assert doc.locate(("servers", "fs", "args"), at_key=True) == "f.yaml:3:5"
    assert doc.locate(("servers", "fs", "missing")) == "f.yaml:2:3"


def test_an_alias_inside_its_own_anchor_is_an_error_not_a_crash():
    with pytest.raises(ConfigError, match="alias used inside its own anchor"):
        parse("a: &x [*x]\n", "r.yaml")
