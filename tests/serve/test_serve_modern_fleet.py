"""``agent serve`` fronting a server that speaks 2026-07-28: what older clients subscribe to
reaches them, though that revision has no ``resources/subscribe`` (it listens instead)."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import httpx
import pytest

from bridge.errors import RemoteError
from bridge.mcp import ClientSession, StdioTransport
from bridge.mcp.http import StreamableHTTPTransport
from bridge.mcp.jsonrpc import METHOD_NOT_FOUND
from bridge.mcp.negotiation import META_CAPABILITIES, META_VERSION, MODERN_VERSION
from bridge.mcp.server_listen import MAX_RESOURCES, honoured, wants
from tests.serve.conftest import ROOT, SERVERS, serve_command, start_served, stop_served


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


async def test_a_stateless_client_hears_tool_changes_on_its_listen_stream(tmp_path):
    served = await start_served(_modern_fleet(tmp_path), "--http")
    try:
        names = await _grow_and_listen(served.url)
    finally:
        await stop_served(served)
    assert "input__grown" in names


async def _grow_and_listen(url: str) -> list[str]:
    changed: asyncio.Queue[list[str]] = asyncio.Queue()
    session = ClientSession(
        StreamableHTTPTransport(url, name="gw"),
        name="gw",
        protocol=MODERN_VERSION,
        on_tools_changed=lambda tools: changed.put_nowait([t.name for t in tools]),
    )
    async with asyncio.timeout(60), session:
        await session.open()
        assert session.stateless
        await session.subscribed.wait()  # the gateway acknowledged the listen stream
        assert (await session.call_tool("input__grow", {})).text == "grew"
        return await changed.get()


def test_a_listen_stream_follows_a_bounded_number_of_resources():
    offered = {"resources": {"subscribe": True}}
    uris = [f"memo://{n}" for n in range(MAX_RESOURCES)]
    kept = honoured({"resourceSubscriptions": uris + uris}, offered)  # repeats count once
    assert kept["resourceSubscriptions"] == uris
    with pytest.raises(RemoteError, match="at most 256 resources"):
        honoured({"resourceSubscriptions": [*uris, "memo://one-more"]}, offered)


def test_a_listen_stream_honours_only_what_was_asked_and_is_offered():
    offered = {"tools": {"listChanged": True}, "resources": {"subscribe": True}}
    asked = {
        "toolsListChanged": True,
        "promptsListChanged": True,
        "resourceSubscriptions": ["memo://a", 7],
        "taskIds": ["x"],
    }
    wanted = honoured(asked, offered)
    assert wanted == {"toolsListChanged": True, "resourceSubscriptions": ["memo://a"]}
    assert wants(wanted, "notifications/tools/list_changed", None)
    assert not wants(wanted, "notifications/prompts/list_changed", None)
    assert wants(wanted, "notifications/resources/updated", {"uri": "memo://a"})
    assert not wants(wanted, "notifications/resources/updated", {"uri": "memo://b"})


async def test_methods_the_2026_revision_removed_are_not_found_for_a_stateless_request(
    http_gateway,
):
    session = ClientSession(
        StreamableHTTPTransport(http_gateway.url, name="gw"), name="gw", protocol=MODERN_VERSION
    )
    async with asyncio.timeout(60), session:
        await session.open()
        for method in ("ping", "logging/setLevel", "resources/subscribe"):
            with pytest.raises(RemoteError, match="Method not found") as caught:
                await session.request(method, {"level": "info", "uri": "memo://x"})
            assert caught.value.code == METHOD_NOT_FOUND


async def test_sigterm_with_a_listen_stream_open_ends_serve_without_a_traceback(tmp_path):
    served = await start_served(_modern_fleet(tmp_path), "--http")
    body = {
        "jsonrpc": "2.0",
        "id": 9,
        "method": "subscriptions/listen",
        "params": {
            "notifications": {"toolsListChanged": True},
            "_meta": {META_VERSION: MODERN_VERSION, META_CAPABILITIES: {}},
        },
    }
    headers = {
        "accept": "application/json, text/event-stream",
        "mcp-protocol-version": MODERN_VERSION,
        "mcp-method": "subscriptions/listen",
    }
    try:
        async with (
            asyncio.timeout(30),
            httpx.AsyncClient(timeout=20) as http,
            http.stream("POST", served.url, json=body, headers=headers) as stream,
        ):
            first = await anext(stream.aiter_lines())
            assert first.startswith("id:") or "acknowledged" in first
            served.process.terminate()  # the stream is still open
            async with asyncio.timeout(15):
                await served.process.wait()
    finally:
        await stop_served(served)
    assert served.process.returncode == 143
    assert not any("Traceback" in line for line in served.lines), "".join(served.lines)


async def test_a_question_a_fleet_server_withdraws_is_withdrawn_from_the_client(tmp_path):
    config = tmp_path / "agent.yaml"
    config.write_text(
        f"""
servers:
  withdrawing:
    command: {sys.executable}
    args: ["{SERVERS / "withdrawing_server.py"}"]
    prefix: ""
"""
    )
    asked, withdrawn = asyncio.Event(), asyncio.Event()

    async def elicit(_params):
        asked.set()
        try:
            await asyncio.Event().wait()  # a person who has not answered yet
        except asyncio.CancelledError:
            withdrawn.set()
            raise
        return {"action": "accept", "content": {}}

    command = serve_command(config)
    session = ClientSession(
        StdioTransport(command[0], command[1:], cwd=ROOT),
        name="gw",
        protocol="2025-11-25",
        elicitation=elicit,
    )
    async with asyncio.timeout(60), session:
        await session.open()
        asking = asyncio.create_task(session.call_tool("ask", {}))
        await asked.wait()  # the question reached us through the gateway
        released = await session.call_tool("release", {})
        answer = await asking
        await withdrawn.wait()  # and the server's cancellation did too
    assert released.text == "released"
    assert answer.text == "withdrawn"
