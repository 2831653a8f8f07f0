"""Server requests to stateless (2026-07-28) clients through ``agent serve``: the fleet
server asks mid-call, the gateway answers the client with ``input_required`` and finishes
the held call on the retry. The SDK client and ours, over Streamable HTTP and stdio."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from mcp import Client
from mcp.client.stdio import StdioServerParameters
from mcp.shared.exceptions import MCPError
from mcp_types import CreateMessageResult, ElicitResult, ListRootsResult, Root, TextContent

from bridge.mcp import ClientSession
from bridge.mcp.http import StreamableHTTPTransport
from bridge.mcp.negotiation import META_CAPABILITIES, META_CLIENT, META_VERSION, MODERN_VERSION
from tests.serve.conftest import ROOT, fleet_yaml, serve_command, start_served, stop_served


def _stdio(config: Path) -> StdioServerParameters:
    command = serve_command(config)
    return StdioServerParameters(command=command[0], args=command[1:], cwd=str(ROOT))


async def test_a_fleet_servers_elicitation_reaches_a_stateless_sdk_client_over_http(
    http_gateway,
):
    asked: list[str] = []

    async def answer(_context, params):
        asked.append(params.message)
        return ElicitResult(action="accept", content={"name": "Ada"})

    async with (
        asyncio.timeout(60),
        Client(http_gateway.url, mode="2026-07-28", elicitation_callback=answer) as client,
    ):
        result = await client.call_tool("input__greet", {})
    assert result.content[0].text == "hello Ada"
    assert asked == ["Who is there?"]


async def test_a_fleet_servers_roots_request_reaches_a_stateless_sdk_client_over_stdio(
    config_file,
):
    async def roots(_context):
        return ListRootsResult(roots=[Root(uri="file:///a"), Root(uri="file:///b")])

    async with (
        asyncio.timeout(60),
        Client(_stdio(config_file), mode="2026-07-28", list_roots_callback=roots) as client,
    ):
        result = await client.call_tool("input__count_roots", {})
    assert result.content[0].text == "2 roots"


async def test_our_stateless_client_answers_the_gateways_rounds(http_gateway):
    async def elicit(_params):
        return {"action": "accept", "content": {"name": "Grace"}}

    session = ClientSession(
        StreamableHTTPTransport(http_gateway.url, name="gw"),
        name="gw",
        elicitation=elicit,
        protocol=MODERN_VERSION,
    )
    async with asyncio.timeout(60), session:
        await session.open()
        result = await session.call_tool("input__greet", {})
    assert session.stateless
    assert result.text == "hello Grace"


async def test_ask_reaches_a_stateless_client_and_a_decline_denies(tmp_path):
    config = fleet_yaml(tmp_path, "agent:\n  approval:\n    ask: [upper, lower]\n")
    questions: list[str] = []

    async def answer(_context, params):
        questions.append(params.message)
        action = "accept" if "upper" in params.message else "decline"
        return ElicitResult(action=action, content={})

    async with (
        asyncio.timeout(60),
        Client(_stdio(config), mode="2026-07-28", elicitation_callback=answer) as client,
    ):
        allowed = await client.call_tool("upper", {"text": "ok"})
        declined = await client.call_tool("lower", {"text": "OK"})
    assert allowed.content[0].text == "OK"
    assert declined.is_error and "denied" in declined.content[0].text
    assert len(questions) == 2


async def test_a_stateless_client_that_cannot_elicit_gets_a_clear_error_not_a_hang(
    http_gateway,
):
    # The fleet server's own error for the failed elicitation comes through as it gave it.
    async with asyncio.timeout(60), Client(http_gateway.url, mode="2026-07-28") as client:
        with pytest.raises(MCPError, match="no connected client offers elicitation"):
            await client.call_tool("input__greet", {})


async def _call(url: str, name: str, **resume: Any) -> dict[str, Any]:
    """One stateless tools/call as raw HTTP (JSON or SSE answer): its JSON-RPC response."""
    params = {
        "name": name,
        "arguments": {},
        **resume,
        "_meta": {
            META_VERSION: MODERN_VERSION,
            META_CAPABILITIES: {"elicitation": {}},
            META_CLIENT: {"name": "raw", "version": "1"},
        },
    }
    headers = {
        "accept": "application/json, text/event-stream",
        "mcp-protocol-version": MODERN_VERSION,
        "mcp-method": "tools/call",
        "mcp-name": name,
    }
    body = {"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": params}
    async with httpx.AsyncClient(timeout=30) as http:
        answer = await http.post(url, json=body, headers=headers)
    if answer.headers["content-type"].startswith("application/json"):
        return answer.json()
    messages = [
        json.loads(line[5:])
        for line in answer.text.splitlines()
        if line[5:].strip()
        if line.startswith("data:")
    ]
    return next(m for m in messages if m.get("id") == 1)


async def test_a_retry_naming_a_call_no_longer_held_is_a_clear_error(http_gateway):
    first = (await _call(http_gateway.url, "input__greet"))["result"]
    assert first["resultType"] == "input_required"
    (key,) = first["inputRequests"]
    gone = first["requestState"] + "x"
    answer = await _call(
        http_gateway.url,
        "input__greet",
        requestState=gone,
        inputResponses={key: {"action": "accept", "content": {"name": "Ada"}}},
    )
    assert "requestState names no call held here" in answer["error"]["message"]
    assert "call the tool again" in answer["error"]["message"]


async def test_a_stateless_servers_rounds_are_relayed_as_the_server_wrote_them(tmp_path):
    config = fleet_yaml(tmp_path).read_text().replace('"2025-11-25"', '"2026-07-28"')
    (tmp_path / "agent.yaml").write_text(config)
    served = await start_served(tmp_path / "agent.yaml", "--http")
    try:
        async with asyncio.timeout(60):
            first = (await _call(served.url, "input__greet"))["result"]
            assert first["resultType"] == "input_required"
            state = first["requestState"]
            (key,) = first["inputRequests"]
            # The server's own key and state, not a gateway's: no replica holds this call.
            assert not key.startswith("elicitation-") and not state.startswith("held.")
            answers = {key: {"action": "accept", "content": {"name": "Lin"}}}
            done = await _call(
                served.url, "input__greet", requestState=state, inputResponses=answers
            )
    finally:
        await stop_served(served)
    assert done["result"]["content"][0]["text"] == "hello Lin"


async def test_sampling_reaches_a_stateless_client_when_the_policy_leaves_it_to_the_client(
    http_gateway,
):
    async def sample(_context, params):
        return CreateMessageResult(
            role="assistant", content=TextContent(type="text", text="short"), model="m"
        )

    async with (
        asyncio.timeout(60),
        Client(http_gateway.url, mode="2026-07-28", sampling_callback=sample) as client,
    ):
        result = await client.call_tool("input__summarize", {})
    assert result.content[0].text == "summary: short"


async def test_sampling_denied_by_policy_is_refused_before_any_client_is_asked(tmp_path):
    config = fleet_yaml(tmp_path, "agent:\n  approval:\n    sampling: deny\n")
    sampled: list[object] = []

    async def sample(_context, params):
        sampled.append(params)
        raise AssertionError("the gateway's policy denies sampling")

    served = await start_served(config, "--http")
    try:
        async with (
            asyncio.timeout(60),
            Client(served.url, mode="legacy", sampling_callback=sample) as client,
        ):
            with pytest.raises(MCPError, match="sampling is denied by the gateway's policy"):
                await client.call_tool("input__summarize", {})
    finally:
        await stop_served(served)
    assert sampled == []


async def test_a_tool_of_a_server_that_is_down_is_a_tool_error_naming_the_server(tmp_path):
    extra = "  gone:\n    command: /nonexistent/mcp-server\n    restart: never\n"
    config = fleet_yaml(tmp_path, extra)
    async with asyncio.timeout(60), Client(_stdio(config), mode="legacy") as client:
        down = await client.call_tool("gone__search", {})
        with pytest.raises(MCPError, match="Unknown tool: 'nowhere__search'"):
            await client.call_tool("nowhere__search", {})
        alive = await client.call_tool("echo", {"text": "still here"})
    assert down.is_error
    assert "server 'gone' is failed" in down.content[0].text
    assert "no such file" in down.content[0].text
    assert alive.content[0].text == "still here"
