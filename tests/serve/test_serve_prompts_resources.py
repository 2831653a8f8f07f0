"""``agent serve`` beyond tools: prompts, resources, templates, completions, subscriptions,
logging, roots and list changes, through a real subprocess with the official SDK client and
our own, in front of server-everything and SDK test servers."""

from __future__ import annotations

import asyncio
import json
import shutil
import sys
from pathlib import Path
from typing import Any

import mcp_types as types
import pytest
from mcp import Client
from mcp.client.stdio import StdioServerParameters
from mcp.shared.exceptions import MCPError

from bridge.errors import RemoteError
from bridge.mcp import ClientSession, StdioTransport
from bridge.mcp.http import StreamableHTTPTransport
from tests.serve.conftest import ROOT, SERVERS, serve_command, start_served, stop_served

EVERYTHING = ROOT / "tests" / "npm" / "node_modules" / ".bin" / "mcp-server-everything"
# subscribe, setLevel and roots are legacy-mode features to the SDK (2026-07-28 drops them).
pytestmark = pytest.mark.filterwarnings("ignore::mcp.shared.exceptions.MCPDeprecationWarning")
needs_everything = pytest.mark.skipif(
    not EVERYTHING.exists() or shutil.which("node") is None,
    reason="server-everything needs node and tests/npm installed",
)


def _server(name: str, script: str, extra: str = "") -> str:
    return (
        f'  {name}:\n    command: {sys.executable}\n    args: ["{SERVERS / script}"]\n'
        f'    protocol: "2025-11-25"\n{extra}'
    )


def write_config(tmp_path: Path, *servers: str) -> Path:
    path = tmp_path / "agent.yaml"
    path.write_text("servers:\n" + "".join(servers))
    return path


EVERYTHING_ENTRY = f'  everything:\n    command: {EVERYTHING}\n    args: ["stdio"]\n'
NOTES = _server("notes", "resource_server.py")
PEER = _server("peer", "gateway_peer_server.py")


@pytest.fixture
def fleet_config(tmp_path: Path) -> Path:
    """server-everything, and two SDK servers that both list ``notes://today``."""
    return write_config(tmp_path, EVERYTHING_ENTRY, NOTES, PEER)


def _stdio(config: Path) -> StdioServerParameters:
    command = serve_command(config)
    return StdioServerParameters(command=command[0], args=command[1:], cwd=str(ROOT))


def _ours(config: Path, **handlers: Any) -> ClientSession:
    command = serve_command(config)
    return ClientSession(
        StdioTransport(command[0], command[1:], cwd=ROOT),
        name="gateway",
        protocol="2025-11-25",
        **handlers,
    )


@needs_everything
async def test_sdk_client_lists_and_gets_prompts_under_qualified_names(fleet_config):
    async with asyncio.timeout(60), Client(_stdio(fleet_config), mode="legacy") as client:
        names = [prompt.name for prompt in (await client.list_prompts()).prompts]
        args = await client.get_prompt("everything__args-prompt", {"city": "Paris"})
        review = await client.get_prompt("notes__review", {"text": "a poem"})
        with pytest.raises(MCPError, match="Unknown prompt: 'notes__nope'"):
            await client.get_prompt("notes__nope", {})
    assert {"everything__args-prompt", "notes__review", "peer__hello"} <= set(names)
    assert "Paris" in args.messages[0].content.text
    assert review.messages[0].content.text == "Review this in a kind tone: a poem"


