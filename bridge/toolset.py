"""The loop's view of the fleet: tool specs per dialect, validators, and routed calls.

Conversions and validators are computed once per tool and reused; the catalog is rebuilt
when a server's tools change, and only the changed tools are converted again.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from bridge.catalog import Catalog, CatalogEntry
from bridge.fleet_types import ServerState
from bridge.mcp import CallResult, ProgressCallback
from bridge.schema import Conversion, convert_lenient
from bridge.validation import ArgumentValidator, ValidatorCache
from providers.types import ToolSpec

if TYPE_CHECKING:
    from bridge.fleet import Fleet
    from bridge.mcp.input_required import Relay
    from config.schema import ServerConfig

__all__ = ["FleetToolset"]

log = logging.getLogger(__name__)


class FleetToolset:
    """Tools of a running fleet, as the loop needs them."""

    def __init__(self, fleet: Fleet, configs: Mapping[str, ServerConfig]) -> None:
        self.fleet = fleet
        self.configs = configs
        self._validators = ValidatorCache()
        self._conversions: dict[tuple[str, str], tuple[int, Conversion]] = {}
        self.catalog = Catalog.build(fleet.tools(), configs)

    def refresh(self) -> None:
        """Rebuild the catalog from what the servers list now."""
        self.catalog = Catalog.build(self.fleet.tools(), self.configs)

    def __len__(self) -> int:
        return len(self.catalog)

    def entries(self, only: str | None = None) -> list[CatalogEntry]:
        if only is None:
            return list(self.catalog)
        entry = self.catalog.resolve(only)
        return [entry] if entry is not None else []

    def conversion(self, entry: CatalogEntry, dialect: str) -> Conversion:
        """The tool's schema in ``dialect`` (strict falls back to plain OpenAI, non-strict)."""
        key = (entry.qualified, dialect)
        cached = self._conversions.get(key)
        schema = entry.tool.input_schema
        if cached is not None and cached[0] == id(schema):
            return cached[1]
        conversion = convert_lenient(schema, dialect)
        if dialect == "openai-strict" and not conversion.strict:
            log.info("%s: no strict schema; sending it non-strict", entry.qualified)
        self._conversions[key] = (id(schema), conversion)
        return conversion

    def specs(self, dialect: str, only: str | None = None) -> list[ToolSpec]:
        """Every tool (or just ``only``) as the provider's dialect wants it."""
        return [
            ToolSpec(
                name=entry.qualified,
                description=entry.tool.description or entry.tool.title or entry.tool.name,
                parameters=conversion.schema,
                strict=conversion.strict,
            )
            for entry in self.entries(only)
            for conversion in (self.conversion(entry, dialect),)
        ]

    def described(self, only: str | None = None) -> list[tuple[str, str, dict[str, Any]]]:
        """(name, description, original schema) for tools described in a prompt."""
        return [
            (entry.qualified, entry.tool.description, entry.tool.input_schema)
            for entry in self.entries(only)
        ]

    def schemas(self) -> dict[str, dict[str, Any]]:
        return {entry.qualified: entry.tool.input_schema for entry in self.catalog}

    def validator(self, name: str) -> ArgumentValidator | None:
        entry = self.catalog.resolve(name)
        if entry is None:
            return None
        return self._validators.get(entry.server, entry.tool.name, entry.tool.input_schema)

    def take_notices(self) -> list[str]:
        """What the fleet has to report since last asked (a catalog that differed from the
        cache, a server that failed after the run went on); the loop's caller shows them."""
        return self.fleet.take_notices()

    def server_of(self, name: str) -> str | None:
        entry = self.catalog.resolve(name)
        return entry.server if entry is not None else None

    def unavailable(self, name: str) -> str | None:
        """Why a tool not in the catalog may be one of a server that is down or restarting
        (its tools leave the catalog meanwhile): its name carries that server's prefix."""
        for row in self.fleet.status():
            if row.state is ServerState.UP:
                continue
            prefix = self.fleet.config(row.name).prefix
            namespace = row.name if prefix is None else prefix
            if namespace and name.startswith(namespace + "__"):
                reason = f" ({row.last_error})" if row.last_error else ""
                return (
                    f"server {row.name!r} is {row.state.value}{reason}, so {name} cannot run "
                    "now; try again later or do without it (the other servers are up)"
                )
        return None

    async def call(
        self,
        name: str,
        arguments: dict[str, Any],
        on_progress: ProgressCallback | None = None,
        *,
        relay: Relay | None = None,
    ) -> CallResult:
        """Route to the owning server; an unknown name is an error result."""
        return await self.catalog.call(
            self.fleet, name, arguments, on_progress=on_progress, relay=relay
        )
