"""Starting the configured fleet for a command, and telling the person what failed."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from agent import __version__
from agent.terminal import clean
from bridge.errors import NoServerAvailableError

if TYPE_CHECKING:
    from bridge.fleet import ServerHandlers
    from bridge.toolset import FleetToolset
    from config.schema import Config

__all__ = ["running_fleet"]


@asynccontextmanager
async def running_fleet(
    config: Config,
    *,
    handlers: ServerHandlers | None = None,
    require_servers: bool = True,
) -> AsyncIterator[FleetToolset]:
    """Start every server, report failures on stderr, and keep the catalog current."""
    from bridge.fleet import Fleet, ServerState
    from bridge.toolset import FleetToolset

    fleet = Fleet(config.servers, handlers=handlers, client_version=__version__)
    async with fleet:
        rows = fleet.status()
        for row in rows:
            if row.state is not ServerState.UP:
                # The error may quote the server's own output, or echo a header it was sent.
                print(
                    clean(f"agent: server {row.name!r} is not available: {row.last_error}"),
                    file=sys.stderr,
                )
        if require_servers and rows and not any(r.state is ServerState.UP for r in rows):
            raise NoServerAvailableError(
                "no server of the fleet could be started; fix the errors above "
                "(`agent config check` validates the config)"
            )
        toolset = FleetToolset(fleet, config.servers)
        fleet.on_tools_changed = toolset.refresh  # tools/list_changed updates the catalog live
        for note in toolset.catalog.notes:
            print(clean(f"agent: {note}"), file=sys.stderr)
        yield toolset
