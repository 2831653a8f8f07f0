"""The tool catalog: every tool of the fleet under one provider-legal, reversible name.

Built from what the servers listed, after each server's include/exclude filters; rebuilt
whenever a server's tools change. It routes a qualified name back to its server.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bridge.mcp import CallResult, ProgressCallback, Tool
from bridge.naming import NameTable

if TYPE_CHECKING:
    from bridge.fleet import Fleet
    from bridge.mcp.input_required import Relay
    from config.schema import ServerConfig

__all__ = ["Catalog", "CatalogEntry", "error_result", "unknown_tool_message"]

KNOWN_NAMES_SHOWN = 30  # enough for the model to pick the tool it meant, short enough to send


@dataclass(frozen=True, slots=True)
class CatalogEntry:
    """One tool: its qualified name, the server that owns it, and the tool as listed."""

    qualified: str
    server: str
    tool: Tool


def _kept(name: str, include: tuple[str, ...], exclude: tuple[str, ...]) -> bool:
    included = any(fnmatch.fnmatchcase(name, pattern) for pattern in include)
    return included and not any(fnmatch.fnmatchcase(name, pattern) for pattern in exclude)


class Catalog:
    """Qualified names <-> (server, tool), in the order the servers listed their tools."""

    def __init__(self, entries: list[CatalogEntry], notes: list[str]) -> None:
        self._entries = {entry.qualified: entry for entry in entries}
        self.notes = notes

    @classmethod
    def build(cls, tools: Mapping[str, list[Tool]], configs: Mapping[str, ServerConfig]) -> Catalog:
        """Filter each server's tools and give every survivor its qualified name."""
        kept: list[tuple[str, Tool]] = []
        for server, listed in tools.items():
            config = configs[server]
            kept.extend(
                (server, tool)
                for tool in listed
                if _kept(tool.name, config.tools.include, config.tools.exclude)
            )
        prefixes = {
            name: config.prefix for name, config in configs.items() if config.prefix is not None
        }
        table = NameTable.build(((server, tool.name) for server, tool in kept), prefixes)
        entries = [
            CatalogEntry(table.qualified(server, tool.name), server, tool) for server, tool in kept
        ]
        return cls(entries, list(table.notes))

    def __iter__(self) -> Iterator[CatalogEntry]:
        return iter(self._entries.values())

    def __len__(self) -> int:
        return len(self._entries)

    def resolve(self, qualified: str) -> CatalogEntry | None:
        return self._entries.get(qualified)

    async def call(
        self,
        fleet: Fleet,
        qualified: str,
        arguments: dict[str, Any],
        *,
        on_progress: ProgressCallback | None = None,
        timeout: float | None = None,  # noqa: ASYNC109 - passed through to the fleet
        relay: Relay | None = None,
    ) -> CallResult:
        """Route a call to the owning server; an unknown name is an error result."""
        entry = self.resolve(qualified)
        if entry is None:
            return error_result(unknown_tool_message(qualified, self._entries))
        return await fleet.call(
            entry.server,
            entry.tool.name,
            arguments,
            on_progress=on_progress,
            timeout=timeout,
            relay=relay,
        )


def unknown_tool_message(name: str, known: Iterable[str]) -> str:
    """What the model is told when it calls a tool the catalog does not have."""
    names = sorted(known)
    shown = ", ".join(names[:KNOWN_NAMES_SHOWN]) or "none"
    more = f" (and {len(names) - KNOWN_NAMES_SHOWN} more)" if len(names) > KNOWN_NAMES_SHOWN else ""
    return f"unknown tool {name!r}; the tools available are: {shown}{more}"


def error_result(message: str) -> CallResult:
    """A tool error the model can read, made on our side rather than by a server."""
    return CallResult(content=[{"type": "text", "text": message}], is_error=True)
