"""``agent serve`` as a real subprocess, with the official SDK client and our own client:
stdio, Streamable HTTP (stateful and stateless) and WebSocket; policy and HTTP security."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import httpx
import pytest
from mcp import Client
from mcp.client.stdio import StdioServerParameters
from mcp.shared.exceptions import MCPError
from mcp_types import ElicitResult

from bridge.mcp import ClientSession, StdioTransport
from bridge.mcp.http import StreamableHTTPTransport
from bridge.mcp.websocket import WebSocketTransport
from tests.serve.conftest import ROOT, fleet_yaml, serve_command, start_served, stop_served

TOOLBOX_NAMES = {"calculate", "echo", "count_slowly"}


def _stdio(config: Path) -> StdioServerParameters:
    command = serve_command(config)
    return StdioServerParameters(command=command[0], args=command[1:], cwd=str(ROOT))


@pytest.mark.parametrize("mode", ["legacy", "auto"])
async def test_sdk_client_lists_and_calls_through_serve_over_stdio(config_file, mode):
    async with asyncio.timeout(60), Client(_stdio(config_file), mode=mode) as client:
        names = {tool.name for tool in (await client.list_tools()).tools}
        assert names >= TOOLBOX_NAMES | {"input__greet"}  # prefix "" keeps the toolbox's names
        result = await client.call_tool("calculate", {"expression": "6*7"})
    assert result.content[0].text == "42"


async def test_our_client_gets_progress_through_serve_over_stdio(config_file):
    command = serve_command(config_file)
    seen = []
    session = ClientSession(StdioTransport(command[0], command[1:], cwd=ROOT), name="gateway")
    async with asyncio.timeout(60), session:
        await session.open()
        result = await session.call_tool(
            "count_slowly", {"n": 3, "delay": 0.01}, on_progress=seen.append
        )
    assert result.text == "counted to 3"
    assert [p.progress for p in seen] == [1, 2, 3]


async def test_elicitation_from_a_fleet_server_reaches_the_sdk_client_over_http(http_gateway):
    async def answer(_context, params):
        return ElicitResult(action="accept", content={"name": "Ada"})

    async with (
        asyncio.timeout(60),
        Client(http_gateway.url, mode="legacy", elicitation_callback=answer) as client,
    ):
        result = await client.call_tool("input__greet", {})
    assert result.content[0].text == "hello Ada"
    assert any("tools/call tool=input__greet server=input" in line for line in http_gateway.lines)


@pytest.mark.parametrize("mode", ["legacy", "2026-07-28"])
async def test_sdk_client_calls_with_progress_over_http(http_gateway, mode):
    seen: list[float] = []

    async def progress(value, _total, _message):
        seen.append(value)

    async with asyncio.timeout(60), Client(http_gateway.url, mode=mode) as client:
        names = {tool.name for tool in (await client.list_tools()).tools}
        result = await client.call_tool(
            "count_slowly", {"n": 2, "delay": 0.01}, progress_callback=progress
        )
    assert names >= TOOLBOX_NAMES
    assert result.content[0].text == "counted to 2"
    assert seen == [1, 2]


async def test_our_client_cancels_a_call_through_http_and_serve_goes_on(http_gateway):
    session = ClientSession(StreamableHTTPTransport(http_gateway.url, name="gw"), name="gw")
    async with asyncio.timeout(60), session:
        await session.open()
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.5):
                await session.call_tool("count_slowly", {"n": 100, "delay": 0.1})
        result = await session.call_tool("echo", {"text": "still here"})
    assert result.text == "still here"


async def test_our_client_lists_and_calls_over_websocket(ws_gateway):
    session = ClientSession(WebSocketTransport(ws_gateway.url, name="ws"), name="ws")
    async with asyncio.timeout(60), session:
        await session.open()
        names = {tool.name for tool in await session.list_tools()}
        result = await session.call_tool("calculate", {"expression": "1+1"})
    assert names >= TOOLBOX_NAMES
    assert result.text == "2"


async def test_denied_tools_are_hidden_and_ask_without_elicitation_is_denied(tmp_path):
    config = fleet_yaml(tmp_path, "agent:\n  approval:\n    deny: [reverse]\n    ask: [upper]\n")
    async with asyncio.timeout(60), Client(_stdio(config), mode="legacy") as client:
        names = {tool.name for tool in (await client.list_tools()).tools}
        asked = await client.call_tool("upper", {"text": "x"})
        with pytest.raises(MCPError, match="Unknown tool: 'reverse'"):
            await client.call_tool("reverse", {"text": "x"})
    assert "reverse" not in names and "upper" in names
    assert asked.is_error and "denied" in asked.content[0].text


async def test_ask_goes_through_the_clients_elicitation(tmp_path):
    config = fleet_yaml(tmp_path, "agent:\n  approval:\n    ask: [upper]\n")
    questions = []

    async def answer(_context, params):
        questions.append(params.message)
        return ElicitResult(action="accept", content={})

    async with (
        asyncio.timeout(60),
        Client(_stdio(config), mode="legacy", elicitation_callback=answer) as client,
    ):
        result = await client.call_tool("upper", {"text": "ok"})
    assert result.content[0].text == "OK"
    assert "upper" in questions[0]


@pytest.fixture
async def secured(tmp_path):
    extra = "serve:\n  tokens: ['${AGENT_SERVE_TOKEN}']\n  max_body: 2000\n  max_concurrent: 1\n"
    served = await start_served(fleet_yaml(tmp_path, extra), "--http")
    yield served
    await stop_served(served)


INIT = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t"}},
}
GOOD = {"authorization": "Bearer s3cret", "accept": "application/json, text/event-stream"}
CALL_ECHO = {
    "jsonrpc": "2.0",
    "method": "tools/call",
    "params": {"name": "echo", "arguments": {"text": "hi"}},
}


async def test_http_security_refuses_bad_tokens_origins_bodies_and_crowds(secured):
    async with httpx.AsyncClient(timeout=20) as http:
        no_token = await http.post(secured.url, json=INIT)
        bad_token = await http.post(secured.url, json=INIT, headers={"authorization": "Bearer x"})
        bad_origin = await http.post(
            secured.url, json=INIT, headers={**GOOD, "origin": "http://evil.example"}
        )
        big = await http.post(secured.url, content=b'{"x": "' + b"a" * 5000 + b'"}', headers=GOOD)
        good = await http.post(secured.url, json=INIT, headers=GOOD)
        # A call waits for its server's start: after it, the health check must say "up"
        # (before it, on a loaded machine, the toolbox may still be starting).
        call = {**CALL_ECHO, "id": 2}
        headers = {**GOOD, "mcp-session-id": good.headers["mcp-session-id"]}
        echoed = await http.post(secured.url, json=call, headers=headers)
        health = await http.get(secured.url.replace("/mcp", "/health"))
    assert echoed.status_code == 200 and "hi" in echoed.text
    assert health.status_code == 200 and health.json()["servers"]["toolbox"] == "up"
    assert no_token.status_code == 401 and bad_token.status_code == 401
    assert "bearer" in no_token.headers["www-authenticate"].lower()
    assert bad_origin.status_code == 403
    assert big.status_code == 413
    assert good.status_code == 200 and good.headers["mcp-session-id"]
    assert "access-control-allow-origin" not in good.headers  # no CORS unless configured


async def test_a_client_past_its_concurrency_limit_gets_429(secured):
    async with httpx.AsyncClient(timeout=20) as http:
        init = await http.post(secured.url, json=INIT, headers=GOOD)
        headers = {**GOOD, "mcp-session-id": init.headers["mcp-session-id"]}
        slow = {
            "jsonrpc": "2.0",
            "id": 2,
            "method": "tools/call",
            "params": {"name": "count_slowly", "arguments": {"n": 5, "delay": 0.2}},
        }
        async with http.stream("POST", secured.url, json=slow, headers=headers) as first:
            assert first.status_code == 200
            second = await http.post(secured.url, json={**slow, "id": 3}, headers=headers)
            body = b"".join([chunk async for chunk in first.aiter_bytes()])
    assert second.status_code == 429
    assert b"counted to 5" in body


def test_serve_refuses_a_public_address_without_tokens(config_file):
    import subprocess

    done = subprocess.run(
        serve_command(config_file, "--http", "0.0.0.0:0"),
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    assert done.returncode != 0
    assert "serve: tokens" in done.stderr
    assert "Traceback" not in done.stderr


def test_serve_rejects_a_malformed_address(config_file):
    import subprocess

    done = subprocess.run(
        [sys.executable, "-m", "agent", "serve", "-c", str(config_file), "--http", "nope:x"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    assert done.returncode != 0 and "HOST:PORT" in done.stderr
