"""MCP 2026-07-28 against the `mcp` SDK v2 server side: negotiation and multi-round-trip
requests over stdio and Streamable HTTP, and the handshake family still spoken on request."""

from __future__ import annotations

import asyncio
import contextlib
import sys
from typing import Any

import pytest

from bridge.errors import RemoteError, ServerStartError
from bridge.mcp import ClientSession, StdioTransport
from bridge.mcp.http import StreamableHTTPTransport

from .conftest import SERVERS
from .test_http import free_port, server

INPUT_SERVER = str(SERVERS / "sdk_input_server.py")


class Client:
    """Handlers that answer the server's questions and remember them."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    async def elicit(self, params: dict[str, Any]) -> dict[str, Any]:
        self.asked.append(params["message"])
        return {"action": "accept", "content": {"name": "Ada"}}

    async def roots(self, _params: dict[str, Any]) -> dict[str, Any]:
        self.asked.append("roots")
        return {"roots": [{"uri": "file:///srv", "name": "srv"}]}

    def session(self, transport: Any, protocol: str = "auto") -> ClientSession:
        return ClientSession(
            transport, name="input", elicitation=self.elicit, roots=self.roots, protocol=protocol
        )


async def greet_and_count(session: ClientSession) -> list[str]:
    await session.open(timeout=20)
    async with session:
        return [
            (await session.call_tool("greet", {})).text,
            (await session.call_tool("count_roots", {})).text,
        ]


@pytest.mark.parametrize("protocol", ["auto", "2025-11-25"])
async def test_a_tool_that_needs_input_gets_it_in_either_protocol_family_over_stdio(protocol):
    client = Client()
    session = client.session(StdioTransport(sys.executable, [INPUT_SERVER]), protocol)
    assert await greet_and_count(session) == ["hello Ada", "1 roots"]
    assert client.asked == ["Who is there?", "roots"]
    expected = "2026-07-28" if protocol == "auto" else "2025-11-25"
    assert session.server is not None and session.server.protocol_version == expected


async def test_a_tool_that_needs_input_is_retried_with_the_answers_over_streamable_http():
    port = free_port()
    argv = [sys.executable, INPUT_SERVER, "streamable-http", "--port", str(port)]
    with server(argv, port):
        client = Client()
        transport = StreamableHTTPTransport(f"http://127.0.0.1:{port}/mcp", name="input")
        session = client.session(transport)
        assert await greet_and_count(session) == ["hello Ada", "1 roots"]
    assert client.asked == ["Who is there?", "roots"]
    assert transport.protocol_version == "2026-07-28" and transport.session_id is None


@pytest.mark.parametrize("transport", ["stdio", "streamable-http"])
async def test_a_changed_tool_list_arrives_on_the_listen_stream(transport):
    changed: asyncio.Queue[list[str]] = asyncio.Queue()

    def on_change(tools: list[Any]) -> None:
        changed.put_nowait(sorted(tool.name for tool in tools))

    port = free_port()
    if transport == "stdio":
        wire: Any = StdioTransport(sys.executable, [INPUT_SERVER])
        running: Any = contextlib.nullcontext()
    else:
        wire = StreamableHTTPTransport(f"http://127.0.0.1:{port}/mcp", name="input")
        running = server([sys.executable, INPUT_SERVER, transport, "--port", str(port)], port)
    with running:
        session = ClientSession(wire, name="input", on_tools_changed=on_change)
        await session.open(timeout=20)
        async with session:
            assert session.stateless
            assert "grown" not in {tool.name for tool in await session.list_tools()}
            async with asyncio.timeout(10):
                await session.subscribed.wait()
                assert (await session.call_tool("grow", {})).text == "grew"
                assert "grown" in await changed.get()


async def test_a_client_without_elicitation_is_refused_by_the_server_not_asked():
    # The capability travels in every request's _meta; the server checks it before asking.
    session = ClientSession(StdioTransport(sys.executable, [INPUT_SERVER]), name="input")
    await session.open(timeout=20)
    async with session:
        assert session.stateless
        with pytest.raises(RemoteError, match="elicitation") as refused:
            await session.call_tool("greet", {})
    assert refused.value.code == -32021


async def test_asking_for_2026_07_28_from_a_handshake_only_server_fails_the_start(raw_server):
    with pytest.raises(ServerStartError, match="does not speak MCP 2026-07-28"):
        async with raw_server("echo", protocol="2026-07-28"):
            pass


async def test_a_handshake_only_server_is_initialized_after_its_method_not_found(raw_server):
    async with raw_server("echo") as session:
        assert session.server is not None
        assert session.server.protocol_version == "2025-11-25"
        assert not session.stateless
        assert (await session.call_tool("echo", {"x": 1})).text == '{"x": 1}'


async def test_a_legacy_server_that_never_answers_the_probe_is_initialized_after_it(tmp_path):
    # This server ignores every method it does not know, server/discover among them.
    hostile = SERVERS.parent / "faults" / "hostile_rpc_server.py"
    argv = [str(hostile), "behave", str(tmp_path / "pid")]
    session = ClientSession(StdioTransport(sys.executable, argv), name="silent")
    await session.open(timeout=20)
    async with session:
        assert session.server is not None and not session.stateless
        assert (await session.call_tool("echo", {})).text == "answered"
