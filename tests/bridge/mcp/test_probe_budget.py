"""A slow HTTP server is slow, not legacy: its server/discover answer is waited for (the
short probe is for stdio servers that never answer an unknown method)."""

from __future__ import annotations

import asyncio
import json

import pytest

from bridge.mcp import ClientSession, session
from bridge.mcp.http import StreamableHTTPTransport
from bridge.mcp.negotiation import MODERN_VERSION


async def _slow_discover_server(delay: float) -> tuple[asyncio.Server, list[str]]:
    """Answers server/discover after ``delay`` seconds, initialize at once (2025-11-25)."""
    asked: list[str] = []

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            try:
                head = await reader.readuntil(b"\r\n\r\n")
            except (asyncio.IncompleteReadError, ConnectionError):
                break
            length = next(
                int(line.split(b":")[1])
                for line in head.split(b"\r\n")
                if line.lower().startswith(b"content-length:")
            )
            message = json.loads(await reader.readexactly(length))
            asked.append(message.get("method"))
            if "id" not in message:
                writer.write(b"HTTP/1.1 202 Accepted\r\ncontent-length: 0\r\n\r\n")
                continue
            if message["method"] == "server/discover":
                await asyncio.sleep(delay)  # the server's slowness is what is tested
                result = {
                    "supportedVersions": [MODERN_VERSION],
                    "capabilities": {"tools": {}},
                    "serverInfo": {"name": "slow", "version": "1"},
                }
            else:
                result = {
                    "protocolVersion": "2025-11-25",
                    "capabilities": {"tools": {}},
                    "serverInfo": {"name": "slow", "version": "1"},
                }
            body = json.dumps({"jsonrpc": "2.0", "id": message["id"], "result": result}).encode()
            writer.write(
                b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"
                + f"content-length: {len(body)}\r\n\r\n".encode()
                + body
            )
            await writer.drain()
        writer.close()

    return await asyncio.start_server(answer, "127.0.0.1", 0), asked


@pytest.mark.parametrize("protocol", ["auto", MODERN_VERSION])
async def test_a_slow_http_server_is_spoken_to_statelessly_not_taken_for_a_legacy_one(
    monkeypatch, protocol
):
    monkeypatch.setattr(session, "PROBE_TIMEOUT", 0.05)
    listener, asked = await _slow_discover_server(0.3)
    port = listener.sockets[0].getsockname()[1]
    client = ClientSession(
        StreamableHTTPTransport(f"http://127.0.0.1:{port}/mcp", name="slow"),
        name="slow",
        protocol=protocol,
    )
    try:
        async with asyncio.timeout(20):
            info = await client.open(timeout=10)
    finally:
        await client.aclose()
        listener.close()
    assert info.protocol_version == MODERN_VERSION and client.stateless
    assert "initialize" not in asked
