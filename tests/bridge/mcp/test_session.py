"""The session against the `mcp` SDK reference server and the raw server."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest

from bridge.errors import RemoteError, ServerStartError
from bridge.mcp import Progress, Tool


async def test_handshake_keeps_server_info_and_instructions(sdk_server):
    async with sdk_server(protocol="2025-11-25") as session:
        assert session.server is not None
        assert session.server.name == "sdk-reference"
        assert session.server.protocol_version == "2025-11-25"
        assert session.server.instructions == "A test server."
        assert "tools" in session.server.capabilities
        assert not session.stateless


async def test_an_sdk_server_is_spoken_to_at_2026_07_28_over_stdio(sdk_server):
    async with sdk_server() as session:
        assert session.server is not None
        assert session.server.name == "sdk-reference"
        assert session.server.protocol_version == "2026-07-28"
        assert session.stateless
        assert "tools" in session.server.capabilities
        assert (await session.call_tool("add", {"a": 2, "b": 3})).text == "5"


async def test_tools_are_listed_and_called(sdk_server):
    async with sdk_server() as session:
        names = {tool.name for tool in await session.list_tools()}
        assert {"add", "echo", "fail", "slow", "crash"} <= names
        result = await session.call_tool("add", {"a": 2, "b": 40})
        assert result.text == "42"
        assert result.structured == {"result": 42}
        assert not result.is_error


async def test_tool_failure_is_an_error_result_not_an_exception(sdk_server):
    async with sdk_server() as session:
        result = await session.call_tool("fail", {"message": "no luck"})
        assert result.is_error
        assert "no luck" in result.text


async def test_unknown_tool_is_reported_by_the_server(sdk_server):
    async with sdk_server() as session:
        try:
            result = await session.call_tool("no_such_tool", {})
        except RemoteError as exc:
            assert "no_such_tool" in str(exc)
        else:
            assert result.is_error


async def test_progress_notifications_reach_the_callback(sdk_server):
    seen: list[Progress] = []
    async with sdk_server() as session:
        result = await session.call_tool(
            "slow", {"steps": 3, "delay": 0.01}, on_progress=seen.append
        )
    assert result.text == "done after 3 steps"
    assert [p.progress for p in seen] == [1, 2, 3]
    assert seen[-1].total == 3
    assert seen[0].message == "step 1"


async def test_progress_pushes_the_timeout_back_up_to_the_hard_maximum(sdk_server):
    async with sdk_server() as session:
        # Each step takes 0.15 s, longer than the 0.4 s timeout in total but not per step.
        result = await session.call_tool(
            "slow",
            {"steps": 5, "delay": 0.15},
            timeout=0.4,
            max_timeout=10,
            on_progress=lambda _p: None,
        )
        assert result.text == "done after 5 steps"


async def test_server_log_notifications_go_to_our_logging(sdk_server, caplog):
    caplog.set_level(logging.INFO, logger="bridge.mcp.server")
    async with sdk_server() as session:
        await session.call_tool("log_something", {})
    assert any("hello from the server" in r.getMessage() for r in caplog.records)


async def test_ping_answers(sdk_server):
    async with sdk_server() as session:
        await session.ping()


async def test_pagination_collects_every_page(raw_server):
    async with raw_server("pages") as session:
        tools = await session.list_tools()
    assert [t.name for t in tools] == ["tool0", "tool1", "tool2"]


async def test_older_protocol_counter_offer_is_accepted(raw_server):
    async with raw_server("old-version") as session:
        assert session.server.protocol_version == "2024-11-05"


async def test_unknown_protocol_version_ends_the_connection_with_a_clear_error(raw_server):
    with pytest.raises(ServerStartError, match=r"1999-01-01.*not support"):
        async with raw_server("bad-version"):
            pass


async def test_a_burst_of_list_changed_causes_one_or_two_relists(raw_server):
    lists: list[list[Tool]] = []
    relisted = asyncio.Event()

    def changed(tools: list[Tool]) -> None:
        lists.append(tools)
        relisted.set()

    async with raw_server("list-changed", on_tools_changed=changed) as session:
        async with asyncio.timeout(5):
            await relisted.wait()
        # A ping round trip lets any second re-list start and finish.
        await session.ping()
        await session.ping()
    assert 1 <= len(lists) <= 2
    assert lists[0][0].name == "echo"


async def test_server_requests_reach_the_declared_handler(raw_server):
    asked: list[dict[str, Any]] = []

    async def sampling(params: dict[str, Any]) -> dict[str, Any]:
        asked.append(params)
        return {"role": "assistant", "content": {"type": "text", "text": "hi"}, "model": "m"}

    async with raw_server("sampling", sampling=sampling) as session:
        assert "sampling" in session.capabilities
        result = await session.call_tool("echo", {})
    assert asked == [{"messages": [], "maxTokens": 10}]
    assert '"model": "m"' in result.text


async def test_server_request_without_a_handler_is_answered_method_not_found(raw_server):
    async with raw_server("sampling") as session:
        assert "sampling" not in session.capabilities
        result = await session.call_tool("echo", {})
    assert "-32601" in result.text
