"""The WebSocket server side: the per-client bound HTTP applies holds for sockets too."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from bridge.errors import MCPError
from bridge.mcp import ClientSession
from bridge.mcp.server import MCPServer, Peer
from bridge.mcp.server_http import HTTPLimits
from bridge.mcp.websocket import WebSocketTransport, serve_websocket


class _Empty:
    name = "empty"
    version = "0"
    instructions = ""

    def capabilities(self) -> dict[str, Any]:
        return {}

    def handlers(self, peer: Peer) -> dict[str, Any]:
        return {}

    def attach(self, peer: Peer) -> None:
        pass

    def detach(self, peer: Peer) -> None:
        pass

    def tool_schema(self, name: str) -> None:
        return None


async def test_a_client_past_its_concurrent_limit_is_turned_away_until_one_closes():
    listener = await serve_websocket(
        MCPServer(_Empty()), "127.0.0.1", 0, HTTPLimits(max_concurrent=1)
    )
    port = listener.sockets[0].getsockname()[1]
    url = f"ws://127.0.0.1:{port}/"

    def session(name: str) -> ClientSession:
        return ClientSession(WebSocketTransport(url, name=name), name=name)

    try:
        async with asyncio.timeout(10):
            first = session("first")
            await first.open(timeout=5)
            second = session("second")
            with pytest.raises(MCPError):
                await second.open(timeout=5)
            await first.aclose()
            # The server counts the first socket off once its handler has ended, which may
            # come just after our close returns: a refused client retries, as close code 1013
            # ("try again later") asks, and gets in within the bound.
            for attempt in range(100):
                third = session(f"third-{attempt}")
                try:
                    await third.open(timeout=5)
                    break
                except MCPError:
                    await asyncio.sleep(0.01)
            else:
                pytest.fail("the server never let a client in after the first one closed")
            await third.aclose()
    finally:
        listener.close()
        await listener.wait_closed()
