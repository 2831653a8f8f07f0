"""config/interpolate.py: ${VAR}, ${VAR:-default}, $$ and the secrets they leave."""

from __future__ import annotations

import pytest

from config import ConfigError, load, masked
from config.document import parse
from config.interpolate import interpolate


def test_a_set_variable_is_substituted_and_its_path_recorded_as_secret():
    doc = parse("servers:\n  r:\n    headers:\n      Authorization: Bearer ${TOKEN}\n", "a.yaml")
    data, secrets, problems = interpolate(doc, {"TOKEN": "t0k"})
    assert data["servers"]["r"]["headers"]["Authorization"] == "Bearer t0k"
    assert secrets == {("servers", "r", "headers", "Authorization")}
    assert problems == []


def test_a_default_applies_when_the_variable_is_unset_or_empty(write):
    path = write("""
        providers:
          ollama: {base_url: "${OLLAMA_HOST:-http://localhost:11434}"}
        """)
    assert load(path, env={}).providers.ollama.base_url == "http://localhost:11434"
    assert load(path, env={"OLLAMA_HOST": ""}).providers.ollama.base_url == (
        "http://localhost:11434"
    )
    config = load(path, env={"OLLAMA_HOST": "http://gpu:11434"})
    assert config.providers.ollama.base_url == "http://gpu:11434"


def test_a_default_written_in_the_file_is_not_a_secret(write):
    path = write('agent: {system: "${PERSONA:-You are terse.}"}\n')
    config = load(path, env={})
    assert config.agent.system == "You are terse."
    assert masked(config)["agent"]["system"] == "You are terse."


def test_double_dollar_is_a_literal_dollar_and_a_lone_dollar_stays():
    doc = parse('a: "$${HOME} costs $5"\n', "a.yaml")
    data, secrets, problems = interpolate(doc, {"HOME": "/root"})
    assert data == {"a": "${HOME} costs $5"}
    assert (secrets, problems) == (set(), [])


def test_an_unset_variable_names_file_line_column_key_and_what_to_set(write, monkeypatch):
    monkeypatch.chdir(write("").parent)
    write("""
        servers:
          remote:
            url: https://example.com/mcp
            headers:
              Authorization: "Bearer ${GITHUB_TOKEN}"
        """)
    with pytest.raises(ConfigError) as caught:
        load("agent.yaml", env={})
    assert str(caught.value) == (
        "agent.yaml:5:22: servers.remote.headers.Authorization: ${GITHUB_TOKEN} is not set; "
        "set GITHUB_TOKEN in the environment, or give a default: ${GITHUB_TOKEN:-value}"
    )
    assert caught.value.key == "servers.remote.headers.Authorization"


def test_a_malformed_reference_is_an_error(write):
    path = write('agent: {system: "${1BAD}"}\n')
    with pytest.raises(ConfigError, match=r"malformed variable reference; write \$\{NAME\}"):
        load(path, env={})


def test_variables_are_substituted_in_list_items_and_the_model(write):
    path = write("""
        model: ${MODEL}
        servers:
          fs: {command: npx, args: [-y, "${PKG}", "${DIR:-.}"]}
        """)
    config = load(path, env={"MODEL": "gemini:gemini-2.5-flash", "PKG": "server-fs"})
    assert config.model == "gemini:gemini-2.5-flash"
    assert config.servers["fs"].args == ("-y", "server-fs", ".")
    assert ("servers", "fs", "args", 1) in config.secret_paths
    assert ("servers", "fs", "args", 2) not in config.secret_paths


def test_a_number_from_a_variable_fills_a_number_field(write):
    path = write("agent: {max_turns: '${TURNS:-7}'}\n")
    assert load(path, env={}).agent.max_turns == 7
    assert load(path, env={"TURNS": "12"}).agent.max_turns == 12
