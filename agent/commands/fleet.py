"""Starting the configured fleet for a command, and telling the person what failed."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from agent import __version__
from agent.terminal import clean
from bridge.errors import NoServerAvailableError

if TYPE_CHECKING:
    from bridge.fleet import Fleet, ServerHandlers
    from bridge.toolset import FleetToolset
    from config.schema import Config

__all__ = ["running_fleet", "warn_unlisted"]


@asynccontextmanager
async def running_fleet(
    config: Config,
    *,
    handlers: ServerHandlers | None = None,
    require_servers: bool = True,
    wait_for_cached: bool = False,
    for_tool: str | None = None,
) -> AsyncIterator[FleetToolset]:
    """Start the servers, report failures on stderr, and keep the catalog current.

    Servers whose tools the catalog cache holds are not waited for unless
    ``wait_for_cached``: their cached tools stand in and a call waits for its own server.
    ``for_tool`` (a qualified name) starts just the servers that could own it; the
    others start on a first call, or when the name is not found among those.
    """
    from bridge.catalog_cache import CatalogCache
    from bridge.fleet import Fleet, ServerState
    from bridge.host import fleet_problems
    from bridge.toolset import FleetToolset

    fleet = Fleet(
        config.servers,
        handlers=handlers,
        client_version=__version__,
        catalog_cache=CatalogCache(),
    )
    only = _owners(fleet, config, for_tool) if for_tool is not None else None
    await fleet.start(only, wait_for_cached=wait_for_cached)
    try:
        toolset = FleetToolset(fleet, config.servers)
        if for_tool is not None and toolset.catalog.resolve(for_tool) is None and fleet.starting:
            # Not among the servers its name points to: the whole catalog decides.
            await fleet.start()
            toolset.refresh()
        fleet.on_tools_changed = toolset.refresh  # tools/list_changed updates the catalog live
        rows = fleet.status()
        live = (ServerState.UP, ServerState.STARTING)  # starting: not waited for, or not begun
        # The error may quote the server's own output, or echo a header it was sent.
        for line in fleet_problems(toolset):  # the words the chat shows too
            print(clean(f"agent: {line}"), file=sys.stderr)
        if require_servers and rows and not any(r.state in live for r in rows):
            raise NoServerAvailableError(
                "no server of the fleet could be started; fix the errors above "
                "(`agent config check` validates the config)"
            )
        yield toolset
        for notice in fleet.take_notices():  # what no event stream took: not lost unsaid
            print(clean(f"agent: {notice}"), file=sys.stderr)
    finally:
        await fleet.aclose()


def _owners(fleet: Fleet, config: Config, qualified: str) -> list[str] | None:
    """The servers to start for a call to ``qualified`` (None: all of them).

    Its name's namespace narrows them down; when several remain (a server without a
    prefix, names that share a beginning), a catalog built from the cache picks one.
    """
    from bridge.catalog import Catalog
    from bridge.naming import possible_owners

    namespaces = {
        name: server.prefix if server.prefix is not None else name
        for name, server in config.servers.items()
        if name in fleet.names
    }
    owners = possible_owners(qualified, namespaces)
    if len(owners) > 1:
        cached = fleet.tools()  # before start: the cached tools of every cached server
        if set(cached) == set(fleet.names):
            entry = Catalog.build(cached, config.servers).resolve(qualified)
            if entry is not None:
                return [entry.server]
    return owners or None


def warn_unlisted(errors: Mapping[str, str], what: str) -> None:
    """On stderr, each server that could not list its ``what`` (prompts, resources) and why."""
    for server, error in errors.items():
        print(
            clean(f"agent: server {server!r} could not list its {what}: {error}"), file=sys.stderr
        )
