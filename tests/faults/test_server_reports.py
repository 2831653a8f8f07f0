"""What ``agent servers`` says about servers: the transport that won, each failure once,
a missing or non-executable command by its path, and a chatty stdout warned about once."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.bridge.mcp.conftest import SERVERS
from tests.bridge.mcp.test_http import free_port, sdk, server

PY = json.dumps(sys.executable)


def agent_servers(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "agent", "servers", "--config", str(config), *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


def test_a_missing_command_path_is_no_such_file_and_a_plain_file_is_not_executable(tmp_path):
    plain = tmp_path / "server.txt"
    plain.write_text("not a program")
    plain.chmod(0o644)
    config = tmp_path / "agent.yaml"
    config.write_text(
        "servers:\n"
        f"  ghost: {{command: {json.dumps(str(tmp_path / 'no' / 'server'))}}}\n"
        f"  plain: {{command: {json.dumps(str(plain))}}}\n"
    )
    done = agent_servers(config, "--json")
    errors = {row["name"]: row["last_error"] for row in json.loads(done.stdout)}
    assert "no such file" in errors["ghost"] and str(tmp_path / "no" / "server") in errors["ghost"]
    assert "not found on PATH" not in errors["ghost"]
    assert "not an executable file" in errors["plain"]


def test_a_failed_server_is_reported_once(tmp_path):
    config = tmp_path / "agent.yaml"
    config.write_text("servers:\n  ghost: {command: /no/such/dir/server}\n")
    done = agent_servers(config)
    assert done.returncode == 1
    said = done.stdout + done.stderr
    assert said.count("/no/such/dir/server") == 1, said  # the table's row, nothing more


def test_non_json_lines_on_a_servers_stdout_are_warned_about_once(tmp_path):
    raw = json.dumps(str(SERVERS / "raw_server.py"))
    config = tmp_path / "agent.yaml"
    config.write_text(f"servers:\n  chatty: {{command: {PY}, args: [{raw}, garbage]}}\n")
    done = agent_servers(config)
    assert done.returncode == 0, done.stderr
    # garbage mode writes two non-JSON lines before each of its messages.
    assert done.stderr.count("not JSON") == 1, done.stderr


def test_auto_transport_shows_the_transport_that_won(tmp_path):
    port = free_port()
    config = tmp_path / "agent.yaml"
    config.write_text(f"servers:\n  remote: {{url: 'http://127.0.0.1:{port}/sse'}}\n")
    with server(sdk("sse", port), port):
        done = agent_servers(config, "--json")
    (row,) = json.loads(done.stdout)
    assert (row["state"], row["transport"]) == ("up", "sse"), done.stderr
