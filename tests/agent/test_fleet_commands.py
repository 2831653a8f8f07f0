"""The fleet through the CLI: `agent call` starts only what it needs, `agent run` goes on
with a warm catalog cache, `agent servers` shows breakers and the call log."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from bridge.naming import NameTable
from tests.bridge.mcp.conftest import SERVERS
from tests.modelfakes.script import Reply

PY = json.dumps(sys.executable)
SCRIPTED = json.dumps(str(SERVERS / "scripted_server.py"))


def agent(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    return subprocess.run(
        [sys.executable, "-m", "agent", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        stdin=subprocess.DEVNULL,
    )


def server(tmp_path: Path, name: str, extra: str = "", **behaviour: Any) -> str:
    """A config line for a scripted server that notes each start in ``<name>.started``."""
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps({"marker": str(tmp_path / f"{name}.started"), **behaviour}))
    args = f"[{SCRIPTED}, {json.dumps(str(path))}]"
    return f"  {json.dumps(name)}: {{command: {PY}, args: {args}{extra}}}\n"


def config(tmp_path: Path, *lines: str, head: str = "") -> Path:
    path = tmp_path / "agent.yaml"
    path.write_text(head + "servers:\n" + "".join(lines))
    return path


def started(tmp_path: Path) -> set[str]:
    return {path.name.removesuffix(".started") for path in tmp_path.glob("*.started")}


def test_call_starts_only_the_server_that_owns_the_tool(tmp_path):
    long_name = "a-server-whose-name-is-far-too-long-to-fit-in-a-tool-name-at-all"
    path = config(
        tmp_path,
        server(tmp_path, "one"),
        server(tmp_path, "two", ", prefix: bee"),
        server(tmp_path, long_name),
    )
    done = agent("call", "--config", str(path), "one__echo", "--args", '{"x": 1}')
    assert done.returncode == 0, done.stderr
    assert done.stdout == 'call 1 {"x": 1}\n'
    assert started(tmp_path) == {"one"}

    assert agent("call", "-c", str(path), "bee__echo").returncode == 0
    assert started(tmp_path) == {"one", "two"}

    hashed = NameTable.build([(long_name, "echo")]).qualified(long_name, "echo")
    assert hashed != f"{long_name}__echo"
    done = agent("call", "-c", str(path), hashed)
    assert done.returncode == 0, done.stderr
    assert started(tmp_path) == {"one", "two", long_name}


def test_call_of_a_name_two_namespaces_could_own_uses_the_cache_to_pick_one(tmp_path):
    # "one__two__echo" could be server one's tool "two__echo", or server one__two's "echo".
    path = config(tmp_path, server(tmp_path, "one"), server(tmp_path, "one__two"))
    assert agent("call", "-c", str(path), "one__two__echo").returncode == 0
    assert started(tmp_path) == {"one", "one__two"}  # no catalog yet: both could own it
    for marker in tmp_path.glob("*.started"):
        marker.unlink()
    # The last call left both servers' catalogs in the cache: now it places the name.
    done = agent("call", "-c", str(path), "one__two__echo")
    assert done.returncode == 0, done.stderr
    assert started(tmp_path) == {"one__two"}


def test_call_of_an_unknown_tool_still_lists_the_whole_catalog(tmp_path):
    path = config(tmp_path, server(tmp_path, "one"), server(tmp_path, "two"))
    done = agent("call", "-c", str(path), "three__echo")
    assert done.returncode == 2
    assert "no tool named 'three__echo'" in done.stderr
    assert "one__echo" in done.stderr and "two__echo" in done.stderr


def test_a_warm_run_asks_the_model_before_a_slow_server_is_up(tmp_path, fake_openai):
    gate = tmp_path / "gate"
    os.mkfifo(gate)
    head = (
        "model: openai:gpt-fake\n"
        f"providers:\n  openai: {{api_key: sk-test, base_url: {json.dumps(fake_openai.url)}}}\n"
    )
    lines = [server(tmp_path, "fast"), server(tmp_path, "slow", ", startup_timeout: 120")]
    path = config(tmp_path, *lines, head=head)
    assert agent("tools", "-c", str(path)).returncode == 0  # the first, cold start fills the cache

    # The same config; the slow server now waits for a gate nobody opens before it answers.
    slow = json.loads((tmp_path / "slow.json").read_text())
    (tmp_path / "slow.json").write_text(json.dumps({**slow, "gate": str(gate)}))
    fake_openai.script(Reply(text="Hello."))
    done = agent("run", "-c", str(path), "--output", "jsonl", "hi", timeout=60)
    assert done.returncode == 0, done.stderr
    (request,) = fake_openai.bodies
    names = {tool["function"]["name"] for tool in request["tools"]}
    assert names == {"fast__echo", "slow__echo"}  # the slow server's from the cache
    kinds = [json.loads(line)["type"] for line in done.stdout.splitlines()]
    assert kinds[-1] == "done"


def test_servers_shows_the_breaker_and_tools_shows_the_call_log(tmp_path):
    tools = [{"name": "echo", "inputSchema": {}}, {"name": "lookup", "inputSchema": {}}]
    path = config(tmp_path, server(tmp_path, "one", tools=tools))
    table = agent("servers", "-c", str(path))
    assert table.returncode == 0, table.stderr
    header, row = table.stdout.splitlines()
    assert "BREAKER" in header.split() and "closed" in row.split()

    calls = agent("servers", "-c", str(path), "--tools")
    assert calls.returncode == 0, calls.stderr
    header, *rows = calls.stdout.splitlines()
    assert header.split() == ["SERVER", "TOOL", "CALLS", "ERRORS", "CACHED", "P50", "P95", "P99"]
    assert [line.split()[:3] for line in rows] == [["one", "echo", "0"], ["one", "lookup", "0"]]

    as_json = json.loads(agent("servers", "-c", str(path), "--tools", "--json").stdout)
    assert [(r["server"], r["tool"], r["calls"], r["p95_ms"]) for r in as_json] == [
        ("one", "echo", 0, None),
        ("one", "lookup", 0, None),
    ]


def test_the_chat_side_panel_shows_an_open_breaker():
    from rich.console import Console

    from agent.tui.fleet_panel import FleetPanel
    from bridge.fleet import ServerState, ServerStatus

    def shown(breaker: str) -> str:
        row = ServerStatus(
            "box", "stdio", ServerState.UP, None, None, None, 3, None, 7, 1.0, 0, breaker
        )
        console = Console(width=80, record=True)
        console.print(FleetPanel._server(row, 80))
        return console.export_text()

    assert "breaker open" in shown("open")
    assert "breaker" not in shown("closed")
