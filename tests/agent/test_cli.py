"""The ``agent`` command line, run as a person runs it: a subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest


def agent(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None):
    return subprocess.run(
        [sys.executable, "-m", "agent", *args],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=cwd,
        env=env,
    )


@pytest.fixture
def empty_dir(tmp_path, monkeypatch):
    """A working directory with no agent.yaml and no user config."""
    monkeypatch.delenv("AGENT_CONFIG", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    return tmp_path


def test_help_and_version_answer():
    assert "agent" in agent("--help").stdout
    assert agent("--version").stdout.startswith("agent 0.1.0")


def test_tools_lists_the_toolbox_when_there_is_no_config(empty_dir):
    done = agent("tools", cwd=empty_dir)
    assert done.returncode == 0, done.stderr
    names = [line.split()[0] for line in done.stdout.splitlines()]
    assert "toolbox__calculate" in names
    assert "toolbox__count_slowly" in names


def test_tools_json_carries_schemas(empty_dir):
    done = agent("tools", "--json", cwd=empty_dir)
    rows = {row["name"]: row for row in json.loads(done.stdout)}
    assert rows["toolbox__calculate"]["inputSchema"]["required"] == ["expression"]
    assert rows["toolbox__calculate"]["server"] == "toolbox"


def test_call_prints_the_text_result(empty_dir):
    done = agent("call", "toolbox__calculate", "--args", '{"expression": "6 * 7"}', cwd=empty_dir)
    assert (done.returncode, done.stdout) == (0, "42\n")


def test_call_shows_progress_on_stderr(empty_dir):
    done = agent("call", "toolbox__count_slowly", "--args", '{"n": 2, "delay": 0}', cwd=empty_dir)
    assert done.stdout == "counted to 2\n"
    assert "progress: 1/2" in done.stderr
    assert "progress: 2/2" in done.stderr


def test_call_json_prints_the_raw_result(empty_dir):
    done = agent(
        "call", "toolbox__word_count", "--args", '{"text": "a b"}', "--json", cwd=empty_dir
    )
    result = json.loads(done.stdout)
    assert result["structuredContent"]["words"] == 2
    assert result["isError"] is False


def test_a_tool_error_exits_non_zero_with_the_error_text(empty_dir):
    done = agent("call", "toolbox__calculate", "--args", '{"expression": "1/0"}', cwd=empty_dir)
    assert done.returncode == 1
    assert "division by zero" in done.stderr


def test_bad_args_json_is_a_usage_error(empty_dir):
    done = agent("call", "toolbox__echo", "--args", "{nope", cwd=empty_dir)
    assert done.returncode == 2
    assert "--args is not valid JSON" in done.stderr


def test_an_unknown_tool_is_named_with_the_known_ones(empty_dir):
    done = agent("call", "toolbox__nope", cwd=empty_dir)
    assert done.returncode == 2
    assert "no tool named 'toolbox__nope'" in done.stderr
    assert "toolbox__echo" in done.stderr


def test_a_fleet_from_a_config_file_reports_a_dead_server_and_serves_the_rest(tmp_path):
    config = tmp_path / "agent.yaml"
    config.write_text(
        "servers:\n"
        f"  box: {{command: {json.dumps(sys.executable)}, args: [-m, agent, toolbox]}}\n"
        "  ghost: {command: no-such-command-xyz}\n"
    )
    done = agent("tools", "--config", str(config))
    assert done.returncode == 0
    assert "box__echo" in done.stdout
    assert "server 'ghost' is not available" in done.stderr
    assert "no-such-command-xyz" in done.stderr


def test_a_fleet_with_no_working_server_exits_with_its_own_code(tmp_path):
    config = tmp_path / "agent.yaml"
    config.write_text("servers:\n  ghost: {command: no-such-command-xyz}\n")
    done = agent("tools", "--config", str(config))
    assert done.returncode == 5
    assert "no server of the fleet could be started" in done.stderr


def test_a_broken_config_names_file_line_and_key(tmp_path):
    config = tmp_path / "agent.yaml"
    config.write_text("servers:\n  box:\n    comand: x\n")
    done = agent("tools", "--config", str(config))
    assert done.returncode == 2
    assert f"{config}:3" in done.stderr
    assert "comand" in done.stderr


def test_servers_shows_each_server_state(empty_dir):
    done = agent("servers", "--json", cwd=empty_dir)
    (row,) = json.loads(done.stdout)
    assert row["name"] == "toolbox"
    assert row["state"] == "up"
    assert row["tool_count"] == 8
    assert row["protocol_version"] == "2026-07-28"  # the toolbox answers server/discover


def test_help_does_not_import_provider_sdks_or_textual():
    code = (
        "import sys, runpy; sys.argv = ['agent', '--help']\n"
        "try:\n    runpy.run_module('agent', run_name='__main__')\n"
        "except SystemExit:\n    pass\n"
        "heavy = [m for m in ('openai', 'google.genai', 'ollama', 'textual', 'httpx', 'pydantic')"
        " if m in sys.modules]\n"
        "print(heavy)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip().splitlines()[-1] == "[]"


def test_tools_json_with_a_dialect_shows_the_converted_schema_and_changes(empty_dir):
    done = agent("tools", "--json", "--dialect", "gemini", cwd=empty_dir)
    assert done.returncode == 0, done.stderr
    rows = {row["name"]: row for row in json.loads(done.stdout)}
    dialect = rows["toolbox__calculate"]["dialect"]
    assert dialect["name"] == "gemini"
    assert dialect["schema"]["properties"]["expression"]["type"] == "string"
    assert isinstance(dialect["changes"], list)


def test_an_unknown_dialect_is_reported(empty_dir):
    done = agent("tools", "--json", "--dialect", "klingon", cwd=empty_dir)
    assert done.returncode == 2
    assert "invalid choice: 'klingon'" in done.stderr
    assert "Traceback" not in done.stderr
