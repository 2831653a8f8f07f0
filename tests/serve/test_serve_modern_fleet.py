"""``agent serve`` fronting a server that speaks 2026-07-28: what older clients subscribe to
reaches them, though that revision has no ``resources/subscribe`` (it listens instead)."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from bridge.mcp import ClientSession, StdioTransport
from tests.serve.conftest import ROOT, SERVERS, serve_command


def _modern_fleet(tmp_path: Path) -> Path:
    path = tmp_path / "agent.yaml"
    path.write_text(
        f"""
servers:
  input:
    command: {sys.executable}
    args: ["{SERVERS / "sdk_input_server.py"}"]
    protocol: "2026-07-28"
"""
    )
    return path


async def test_a_subscription_through_the_gateway_hears_a_modern_servers_updates(tmp_path):
    command = serve_command(_modern_fleet(tmp_path))
    session = ClientSession(
        StdioTransport(command[0], command[1:], cwd=ROOT), name="gw", protocol="2025-11-25"
    )
    heard: asyncio.Queue[str] = asyncio.Queue()
    session.on_resource_updated(heard.put_nowait)
    async with asyncio.timeout(60), session:
        info = await session.open()
        assert info.capabilities["resources"].get("subscribe") is True
        await session.subscribe_resource("memo://note")
        assert (await session.call_tool("input__touch", {})).text == "touched"
        assert await heard.get() == "memo://note"
        await session.unsubscribe_resource("memo://note")
