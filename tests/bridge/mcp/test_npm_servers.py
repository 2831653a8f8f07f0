"""Our client against the npm reference servers over stdio."""

from __future__ import annotations

import json

from bridge.mcp import Progress

from .conftest import open_session


async def test_everything_server_lists_tools_and_answers_echo_and_sum(npm_server):
    async with open_session(npm_server("mcp-server-everything"), "stdio") as session:
        names = {tool.name for tool in await session.list_tools()}
        assert {"echo", "get-sum", "trigger-long-running-operation"} <= names
        assert (await session.call_tool("echo", {"message": "hi"})).text == "Echo: hi"
        total = await session.call_tool("get-sum", {"a": 2, "b": 3})
        assert "5" in total.text


async def test_everything_server_long_running_operation_reports_progress(npm_server):
    seen: list[Progress] = []
    async with open_session(npm_server("mcp-server-everything"), "stdio") as session:
        result = await session.call_tool(
            "trigger-long-running-operation", {"duration": 0.3, "steps": 3}, on_progress=seen.append
        )
    assert "completed" in result.text
    assert [p.progress for p in seen] == [1, 2, 3]


async def test_filesystem_server_reads_a_text_file(npm_server, tmp_path):
    (tmp_path / "note.txt").write_text("hello from disk")
    async with open_session(npm_server("mcp-server-filesystem"), str(tmp_path)) as session:
        tools = {tool.name for tool in await session.list_tools()}
        assert "read_text_file" in tools
        result = await session.call_tool("read_text_file", {"path": str(tmp_path / "note.txt")})
    assert result.text == "hello from disk"


async def test_memory_server_creates_entities_and_reads_the_graph(npm_server, tmp_path):
    env = {"MEMORY_FILE_PATH": str(tmp_path / "memory.jsonl")}
    async with open_session(npm_server("mcp-server-memory"), env=env) as session:
        assert len(await session.list_tools()) == 9
        entity = {"name": "Ada", "entityType": "person", "observations": ["wrote programs"]}
        created = await session.call_tool("create_entities", {"entities": [entity]})
        assert not created.is_error
        graph = await session.call_tool("read_graph", {})
    assert json.loads(graph.text)["entities"][0]["name"] == "Ada"


async def test_sequential_thinking_server_takes_a_thought(npm_server):
    async with open_session(npm_server("mcp-server-sequential-thinking")) as session:
        assert [t.name for t in await session.list_tools()] == ["sequentialthinking"]
        result = await session.call_tool(
            "sequentialthinking",
            {
                "thought": "First step",
                "thoughtNumber": 1,
                "totalThoughts": 2,
                "nextThoughtNeeded": True,
            },
        )
    assert not result.is_error
    assert json.loads(result.text)["thoughtNumber"] == 1