@needs_everything
async def test_colliding_uris_get_fleet_names_and_reads_route_back_to_each_owner(fleet_config):
    async with asyncio.timeout(60), Client(_stdio(fleet_config), mode="legacy") as client:
        uris = [str(r.uri) for r in (await client.list_resources()).resources]
        notes = await client.read_resource("mcp-fleet://notes/notes://today")
        peer = await client.read_resource("mcp-fleet://peer/notes://today")
        plain = await client.read_resource("pics://pixel")
        with pytest.raises(MCPError, match="several servers offer notes://today") as ambiguous:
            await client.read_resource("notes://today")
    assert "notes://today" not in uris
    assert {"mcp-fleet://notes/notes://today", "mcp-fleet://peer/notes://today"} <= set(uris)
    assert "demo://resource/static/document/architecture.md" in uris  # unique: unchanged
    assert notes.contents[0].text == "Buy milk. Call Ada."
    assert str(notes.contents[0].uri) == "mcp-fleet://notes/notes://today"
    assert peer.contents[0].text == "The peer's notes."
    assert plain.contents[0].mime_type == "image/png"
    assert ambiguous.value.error.code == -32602


@needs_everything
async def test_templates_and_completions_reach_the_owning_server(fleet_config):
    session = _ours(fleet_config)
    async with asyncio.timeout(60), session:
        await session.open()
        templates = {t["uriTemplate"] for t in await session.list_resource_templates()}
        day = await session.read_resource("notes://day/monday")
        dynamic = await session.read_resource("demo://resource/dynamic/text/7")
        prompt = await session.complete(
            {"type": "ref/prompt", "name": "everything__completable-prompt"},
            {"name": "department", "value": "Eng"},
        )
        template = await session.complete(
            {"type": "ref/resource", "uri": "demo://resource/dynamic/text/{resourceId}"},
            {"name": "resourceId", "value": "1"},
        )
    assert {"notes://day/{day}", "demo://resource/dynamic/text/{resourceId}"} <= templates
    assert day[0]["text"] == "Notes of monday: nothing much."
    assert "7" in dynamic[0]["text"]
    assert prompt["values"] == ["Engineering"]
    assert "1" in template["values"]


async def test_a_fleet_of_one_passes_names_uris_and_not_found_errors_through(tmp_path):
    config = write_config(tmp_path, _server("notes", "resource_server.py", '    prefix: ""\n'))
    direct = ClientSession(
        StdioTransport(sys.executable, [str(SERVERS / "resource_server.py")]), name="direct"
    )
    async with asyncio.timeout(60), direct:
        await direct.open()
        with pytest.raises(RemoteError) as direct_error:
            await direct.read_resource("notes://nowhere")
        direct_uris = [r["uri"] for r in await direct.list_resources()]
    session = _ours(config)
    async with asyncio.timeout(60), session:
        await session.open()
        prompts = [p["name"] for p in await session.list_prompts()]
        uris = [r["uri"] for r in await session.list_resources()]
        with pytest.raises(RemoteError) as served_error:
            await session.read_resource("notes://nowhere")
    assert prompts == ["review"]
    assert uris == direct_uris
    assert served_error.value.code == direct_error.value.code
    assert served_error.value.message == direct_error.value.message


@needs_everything
async def test_a_subscribed_client_hears_the_resource_updated_over_http(tmp_path):
    served = await start_served(write_config(tmp_path, EVERYTHING_ENTRY), "--http")
    updated: asyncio.Queue[str] = asyncio.Queue()

    async def on_message(message: Any) -> None:
        if isinstance(message, types.ResourceUpdatedNotification):
            updated.put_nowait(str(message.params.uri))

    uri = "demo://resource/static/document/architecture.md"
    try:
        async with (
            asyncio.timeout(60),
            Client(served.url, mode="legacy", message_handler=on_message) as client,
        ):
            await client.subscribe_resource(uri)
            await client.call_tool("everything__toggle-subscriber-updates", {})
            first = await updated.get()
            await client.unsubscribe_resource(uri)
    finally:
        await stop_served(served)
    assert first == uri


async def test_a_log_message_reaches_the_client_at_the_level_it_set(tmp_path):
    config = write_config(tmp_path, PEER)
    logs: list[types.LoggingMessageNotificationParams] = []

    async def on_log(params: types.LoggingMessageNotificationParams) -> None:
        logs.append(params)

    async with (
        asyncio.timeout(60),
        Client(_stdio(config), mode="legacy", logging_callback=on_log) as client,
    ):
        await client.set_logging_level("warning")
        await client.call_tool("peer__say", {"level": "info", "text": "too quiet"})
        await client.call_tool("peer__say", {"level": "error", "text": "loud enough"})
        state = json.loads((await client.call_tool("peer__state", {})).content[0].text)
    assert [(log.level, log.data, log.logger) for log in logs] == [("error", "loud enough", "peer")]
    assert state["level"] == "warning"  # passed on to the fleet's server


