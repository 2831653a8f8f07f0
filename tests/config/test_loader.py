"""config/loader.py: discovery, the embedded default, and how problems are reported."""

from __future__ import annotations

import subprocess
import sys

import pytest

from config import ConfigError, default_config, find_config, load


@pytest.fixture
def in_tmp(tmp_path, monkeypatch):
    """Run in an empty directory with no AGENT_CONFIG and a private config home."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("AGENT_CONFIG", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    return tmp_path


def _fail(path, env=None) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        load(path, env={} if env is None else env)
    return caught.value


def test_unknown_key_lists_the_allowed_keys_and_suggests_the_closest(write, in_tmp):
    write("""
        servers:
          fs:
            comand: npx
        """)
    error = _fail("agent.yaml")
    assert str(error).startswith(
        "agent.yaml:3:5: servers.fs.comand: unknown key 'comand'; allowed keys: command, args,"
    )
    assert str(error).endswith("(did you mean 'command'?)")


def test_wrong_type_says_what_was_expected_and_what_came(write, in_tmp):
    write("""
        model: openai:gpt-5-mini
        agent:
          max_turns: 5
        servers:
          fs:
            command: npx
            args: x
        """)
    error = _fail("agent.yaml")
    assert (
        str(error)
        == 'agent.yaml:7:11: servers.fs.args: expected a list of strings, got a string "x"'
    )
    assert (error.location, error.key) == ("agent.yaml:7:11", "servers.fs.args")


def test_a_number_where_a_string_belongs_suggests_quotes(write):
    path = write("servers:\n  fs:\n    command: npx\n    env: {DEBUG: true}\n")
    assert "expected a string, got true (put it in quotes" in str(_fail(path))


def test_numbers_in_env_become_strings(write):
    path = write("servers:\n  fs:\n    command: npx\n    env: {PORT: 8080}\n")
    assert load(path, env={}).servers["fs"].env == {"PORT": "8080"}


def test_a_wrong_value_from_a_variable_is_never_shown(write):
    path = write("servers:\n  r:\n    url: https://x\n    transport: ${SECRET}\n")
    message = str(_fail(path, {"SECRET": "hunter2"}))
    assert "hunter2" not in message
    assert "got a value from an environment variable (not shown)" in message


def test_a_server_with_both_command_and_url_is_an_error_at_the_server(write):
    path = write("""
        servers:
          both:
            command: npx
            url: https://example.com/mcp
        """)
    error = _fail(path)
    assert error.location == f"{path}:2:3"
    assert error.key == "servers.both"
    assert "either `command` (stdio) or `url` (remote), not both; remove one" in str(error)


def test_a_server_with_neither_command_nor_url_says_to_add_one(write):
    error = _fail(write("servers:\n  empty: {enabled: true}\n"))
    assert "servers.empty: a server needs `command`" in str(error)
    assert str(error).endswith("add one")


def test_every_problem_is_reported_together_in_file_order(write, in_tmp):
    write("""
        model: opnai:gpt-5
        agent:
          approval: {sampling: aks}
          max_turn: 3
        servers:
          fs: {command: npx, args: x}
        """)
    lines = str(_fail("agent.yaml")).splitlines()
    assert lines[0] == "agent.yaml: 4 problems; fix each of them:"
    assert [line.split(": ")[0].strip() for line in lines[1:]] == [
        "agent.yaml:1:8",
        "agent.yaml:3:24",
        "agent.yaml:4:3",
        "agent.yaml:6:28",
    ]
    assert "(did you mean 'openai'?)" in lines[1]
    assert "(did you mean 'ask'?)" in lines[2]


def test_an_unset_variable_is_reported_once_not_again_as_a_bad_url(write):
    error = _fail(write("servers:\n  r: {url: '${URL}'}\n"))
    assert "${URL} is not set" in str(error)
    assert "problems" not in str(error)


def test_a_missing_file_says_where_it_looked(in_tmp):
    error = _fail("nowhere.yaml")
    assert str(error).startswith(
        f"config file not found: nowhere.yaml (looked at {in_tmp / 'nowhere.yaml'})"
    )


def test_a_missing_file_named_by_agent_config_says_it_came_from_there(in_tmp):
    error = _fail(None, {"AGENT_CONFIG": "/no/such.yaml"})
    assert "/no/such.yaml (from $AGENT_CONFIG)" in str(error)


def test_a_directory_is_not_a_config_file(in_tmp):
    assert "is a directory" in str(_fail(in_tmp))


def test_a_top_level_list_is_an_error(write):
    assert "expected a mapping of sections" in str(_fail(write("- a\n- b\n")))


def test_an_empty_file_is_an_empty_config(write):
    config = load(write(""), env={})
    assert config.servers == {}
    assert config.model is None


def test_discovery_prefers_the_explicit_path_then_agent_config(write, in_tmp):
    write("model: ollama:a\n")
    explicit = write("model: ollama:b\n", "b.yaml")
    named = write("model: ollama:c\n", "c.yaml")
    env = {"AGENT_CONFIG": str(named)}
    assert load(explicit, env=env).model == "ollama:b"
    assert load(env=env).model == "ollama:c"
    assert load(env={}).model == "ollama:a"


def test_discovery_takes_agent_yaml_before_agent_yml(write, in_tmp):
    write("model: ollama:yml\n", "agent.yml")
    assert load(env={}).source == in_tmp / "agent.yml"
    write("model: ollama:yaml\n", "agent.yaml")
    assert load(env={}).model == "ollama:yaml"


def test_discovery_falls_back_to_the_user_config_dir(write, in_tmp):
    write("model: ollama:xdg\n", "xdg/agent/agent.yaml")
    write("model: ollama:home\n", "home/.config/agent/agent.yaml")
    assert load(env={"XDG_CONFIG_HOME": str(in_tmp / "xdg")}).model == "ollama:xdg"
    assert load(env={"HOME": str(in_tmp / "home")}).model == "ollama:home"
    assert find_config(env={"HOME": str(in_tmp / "nobody")}) is None


def test_no_file_anywhere_gives_the_embedded_default(in_tmp):
    config = load(env={"HOME": str(in_tmp)})
    assert config.source is None
    assert config.model is None
    assert list(config.servers) == ["toolbox"]


def test_the_default_runs_the_toolbox_with_this_python():
    toolbox = default_config().servers["toolbox"]
    assert (toolbox.command, toolbox.args, toolbox.kind) == (
        sys.executable,
        ("-m", "agent.toolbox"),
        "stdio",
    )


def test_source_is_the_absolute_path_of_the_file(write, in_tmp):
    write("{}\n")
    assert load("agent.yaml", env={}).source == in_tmp / "agent.yaml"


def test_relative_cwd_and_roots_resolve_against_the_config_file(write, tmp_path):
    path = write(
        "servers:\n  fs:\n    command: npx\n    cwd: work\n    roots: [., 'file:///srv']\n",
        "conf/agent.yaml",
    )
    server = load(path, env={}).servers["fs"]
    assert server.cwd == tmp_path / "conf" / "work"
    assert server.roots == ((tmp_path / "conf").as_uri(), "file:///srv")


def test_importing_config_loads_neither_pydantic_nor_yaml():
    code = "import sys, config; print(sorted({'pydantic', 'yaml'} & set(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_a_section_left_empty_means_its_default(write):
    path = write("""
        agent:
        servers:
          fs:
            command: npx
            args:
            env:
        """)
    config = load(path, env={})
    assert config.agent.max_turns == 20
    assert (config.servers["fs"].args, config.servers["fs"].env) == ((), {})


def test_an_empty_allow_list_is_an_error_not_allow_everything(write):
    error = _fail(write("agent:\n  approval:\n    allow:\n"))
    assert "agent.approval.allow: expected a list of strings, got nothing" in str(error)
