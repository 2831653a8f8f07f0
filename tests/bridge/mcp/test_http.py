"""Streamable HTTP and legacy SSE against real servers started on 127.0.0.1."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from bridge.errors import ConnectionClosedError
from bridge.mcp import ClientSession, Progress
from bridge.mcp.http import StreamableHTTPTransport
from bridge.mcp.legacy_sse import LegacySSETransport

from .conftest import SERVERS


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, proc: subprocess.Popen[bytes], seconds: float = 20) -> None:
    """Block until the server accepts connections (bounded; fails if it died)."""
    import time

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.02)  # polling a socket: there is no event to wait on
    raise TimeoutError(f"nothing listened on port {port}")


@contextmanager
def server(argv: list[str], port: int) -> Iterator[subprocess.Popen[bytes]]:
    env = dict(os.environ, PORT=str(port))
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_port(port, proc)
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def sdk(mode: str, port: int, *extra: str) -> list[str]:
    return [sys.executable, str(SERVERS / "sdk_server.py"), mode, "--port", str(port), *extra]


async def exercise(transport: Any, *, progress: bool = True, protocol: str = "auto") -> None:
    seen: list[Progress] = []
    async with ClientSession(transport, name="remote", protocol=protocol) as session:
        await session.open(timeout=20)
        assert session.server.name == "sdk-reference"
        names = {tool.name for tool in await session.list_tools()}
        assert {"add", "slow"} <= names
        assert (await session.call_tool("add", {"a": 20, "b": 22})).text == "42"
        result = await session.call_tool(
            "slow", {"steps": 3, "delay": 0.01}, on_progress=seen.append
        )
        assert result.text == "done after 3 steps"
        calls = [session.call_tool("add", {"a": i, "b": 1}) for i in range(20)]
        assert [r.text for r in await asyncio.gather(*calls)] == [str(i + 1) for i in range(20)]
    if progress:
        assert [p.progress for p in seen] == [1, 2, 3]


async def test_streamable_http_with_sse_answers_in_a_handshake_session():
    port = free_port()
    with server(sdk("streamable-http", port), port):
        transport = StreamableHTTPTransport(f"http://127.0.0.1:{port}/mcp", name="remote")
        await exercise(transport, protocol="2025-11-25")
        assert transport.session_id is not None
        assert transport.protocol_version == "2025-11-25"


async def test_an_sdk_server_is_spoken_to_at_2026_07_28_over_streamable_http():
    port = free_port()
    with server(sdk("streamable-http", port), port):
        transport = StreamableHTTPTransport(f"http://127.0.0.1:{port}/mcp", name="remote")
        await exercise(transport)
        assert transport.session_id is None  # stateless: no session to keep
        assert transport.protocol_version == "2026-07-28"


async def test_streamable_http_with_json_answers():
    port = free_port()
    with server(sdk("streamable-http", port, "--json"), port):
        # A JSON answer cannot carry progress notifications.
        await exercise(StreamableHTTPTransport(f"http://127.0.0.1:{port}/mcp"), progress=False)


async def test_legacy_sse_transport():
    port = free_port()
    with server(sdk("sse", port), port):
        await exercise(LegacySSETransport(f"http://127.0.0.1:{port}/sse", name="remote"))


async def test_auto_mode_falls_back_to_legacy_sse():
    port = free_port()
    with server(sdk("sse", port), port):
        transport = StreamableHTTPTransport(
            f"http://127.0.0.1:{port}/sse", name="remote", legacy_fallback=True
        )
        await exercise(transport)


async def test_everything_server_over_streamable_http_and_sse(npm_server):
    for mode, path, make in (
        ("streamableHttp", "/mcp", StreamableHTTPTransport),
        ("sse", "/sse", LegacySSETransport),
    ):
        port = free_port()
        with server([npm_server("mcp-server-everything"), mode], port):
            seen: list[Progress] = []
            async with ClientSession(make(f"http://127.0.0.1:{port}{path}"), name="ev") as session:
                await session.open(timeout=20)
                assert (await session.call_tool("echo", {"message": "x"})).text == "Echo: x"
                await session.call_tool(
                    "trigger-long-running-operation",
                    {"duration": 0.2, "steps": 2},
                    on_progress=seen.append,
                )
            assert [p.progress for p in seen] == [1, 2], mode


async def test_a_restarted_server_gets_a_new_session_and_listing_is_repeated(npm_server):
    port = free_port()
    argv = [npm_server("mcp-server-everything"), "streamableHttp"]
    transport = StreamableHTTPTransport(f"http://127.0.0.1:{port}/mcp", name="ev")
    session = ClientSession(transport, name="ev")
    try:
        with server(argv, port):
            await session.open(timeout=20)
            first = transport.session_id
            assert len(await session.list_tools()) > 5
        with server(argv, port):
            # The new process does not know the old session: listing is safe to repeat.
            assert len(await session.list_tools()) > 5
            assert transport.session_id not in (None, first)
            # A call with possible effects is not repeated blindly after a lost session.
            await session_lost_again(transport, session)
    finally:
        await session.aclose()


async def session_lost_again(transport: StreamableHTTPTransport, session: ClientSession) -> None:
    transport.session_id = "forgotten-session"
    with pytest.raises(ConnectionClosedError, match="was not repeated"):
        await session.call_tool("echo", {"message": "once"})
    assert (await session.call_tool("echo", {"message": "twice"})).text == "Echo: twice"


async def test_an_unreachable_url_fails_the_start_with_its_address():
    port = free_port()
    session = ClientSession(StreamableHTTPTransport(f"http://127.0.0.1:{port}/mcp"), name="gone")
    with pytest.raises(Exception, match=f"127.0.0.1:{port}"):
        await session.open(timeout=10)


async def test_a_response_body_past_the_cap_fails_the_request_instead_of_filling_memory(
    monkeypatch: pytest.MonkeyPatch,
):
    import httpx

    from bridge.errors import ProtocolError
    from bridge.mcp import http

    async def endless() -> AsyncIterator[bytes]:
        while True:
            yield b"x" * 1024

    monkeypatch.setattr(http, "MAX_BODY", 64 * 1024)
    small = httpx.Response(200, content=b'{"ok": true}')
    assert await http._read_body(small, "fake") == b'{"ok": true}'
    with pytest.raises(ProtocolError, match="over"):
        await http._read_body(httpx.Response(200, content=endless()), "fake")
