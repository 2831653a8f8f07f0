"""The toolset the loop sees: the fleet's tools, the host's built-in tools, tool search.

``HostToolset`` wraps a ``FleetToolset``. With ``agent.resource_tools`` it adds two tools
with which the model lists and reads the fleet's resources. Past
``agent.tool_search.threshold`` tools it shows the model only the pinned tools (globs over
qualified names), the tools its searches loaded, and ``search_tools``; a search ranks every
tool (``bridge.tool_search``) and loads the best for the following turns, reported as a
``ToolsLoaded`` event. A hidden tool called by its exact name still runs (and is loaded).
Built-in calls pass the same validation and approval policy as any tool; their names are
kept apart from the catalog's (a clash gets a ``_host`` suffix).
"""

from __future__ import annotations

import base64
import fnmatch
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bridge import events as ev
from bridge.errors import BridgeError, MCPError
from bridge.mcp import CallResult, ProgressCallback
from bridge.schema import convert_lenient
from bridge.tool_search import ToolIndex
from bridge.validation import ArgumentValidator
from providers.types import ToolSpec

if TYPE_CHECKING:
    from bridge.toolset import FleetToolset
    from config.schema import AgentConfig

__all__ = ["LIST_RESOURCES", "READ_RESOURCE", "SEARCH_TOOLS", "HostToolset"]

LIST_RESOURCES = "resources__list"
READ_RESOURCE = "resources__read"
SEARCH_TOOLS = "search_tools"

Handler = Callable[[dict[str, Any]], Awaitable[CallResult]]


@dataclass(frozen=True)
class _Builtin:
    name: str
    description: str
    schema: dict[str, Any]
    handler: Handler


def _text(text: str, error: bool = False) -> CallResult:
    return CallResult([{"type": "text", "text": text}], is_error=error)


