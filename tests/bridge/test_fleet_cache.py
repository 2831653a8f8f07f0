"""The catalog cache: a warm fleet does not wait for a slow server; changes are reported."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import stat
import sys
from pathlib import Path
from typing import Any

import pytest

from bridge.catalog import Catalog
from bridge.catalog_cache import CatalogCache, config_key, default_cache_dir
from bridge.fleet import Fleet, ServerState
from config.schema import ServerConfig
from config.secrets import remember

from .mcp.conftest import SERVERS

SCRIPTED = str(SERVERS / "scripted_server.py")


def scripted(behaviour: Path, **extra: Any) -> ServerConfig:
    return ServerConfig.model_validate(
        {"command": sys.executable, "args": [SCRIPTED, str(behaviour)], **extra}
    )


def behave(path: Path, **behaviour: Any) -> Path:
    path.write_text(json.dumps(behaviour))
    return path


async def warm(servers: dict[str, ServerConfig], cache: CatalogCache) -> None:
    """A first, cold start: it waits for every server and fills the cache."""
    async with Fleet(servers, catalog_cache=cache) as fleet:
        assert all(row.state is ServerState.UP for row in fleet.status())


async def open_gate(gate: Path) -> None:
    def write() -> None:
        with gate.open("w") as pipe:  # blocks until the server opens the FIFO to read
            pipe.write("go\n")

    await asyncio.to_thread(write)


async def test_a_warm_fleet_lists_a_slow_servers_cached_tools_before_it_is_up(tmp_path):
    cache = CatalogCache(tmp_path / "cache")
    gate = tmp_path / "gate"
    os.mkfifo(gate)
    slow = behave(tmp_path / "slow.json")
    servers = {"slow": scripted(slow), "fast": scripted(behave(tmp_path / "fast.json"))}
    await warm(servers, cache)

    behave(slow, gate=str(gate))  # same config, so the same cache entry: now slow to start
    fleet = Fleet(servers, catalog_cache=cache)
    async with asyncio.timeout(20):
        await fleet.start(wait_for_cached=False)
        try:
            rows = {row.name: row for row in fleet.status()}
            assert rows["slow"].state is ServerState.STARTING and rows["slow"].cached_tools
            names = {entry.qualified for entry in Catalog.build(fleet.tools(), servers)}
            assert names == {"slow__echo", "fast__echo"}
            # A call waits for its own server only, and goes through once it is up.
            call = asyncio.create_task(fleet.call("slow", "echo", {"n": 1}))
            fast = await fleet.call("fast", "echo", {"n": 2})
            assert fast.text == 'call 1 {"n": 2}' and not call.done()
            await open_gate(gate)
            assert (await call).text == 'call 1 {"n": 1}'
            assert fleet.take_notices() == []  # the same tools as the cache held
        finally:
            await fleet.aclose()


async def test_a_server_listing_other_tools_than_cached_is_reported_and_replaces_them(tmp_path):
    cache = CatalogCache(tmp_path / "cache")
    behaviour = behave(tmp_path / "b.json")
    servers = {"s": scripted(behaviour)}
    await warm(servers, cache)

    other = {"name": "lookup", "description": "Look up", "inputSchema": {"type": "object"}}
    behave(behaviour, tools=[other], version="2")
    changed = asyncio.Event()
    fleet = Fleet(servers, catalog_cache=cache, on_tools_changed=changed.set)
    async with asyncio.timeout(20):
        await fleet.start(wait_for_cached=False)
        try:
            assert [tool.name for tool in fleet.tools()["s"]] == ["echo"]  # the cache, for now
            await fleet.ready("s")
            assert changed.is_set()
            assert [tool.name for tool in fleet.tools()["s"]] == ["lookup"]  # the truth
            (notice,) = fleet.take_notices()
            assert "server 's' lists other tools" in notice
            assert "new: lookup" in notice and "gone: echo" in notice
        finally:
            await fleet.aclose()
    reloaded = cache.load("s", servers["s"])
    assert reloaded is not None
    assert [t.name for t in reloaded.tools] == ["lookup"] and reloaded.server_version == "2"


async def test_a_cached_server_that_fails_to_start_leaves_a_notice_and_the_catalog(tmp_path):
    cache = CatalogCache(tmp_path / "cache")
    behaviour = behave(tmp_path / "b.json")
    servers = {"s": scripted(behaviour)}
    await warm(servers, cache)
    behaviour.write_text("this is not json")  # the server now dies at start
    fleet = Fleet(servers, catalog_cache=cache)
    async with asyncio.timeout(20):
        await fleet.start(wait_for_cached=False)
        try:
            assert "s" in fleet.tools()
            assert not await fleet.ready("s")
            assert fleet.tools() == {}
            (notice,) = fleet.take_notices()
            assert notice.startswith("server 's' is not available")
        finally:
            await fleet.aclose()


async def test_without_a_cache_the_fleet_waits_for_every_server_as_before(tmp_path):
    cache = CatalogCache(tmp_path / "cache")
    servers = {"s": scripted(behave(tmp_path / "b.json"))}
    fleet = Fleet(servers, catalog_cache=cache)
    async with asyncio.timeout(20):
        await fleet.start(wait_for_cached=False)
        try:
            assert fleet.status()[0].state is ServerState.UP
        finally:
            await fleet.aclose()


async def test_the_cache_file_is_private_and_holds_no_secret_in_clear(tmp_path):
    cache = CatalogCache(tmp_path / "cache")
    secret = "sk-very-secret-token-1234"
    remember(secret)
    echoing = {"name": "echo", "description": f"uses {secret}", "inputSchema": {}}
    servers = {"s": scripted(behave(tmp_path / "b.json", tools=[echoing]), env={"TOKEN": secret})}
    await warm(servers, cache)
    (file,) = (tmp_path / "cache").iterdir()
    assert stat.S_IMODE((tmp_path / "cache").stat().st_mode) == 0o700
    assert stat.S_IMODE(file.stat().st_mode) == 0o600
    assert secret not in file.read_text()
    assert json.loads(file.read_text())["key"] == config_key("s", servers["s"])


@pytest.mark.parametrize(
    "content",
    [
        b"{not json",
        b"[1, 2, 3]",
        b'{"format": 1, "key": "someone else", "server": {}, "tools": []}',
        b'{"format": 99}',
        b"\xff\xfe\x00",
    ],
    ids=["corrupt", "not-an-object", "foreign-key", "future-format", "binary"],
)
async def test_a_corrupt_or_foreign_cache_file_is_ignored_with_a_warning(tmp_path, content, caplog):
    cache = CatalogCache(tmp_path / "cache")
    servers = {"s": scripted(behave(tmp_path / "b.json"))}
    await warm(servers, cache)
    (file,) = (tmp_path / "cache").iterdir()
    file.write_bytes(content)
    with caplog.at_level(logging.WARNING, logger="bridge.catalog_cache"):
        assert cache.load("s", servers["s"]) is None
        async with Fleet(servers, catalog_cache=cache) as fleet:
            assert fleet.status()[0].state is ServerState.UP
    assert "ignoring it" in caplog.text
    assert cache.load("s", servers["s"]) is not None  # the truth was written back


def test_the_cache_lives_under_xdg_cache_home():
    assert default_cache_dir({"XDG_CACHE_HOME": "/x"}) == Path("/x/agent/catalog")
    assert default_cache_dir({}) == Path.home() / ".cache" / "agent" / "catalog"
