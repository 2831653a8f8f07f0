"""The fleet: concurrent start, failures reported, a crashing server restarted."""

from __future__ import annotations

import asyncio
import sys
from typing import Any

import pytest

from bridge.catalog import Catalog
from bridge.errors import ConnectionClosedError
from bridge.fleet import Fleet, ServerState
from config.schema import ServerConfig

from .mcp.conftest import SERVERS


def raw(mode: str, arg: str = "", **extra: Any) -> ServerConfig:
    args = [str(SERVERS / "raw_server.py"), mode] + ([arg] if arg else [])
    return ServerConfig.model_validate({"command": sys.executable, "args": args, **extra})


def toolbox(**extra: Any) -> ServerConfig:
    return ServerConfig.model_validate(
        {"command": sys.executable, "args": ["-m", "agent", "toolbox"], **extra}
    )


async def wait_for(condition, fleet_changed: asyncio.Event, seconds: float = 10) -> None:
    async with asyncio.timeout(seconds):
        while not condition():
            fleet_changed.clear()
            await fleet_changed.wait()


async def test_good_servers_serve_while_broken_ones_are_reported():
    servers = {
        "good": toolbox(),
        "missing": ServerConfig.model_validate({"command": "no-such-command-xyz"}),
        "hangs": raw("hang-init", startup_timeout=0.5),
        "crashy": raw("exit-after", "2", restart={"backoff": 0.05}),
    }
    changed = asyncio.Event()
    fleet = Fleet(servers, on_tools_changed=changed.set)
    async with fleet:
        states = {row.name: row for row in fleet.status()}
        assert states["good"].state is ServerState.UP
        assert states["good"].tool_count == 8
        assert states["missing"].state is ServerState.FAILED
        assert "no-such-command-xyz" in states["missing"].last_error
        assert states["hangs"].state is ServerState.FAILED
        assert "did not finish starting within 0.5s" in states["hangs"].last_error
        assert states["crashy"].state is ServerState.UP

        result = await fleet.call("good", "calculate", {"expression": "2 + 2"})
        assert result.text == "4"

        for _ in range(2):
            assert not (await fleet.call("crashy", "echo", {})).is_error
        with pytest.raises(ConnectionClosedError, match="exit code 7"):
            await fleet.call("crashy", "echo", {})

        def back_up() -> bool:
            row = {r.name: r for r in fleet.status()}["crashy"]
            return row.state is ServerState.UP and row.restarts == 1

        await wait_for(back_up, changed)
        assert (await fleet.call("crashy", "echo", {"again": True})).text == '{"again": true}'
        catalog = Catalog.build(fleet.tools(), servers)
        assert {e.qualified for e in catalog} >= {"good__calculate", "crashy__echo"}
    assert all(row.state is ServerState.STOPPED for row in fleet.status())


async def test_restart_never_leaves_a_dead_server_down():
    changed = asyncio.Event()
    fleet = Fleet({"once": raw("exit-after", "0", restart="never")}, on_tools_changed=changed.set)
    async with fleet:
        with pytest.raises(ConnectionClosedError):
            await fleet.call("once", "echo", {})
        await wait_for(lambda: fleet.status()[0].state is ServerState.FAILED, changed)
        with pytest.raises(ConnectionClosedError, match="'once' is failed"):
            await fleet.call("once", "echo", {})
        assert fleet.tools() == {}


async def test_include_and_exclude_filters_shape_the_catalog():
    servers = {"box": toolbox(tools={"include": ["*er", "calc*"], "exclude": ["low*"]})}
    async with Fleet(servers) as fleet:
        catalog = Catalog.build(fleet.tools(), servers)
    assert sorted(entry.tool.name for entry in catalog) == ["calculate", "upper"]


async def test_an_unknown_qualified_name_is_a_tool_error_for_the_model():
    servers = {"box": toolbox(prefix="tb")}
    async with Fleet(servers) as fleet:
        catalog = Catalog.build(fleet.tools(), servers)
        result = await catalog.call(fleet, "box__calculate", {"expression": "1"})
        assert result.is_error
        assert "unknown tool 'box__calculate'" in result.text
        assert "tb__calculate" in result.text
        ok = await catalog.call(fleet, "tb__calculate", {"expression": "1+1"})
        assert ok.text == "2"


async def test_calls_and_latency_are_counted_per_server():
    async with Fleet({"box": toolbox()}) as fleet:
        for _ in range(3):
            await fleet.call("box", "echo", {"text": "x"})
        row = fleet.status()[0]
    assert row.calls == 3
    assert row.median_ms is not None and row.median_ms > 0
    assert row.server_name == "agent-toolbox"


async def test_a_pinned_protocol_skips_the_probe_a_silent_legacy_server_never_answers(tmp_path):
    # hostile_rpc_server.py "behave" answers initialize and tools but ignores unknown
    # methods, so an `auto` start waits out the 2 s server/discover probe.
    hostile = SERVERS.parent / "faults" / "hostile_rpc_server.py"
    config = ServerConfig.model_validate(
        {
            "command": sys.executable,
            "args": [str(hostile), "behave", str(tmp_path / "pid")],
            "protocol": "2025-11-25",
        }
    )
    fleet = Fleet({"legacy": config})
    async with asyncio.timeout(10), fleet:
        (row,) = fleet.status()
        assert row.state is ServerState.UP and row.protocol_version == "2025-11-25"
        assert fleet._servers["legacy"].session.protocol == "2025-11-25"


async def test_a_pinned_protocol_opens_with_initialize_and_sends_no_probe():
    from bridge.mcp import ClientSession
    from tests.fuzz.test_jsonrpc_fuzz import AnsweringTransport

    init = {"protocolVersion": "2025-11-25", "capabilities": {}, "serverInfo": {"name": "s"}}
    transport = AnsweringTransport({"initialize": init})
    sent: list[str] = []
    answer = transport.send

    async def record(message):
        sent.append(message.get("method", ""))
        await answer(message)

    transport.send = record
    session = ClientSession(transport, name="legacy", protocol="2025-11-25")
    async with asyncio.timeout(10):
        await session.open(timeout=5)
        await session.aclose()

    assert sent[0] == "initialize" and "server/discover" not in sent