class HostToolset:
    """What the loop calls ``Toolset``: the fleet's tools plus the host's own."""

    def __init__(self, fleet_tools: FleetToolset, agent: AgentConfig) -> None:
        self.base = fleet_tools
        self.agent = agent
        self.loaded: list[str] = []
        self._events: list[ev.Event] = []
        self._index: tuple[int, ToolIndex] | None = None
        self._builtins: dict[str, _Builtin] = {}
        if agent.resource_tools:
            self._add(
                LIST_RESOURCES,
                "List the resources (and URI templates) the MCP servers offer to read.",
                {"type": "object", "properties": {}},
                self._list,
            )
            self._add(
                READ_RESOURCE,
                "Read a resource by URI (from the resources list); `server` is optional.",
                {
                    "type": "object",
                    "properties": {"uri": {"type": "string"}, "server": {"type": "string"}},
                    "required": ["uri"],
                },
                self._read,
            )
        self.search_name = self._add(
            SEARCH_TOOLS,
            "Find tools for a task among the many available: give words for what you need "
            "(names, purposes, argument names). The best matches become callable from your "
            "next turn on.",
            {
                "type": "object",
                "properties": {"query": {"type": "string", "description": "what the tool does"}},
                "required": ["query"],
            },
            self._search,
        )

    # -- what the model sees --------------------------------------------------------

    @property
    def searching(self) -> bool:
        """Whether the fleet is past the tool search threshold (off when None)."""
        threshold = self.agent.tool_search.threshold
        return threshold is not None and len(self.base) > threshold

    def visible(self) -> list[str]:
        """The qualified names of fleet tools the model is shown now."""
        names = [entry.qualified for entry in self.base.entries()]
        if not self.searching:
            return names
        pinned = self.agent.tool_search.pinned
        loaded = set(self.loaded)
        return [n for n in names if n in loaded or any(fnmatch.fnmatchcase(n, p) for p in pinned)]

    def _builtins_shown(self) -> list[_Builtin]:
        return [b for b in self._builtins.values() if b.name != self.search_name or self.searching]

    def specs(self, dialect: str, only: str | None = None) -> list[ToolSpec]:
        own = [b for b in self._builtins_shown() if only in (None, b.name)]
        specs = [
            ToolSpec(b.name, b.description, conversion.schema, conversion.strict)
            for b in own
            for conversion in (convert_lenient(b.schema, dialect),)
        ]
        if only is not None:
            return specs or self.base.specs(dialect, only)
        if not self.searching:
            return [*self.base.specs(dialect), *specs]
        fleet = [spec for name in self.visible() for spec in self.base.specs(dialect, name)]
        return [*fleet, *specs]

    def described(self, only: str | None = None) -> list[tuple[str, str, dict[str, Any]]]:
        own = [(b.name, b.description, b.schema) for b in self._builtins_shown()]
        if only is not None:
            return [item for item in own if item[0] == only] or self.base.described(only)
        shown = set(self.visible())
        fleet = [item for item in self.base.described() if item[0] in shown]
        return [*fleet, *own]

    def schemas(self) -> dict[str, dict[str, Any]]:
        shown = set(self.visible())
        fleet = {name: schema for name, schema in self.base.schemas().items() if name in shown}
        return {**fleet, **{b.name: b.schema for b in self._builtins_shown()}}

    def validator(self, name: str) -> ArgumentValidator | None:
        builtin = self._builtins.get(name)
        if builtin is not None:
            return ArgumentValidator.for_schema(builtin.schema)
        return self.base.validator(name)

    def server_of(self, name: str) -> str | None:
        return None if name in self._builtins else self.base.server_of(name)

    def unavailable(self, name: str) -> str | None:
        return None if name in self._builtins else self.base.unavailable(name)

    async def call(
        self, name: str, arguments: dict[str, Any], on_progress: ProgressCallback | None = None
    ) -> CallResult:
        builtin = self._builtins.get(name)
        if builtin is not None:
            try:
                return await builtin.handler(arguments)
            except (BridgeError, MCPError) as exc:
                return _text(str(exc), error=True)
        if self.searching and name not in self.loaded and self.base.validator(name) is not None:
            self.loaded.append(name)  # called by its exact name: shown from now on
        return await self.base.call(name, arguments, on_progress)

    def take_notices(self) -> list[str]:
        return self.base.take_notices()

    def take_events(self) -> list[ev.Event]:
        """Events of the built-in tools since last asked (``ToolsLoaded``)."""
        events, self._events = self._events, []
        return events

    # -- built-in tools -------------------------------------------------------------

    def _add(self, name: str, description: str, schema: dict[str, Any], handler: Handler) -> str:
        taken = {entry.qualified for entry in self.base.entries()}
        while name in taken:
            name = f"{name}_host"
        self._builtins[name] = _Builtin(name, description, schema, handler)
        return name

    async def _search(self, arguments: dict[str, Any]) -> CallResult:
        query = str(arguments.get("query", ""))
        limit = self.agent.tool_search.results
        hits = self._tool_index().search(query, limit)
        new = [hit.name for hit in hits if hit.name not in self.loaded]
        self.loaded.extend(new)
        visible = len(self.visible())
        self._events.append(ev.ToolsLoaded(query, tuple(new), visible, len(self.base)))
        if not hits:
            return _text(f"no tool matches {query!r}; try other words")
        lines = []
        for hit in hits:
            entry = self.base.catalog.resolve(hit.name)
            about = (entry.tool.description or "").strip().splitlines() if entry else []
            lines.append(f"- {hit.name}: {about[0][:160] if about else ''}".rstrip(": "))
        return _text("These tools are now available to call:\n" + "\n".join(lines))

    def _tool_index(self) -> ToolIndex:
        catalog = self.base.catalog
        if self._index is None or self._index[0] != id(catalog):  # the catalog was rebuilt
            self._index = (id(catalog), ToolIndex(self.base.described()))
        return self._index[1]

    async def _list(self, _arguments: dict[str, Any]) -> CallResult:
        from bridge.resources import list_resources

        listing = await list_resources(self.base.fleet)
        body = {
            "resources": [
                {"server": r.server, "uri": r.uri, "name": r.name, "mimeType": r.mime_type}
                for r in listing.resources
            ],
            "templates": [
                {"server": t.server, "uriTemplate": t.uri_template, "name": t.name}
                for t in listing.templates
            ],
        }
        return _text(json.dumps(body, ensure_ascii=False))

    async def _read(self, arguments: dict[str, Any]) -> CallResult:
        from bridge.resources import read_resource

        server = arguments.get("server")
        _, contents = await read_resource(
            self.base.fleet, str(arguments["uri"]), str(server) if server else None
        )
        blocks: list[dict[str, Any]] = []
        for content in contents:
            if content.text is not None:
                blocks.append({"type": "text", "text": content.text})
            elif (content.mime_type or "").startswith("image/") and content.blob is not None:
                data = base64.b64encode(content.blob).decode("ascii")
                blocks.append({"type": "image", "data": data, "mimeType": content.mime_type})
            else:
                blocks.append({"type": "text", "text": content.summary()})
        return CallResult(blocks or [{"type": "text", "text": "(empty)"}], is_error=False)
