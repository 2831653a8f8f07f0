"""Starting the configured fleet for a command, and telling the person what failed."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from agent import __version__
from bridge.errors import NoServerAvailableError

if TYPE_CHECKING:
    from bridge.catalog import Catalog
    from bridge.fleet import Fleet, ServerHandlers
    from config.schema import Config

__all__ = ["RunningFleet", "running_fleet"]


@dataclass
class RunningFleet:
    config: Config
    fleet: Fleet
    catalog: Catalog

    def refresh(self) -> None:
        """Rebuild the catalog after a server's tools changed."""
        from bridge.catalog import Catalog

        self.catalog = Catalog.build(self.fleet.tools(), self.config.servers)


@asynccontextmanager
async def running_fleet(
    config_path: str | None,
    *,
    handlers: ServerHandlers | None = None,
    require_servers: bool = True,
) -> AsyncIterator[RunningFleet]:
    """Load the config, start every server, report failures on stderr, build the catalog."""
    from bridge.catalog import Catalog
    from bridge.fleet import Fleet, ServerState
    from config import load

    config = load(config_path)
    fleet = Fleet(config.servers, handlers=handlers, client_version=__version__)
    async with fleet:
        rows = fleet.status()
        for row in rows:
            if row.state is not ServerState.UP:
                print(
                    f"agent: server {row.name!r} is not available: {row.last_error}",
                    file=sys.stderr,
                )
        if require_servers and rows and not any(r.state is ServerState.UP for r in rows):
            raise NoServerAvailableError(
                "no server of the fleet could be started; fix the errors above "
                "(`agent config check` validates the config)"
            )
        running = RunningFleet(config, fleet, Catalog.build(fleet.tools(), config.servers))
        for note in running.catalog.notes:
            print(f"agent: {note}", file=sys.stderr)
        yield running
