"""Hostile stdio servers through the real CLI: a clear error at once, and no process left.

Each case runs ``agent call`` or ``agent servers --json`` in a subprocess against
tests/faults/hostile_rpc_server.py in one mode. The timeouts in the config are long (30 s),
so a case that ends within the bound was ended by the host's verdict, not by a timer.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

SERVER = Path(__file__).with_name("hostile_rpc_server.py")
# Generous for a loaded 2-core machine; Python's start-up and imports are most of it.
WALL_BOUND = 5.0
# Past this the host is surely waiting for a timeout: stop it rather than wait 30 s.
GIVE_UP = 20.0


def write_config(tmp_path: Path, mode: str) -> tuple[Path, Path]:
    """A config with one hostile server; returns it and the file the server writes its pid to."""
    pidfile = tmp_path / "server.pid"
    args = json.dumps([str(SERVER), mode, str(pidfile)])
    config = tmp_path / "agent.yaml"
    config.write_text(
        "servers:\n"
        f"  hostile: {{command: {json.dumps(sys.executable)}, args: {args}, "
        "startup_timeout: 30, call_timeout: 30}\n",
        encoding="utf-8",
    )
    return config, pidfile


def agent(config: Path, *args: str) -> tuple[subprocess.CompletedProcess[str], float]:
    """Run ``agent ARGS --config CONFIG``; return the result and its wall time."""
    env = {k: v for k, v in os.environ.items() if k != "AGENT_CONFIG"}
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "agent", *args, "--config", str(config)],
        capture_output=True,
        text=True,
        timeout=GIVE_UP,
        env=env,
        stdin=subprocess.DEVNULL,
    )
    return done, time.monotonic() - started


def alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie is as good as gone)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(") ", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


@pytest.fixture
def hostile(tmp_path):
    """Run a CLI command against a server in a mode; kill the server if a test left it."""
    pids: list[int] = []

    def run(mode: str, *args: str) -> tuple[subprocess.CompletedProcess[str], float, int]:
        config, pidfile = write_config(tmp_path, mode)
        done, seconds = agent(config, *args)
        pid = int(pidfile.read_text())
        pids.append(pid)
        return done, seconds, pid

    yield run
    for pid in pids:
        if alive(pid):
            os.kill(pid, 9)


CALL_FAILURES = {
    "id-object": "sent a response whose id is an object",
    "id-array": "sent a response whose id is an array",
    "error-code": "malformed error (its code is a string",
    "error-message": "malformed error (its message is an object",
    "error-string": "malformed error (the error is a string",
    "no-result": "neither a result nor an error",
    "result-list": "answered tools/call with an array, not an object",
    "result-null": "answered tools/call with null, not an object",
}


@pytest.mark.parametrize(("mode", "message"), CALL_FAILURES.items(), ids=list(CALL_FAILURES))
def test_a_spoiled_answer_to_a_call_fails_it_at_once_with_the_reason(hostile, mode, message):
    done, seconds, pid = hostile(mode, "call", "hostile__echo", "--args", "{}")
    assert seconds < WALL_BOUND, done.stderr
    assert done.returncode == 4, done.stderr
    assert message in done.stderr
    assert "Traceback" not in done.stderr
    assert done.stdout == ""
    assert not alive(pid)


@pytest.mark.parametrize("mode", ["progress-token", "cancelled-id", "request-id"])
def test_a_malformed_message_before_the_answer_is_dropped_and_the_call_succeeds(hostile, mode):
    done, seconds, pid = hostile(mode, "call", "hostile__echo", "--args", "{}")
    assert seconds < WALL_BOUND, done.stderr
    assert (done.returncode, done.stdout) == (0, "answered\n"), done.stderr
    assert "Traceback" not in done.stderr
    assert not alive(pid)


START_FAILURES = {
    "init-id-object": "sent a response whose id is an object",
    "capabilities-string": "'capabilities' that is a string ('tools'), not an object",
    "capabilities-list": "'capabilities' that is an array",
    "serverinfo-list": "'serverInfo' that is an array",
    "version-number": "protocolVersion that is a number, not a string",
    "tools-string": "answered tools/list with 'tools' that is a string, not an array",
    "tools-result-list": "answered tools/list with an array, not an object",
    "cursor-object": "nextCursor that is an object, not a string",
}


@pytest.mark.parametrize(("mode", "message"), START_FAILURES.items(), ids=list(START_FAILURES))
def test_a_spoiled_start_up_fails_the_server_at_once_with_the_reason(hostile, mode, message):
    done, seconds, pid = hostile(mode, "servers", "--json")
    assert seconds < WALL_BOUND, done.stderr
    assert done.returncode == 1, done.stderr  # `agent servers`: 1 when a server is not up
    (row,) = json.loads(done.stdout)
    assert row["state"] == "failed"
    assert message in row["last_error"]
    assert "Traceback" not in done.stderr
    assert not alive(pid)


def test_a_spoiled_start_up_makes_agent_call_say_why_and_exit_5(hostile):
    done, seconds, pid = hostile("capabilities-list", "call", "hostile__echo", "--args", "{}")
    assert seconds < WALL_BOUND, done.stderr
    assert done.returncode == 5, done.stderr
    assert "server 'hostile' is not available" in done.stderr
    assert "'capabilities' that is an array" in done.stderr
    assert not alive(pid)


def test_tools_in_strict_dialect_lists_every_tool_and_says_which_cannot_be_strict(hostile):
    done, seconds, pid = hostile("strict-mix", "tools", "--dialect", "openai-strict", "--json")
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    rows = {row["tool"]: row["dialect"] for row in json.loads(done.stdout)}
    assert {name: row["strict"] for name, row in rows.items()} == {
        "plain": True,
        "bounded": False,
        "freeform": False,
    }
    assert any('"minLength" is not supported' in line for line in rows["bounded"]["changes"])
    assert any("free-form object" in line for line in rows["freeform"]["changes"])
    assert all(
        line.endswith("(the tool is sent non-strict)")
        for line in rows["bounded"]["changes"]
        if "not supported" in line
    )
    # the non-strict ones keep their constraints: they go as plain OpenAI schemas
    bounded = rows["bounded"]["schema"]["properties"]["a"]
    assert (bounded["minLength"], bounded["maxLength"]) == (1, 9)
    assert seconds < WALL_BOUND
    assert not alive(pid)