async def test_roots_asked_by_a_fleet_server_are_answered_by_the_client(tmp_path):
    config = write_config(tmp_path, PEER)

    async def roots(_context: Any) -> types.ListRootsResult:
        return types.ListRootsResult(roots=[types.Root(uri="file:///work/project")])

    async with (
        asyncio.timeout(60),
        Client(_stdio(config), mode="legacy", list_roots_callback=roots) as client,
    ):
        answer = await client.call_tool("peer__roots", {})
        await client.send_roots_list_changed()
        while True:  # the notification and the next call race; each call is a round trip
            state = json.loads((await client.call_tool("peer__state", {})).content[0].text)
            if state["roots_changes"]:
                break
    assert answer.content[0].text == "file:///work/project"
    assert state["roots_changes"] == 1


async def test_list_changes_of_prompts_and_resources_reach_the_client_over_http(tmp_path):
    served = await start_served(write_config(tmp_path, PEER), "--http")
    changed: set[str] = set()
    both = asyncio.Event()

    async def on_message(message: Any) -> None:
        if isinstance(message, types.ServerNotification | types.PromptListChangedNotification):
            changed.add(type(message).__name__)
        if {"PromptListChangedNotification", "ResourceListChangedNotification"} <= changed:
            both.set()

    try:
        async with (
            asyncio.timeout(60),
            Client(served.url, mode="legacy", message_handler=on_message) as client,
        ):
            await client.call_tool("peer__announce", {})
            await both.wait()
    finally:
        await stop_served(served)
    assert {"PromptListChangedNotification", "ResourceListChangedNotification"} <= changed


async def test_a_server_that_is_down_gives_errors_naming_it_and_the_rest_keep_serving(tmp_path):
    broken = f'  broken:\n    command: {sys.executable}\n    args: ["-c", "raise SystemExit(3)"]\n'
    config = write_config(tmp_path, NOTES, broken)
    session = _ours(config)
    async with asyncio.timeout(60), session:
        await session.open()
        errors = []
        for attempt in (
            session.get_prompt("broken__anything"),
            session.read_resource("mcp-fleet://broken/notes://x"),
            session.complete(
                {"type": "ref/prompt", "name": "broken__x"}, {"name": "a", "value": ""}
            ),
        ):
            with pytest.raises(RemoteError) as error:
                await attempt
            errors.append(error.value)
        review = await session.get_prompt("notes__review", {"text": "still"})
    assert all("server 'broken' is failed" in e.message for e in errors)
    assert all(e.code == -32603 for e in errors)
    assert review["messages"][0]["content"]["text"] == "Review this in a kind tone: still"


async def test_capabilities_follow_what_the_fleet_offers_over_http(tmp_path):
    toolbox = f'  toolbox:\n    command: {sys.executable}\n    args: ["-m", "agent.toolbox"]\n'
    offering = await start_served(write_config(tmp_path, NOTES), "--http")
    (tmp_path / "bare").mkdir()
    bare = await start_served(write_config(tmp_path / "bare", toolbox), "--http")
    found = []
    try:
        for served in (offering, bare):
            session = ClientSession(StreamableHTTPTransport(served.url, name="gw"), name="gw")
            async with asyncio.timeout(60), session:
                found.append((await session.open()).capabilities)
    finally:
        await stop_served(offering)
        await stop_served(bare)
    assert found[0]["prompts"] == {"listChanged": True}
    assert found[0]["resources"] == {"listChanged": True}  # resource_server has no subscribe
    assert "completions" not in found[0]  # resource_server offers none
    assert set(found[1]) == {"tools", "logging"}  # the toolbox offers logging, nothing more
