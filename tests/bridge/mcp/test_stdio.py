"""The stdio transport against servers that misbehave, crash, or will not die."""

from __future__ import annotations

import os
import sys

import pytest

from bridge.errors import ConnectionClosedError, ProtocolError, ServerStartError
from bridge.mcp import ClientSession, StdioTransport
from bridge.mcp.stdio import safe_environment

from .conftest import SERVERS


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie still answers kill(0); look at its state.
    with open(f"/proc/{pid}/stat") as stat:
        return stat.read().split(") ")[1][0] != "Z"


async def test_garbage_lines_on_stdout_are_skipped(raw_server, caplog):
    async with raw_server("garbage") as session:
        assert [t.name for t in await session.list_tools()] == ["echo"]
        result = await session.call_tool("echo", {"text": "still fine"})
        assert result.text == '{"text": "still fine"}'
    assert any("not JSON" in r.getMessage() for r in caplog.records)


async def test_crash_mid_call_fails_the_call_with_exit_code_and_stderr(sdk_server):
    async with sdk_server() as session:
        with pytest.raises(ConnectionClosedError) as caught:
            await session.call_tool("crash", {"code": 3})
    message = str(caught.value)
    assert "'sdk'" in message
    assert "exit code 3" in message
    assert "crashing on purpose" in message


async def test_pending_calls_all_fail_at_once_when_the_server_exits(raw_server):
    import asyncio

    async with raw_server("exit-after", "1") as session:
        await session.call_tool("echo", {"n": 0})
        results = await asyncio.gather(
            *(session.call_tool("echo", {"n": i}) for i in range(5)), return_exceptions=True
        )
    assert all(isinstance(r, ConnectionClosedError) for r in results)
    assert "exit code 7" in str(results[0])
    assert "raw server giving up" in str(results[0])


async def test_calls_after_the_server_died_fail_immediately(raw_server):
    async with raw_server("exit-after", "0") as session:
        with pytest.raises(ConnectionClosedError):
            await session.call_tool("echo", {})
        with pytest.raises(ConnectionClosedError, match="exit code 7"):
            await session.call_tool("echo", {})


async def test_server_ignoring_stdin_eof_is_killed_on_close_and_reaped():
    transport = StdioTransport(
        sys.executable,
        [str(SERVERS / "sdk_server.py")],
        env={"MISBEHAVE": "ignore-eof"},
        name="stubborn",
        close_grace=0.5,
    )
    session = ClientSession(transport, name="stubborn")
    await session.open(timeout=20)
    pid = transport.pid
    assert pid is not None and _alive(pid)
    await session.aclose()
    assert transport.returncode is not None
    assert not _alive(pid)


async def test_oversized_message_ends_the_connection_with_a_clear_error(raw_server):
    async with raw_server("oversized", "40") as session:
        with pytest.raises(ProtocolError, match="larger than 32 MiB"):
            await session.list_tools()


async def test_messages_of_16_mib_are_accepted(raw_server):
    async with raw_server("oversized", "16") as session:
        tools = await session.list_tools()
    assert len(tools[0].description) == 16 * 1024 * 1024


async def test_non_utf8_output_ends_the_connection(raw_server):
    async with raw_server("non-utf8") as session:
        with pytest.raises(ProtocolError, match="not UTF-8"):
            await session.list_tools()


async def test_missing_command_is_a_start_error_naming_it():
    session = ClientSession(StdioTransport("no-such-binary-xyz", name="ghost"), name="ghost")
    with pytest.raises(ServerStartError, match=r"'ghost'.*'no-such-binary-xyz' was not found"):
        await session.open(timeout=5)


async def test_server_that_hangs_at_initialize_times_out_and_is_killed():
    transport = StdioTransport(
        sys.executable, [str(SERVERS / "raw_server.py"), "hang-init"], name="hang"
    )
    session = ClientSession(transport, name="hang")
    with pytest.raises(ServerStartError, match=r"did not finish starting within 0\.5s"):
        await session.open(timeout=0.5)
    assert transport.returncode is not None


def test_the_environment_is_the_safe_base_plus_what_is_declared(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-secret")
    monkeypatch.setenv("PATH", "/usr/bin")
    env = safe_environment({"FOO": "bar"})
    assert env["FOO"] == "bar"
    assert env["PATH"] == "/usr/bin"
    assert "OPENAI_API_KEY" not in env


async def test_the_server_sees_only_the_safe_environment(monkeypatch):
    monkeypatch.setenv("SECRET_TOKEN", "hunter2")
    code = "import os,sys; sys.stderr.write(repr(sorted(os.environ)))"
    transport = StdioTransport(sys.executable, ["-c", code], env={"MINE": "1"}, name="env")
    await transport.start()
    assert await transport.receive() is None
    await transport.close()
    seen = "".join(transport.stderr_tail)
    assert "'MINE'" in seen
    assert "SECRET_TOKEN" not in seen


async def test_cwd_is_honoured(tmp_path):
    code = "import os,sys; sys.stderr.write(os.getcwd())"
    transport = StdioTransport(sys.executable, ["-c", code], cwd=tmp_path, name="cwd")
    await transport.start()
    assert await transport.receive() is None
    await transport.close()
    assert list(transport.stderr_tail) == [str(tmp_path)]
