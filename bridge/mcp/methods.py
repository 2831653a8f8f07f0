"""The MCP methods a session offers on top of its ``request``: tools, resources, prompts,
completion, logging, and the paging the list methods share.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from bridge.errors import ProtocolError
from bridge.mcp.headers import routed_tools
from bridge.mcp.input_required import Relay
from bridge.mcp.jsonrpc import Connection, json_kind
from bridge.mcp.transport import Transport, WireHints
from bridge.mcp.types import CallResult, ProgressCallback, Tool

__all__ = ["SessionMethods"]

log = logging.getLogger("bridge.mcp.session")


class SessionMethods:
    """The typed MCP methods; ``ClientSession`` supplies the state and ``request``."""

    name: str
    transport: Transport
    connection: Connection
    stateless: bool
    tools: list[Tool]
    log_level: str | None
    _watched: set[str]

    if TYPE_CHECKING:

        def _relisten(self) -> None: ...

        async def _listening(self, timeout: float = 10.0) -> None: ...  # noqa: ASYNC109

        async def request(
            self,
            method: str,
            params: dict[str, Any] | None = None,
            *,
            timeout: float | None = 60.0,  # noqa: ASYNC109
            max_timeout: float | None = None,
            on_progress: ProgressCallback | None = None,
            relay: Relay | None = None,
        ) -> Any: ...

    async def _paginate(self, method: str, key: str, params: dict[str, Any]) -> list[Any]:
        items: list[Any] = []
        cursor: str | None = None
        seen: set[str] = set()
        while True:
            page_params = dict(params)
            if cursor is not None:
                page_params["cursor"] = cursor
            result = _object(self.name, method, await self.request(method, page_params or None))
            page = result.get(key) or []
            if not isinstance(page, list):
                raise ProtocolError(
                    f"server {self.name!r} answered {method} with {key!r} that is "
                    f"{json_kind(page)}, not an array"
                )
            items.extend(page)
            cursor = result.get("nextCursor")
            if cursor is not None and not isinstance(cursor, str):
                raise ProtocolError(
                    f"server {self.name!r} answered {method} with a nextCursor that is "
                    f"{json_kind(cursor)}, not a string"
                )
            if not cursor or cursor in seen:  # a repeated cursor would loop forever
                return items
            seen.add(cursor)

    async def list_tools(self) -> list[Tool]:
        """Every tool, across pages; also kept in ``self.tools``."""
        raw = await self._paginate("tools/list", "tools", {})
        tools = []
        for item in raw:
            if isinstance(item, dict) and isinstance(item.get("name"), str):
                tools.append(Tool.from_wire(item))
            else:
                log.warning("server %r listed a malformed tool (skipped): %.200r", self.name, item)
        if self.stateless:
            tools, routes = routed_tools(self.name, tools)
            if isinstance(self.transport, WireHints):
                self.transport.route_params(routes)
        self.tools = tools
        return tools

    async def call_tool(
        self,
        name: str,
        arguments: dict[str, Any] | None = None,
        *,
        timeout: float | None = 120.0,  # noqa: ASYNC109 - progress pushes it back
        max_timeout: float | None = None,
        on_progress: ProgressCallback | None = None,
        relay: Relay | None = None,
    ) -> CallResult:
        """Call a tool; a tool failure is an ``is_error`` result, not an exception. With a
        ``relay``, an ``input_required`` result comes back as it came (in ``raw``)."""
        result = await self.request(
            "tools/call",
            {"name": name, "arguments": arguments or {}},
            timeout=timeout,
            max_timeout=max_timeout if max_timeout is not None else _default_max(timeout),
            on_progress=on_progress,
            relay=relay,
        )
        if not isinstance(result, dict):
            raise ProtocolError(
                f"server {self.name!r} answered tools/call with {json_kind(result)}, not an object"
            )
        return CallResult.from_wire(result)

    async def ping(self, timeout: float = 10.0) -> None:  # noqa: ASYNC109
        """A round trip; 2026-07-28 has no ping, so a stateless session asks discover."""
        method = "server/discover" if self.stateless else "ping"
        await self.request(method, timeout=timeout)

    async def set_logging_level(self, level: str) -> None:
        """The server's log level; stateless sessions send it in each request's ``_meta``."""
        if self.stateless:
            self.log_level = level
            return
        await self.request("logging/setLevel", {"level": level})

    async def list_resources(self) -> list[dict[str, Any]]:
        return await self._paginate("resources/list", "resources", {})

    async def read_resource(self, uri: str) -> list[dict[str, Any]]:
        result = _object(
            self.name, "resources/read", await self.request("resources/read", {"uri": uri})
        )
        contents = result.get("contents") or []
        return list(contents) if isinstance(contents, list) else []

    async def list_resource_templates(self) -> list[dict[str, Any]]:
        return await self._paginate("resources/templates/list", "resourceTemplates", {})

    async def subscribe_resource(self, uri: str) -> None:
        """Ask to be told of changes to ``uri`` (see ``on_resource_updated``); at 2026-07-28,
        which has no ``resources/subscribe``, the listen stream is reopened to include it."""
        if self.stateless:
            self._watched.add(uri)
            self._relisten()
            await self._listening()
            return
        await self.request("resources/subscribe", {"uri": uri})

    async def unsubscribe_resource(self, uri: str) -> None:
        """Stop being told of changes to ``uri``."""
        if self.stateless:
            self._watched.discard(uri)
            self._relisten()
            return
        await self.request("resources/unsubscribe", {"uri": uri})

    def on_resource_updated(self, callback: Callable[[str], None]) -> None:
        """Hear the URI of each ``notifications/resources/updated`` the server sends."""

        def updated(params: dict[str, Any]) -> None:
            uri = params.get("uri")
            if isinstance(uri, str):
                callback(uri)

        self.connection.notification_handlers["notifications/resources/updated"] = updated

    async def complete(
        self, ref: dict[str, Any], argument: dict[str, str], context: dict[str, str] | None = None
    ) -> dict[str, Any]:
        """``completion/complete``: the result's ``completion`` object (values, total, hasMore)."""
        params: dict[str, Any] = {"ref": ref, "argument": argument}
        if context:
            params["context"] = {"arguments": context}
        result = _object(
            self.name, "completion/complete", await self.request("completion/complete", params)
        )
        completion = result.get("completion")
        return dict(completion) if isinstance(completion, dict) else {}

    async def list_prompts(self) -> list[dict[str, Any]]:
        return await self._paginate("prompts/list", "prompts", {})

    async def get_prompt(
        self, name: str, arguments: dict[str, str] | None = None
    ) -> dict[str, Any]:
        params: dict[str, Any] = {"name": name}
        if arguments:
            params["arguments"] = arguments
        return dict(_object(self.name, "prompts/get", await self.request("prompts/get", params)))


def _object(server: str, method: str, result: Any) -> dict[str, Any]:
    """A result that must be an object (an empty result reads as ``{}``)."""
    if result is None:
        return {}
    if not isinstance(result, dict):
        raise ProtocolError(
            f"server {server!r} answered {method} with {json_kind(result)}, not an object"
        )
    return result


def _default_max(timeout: float | None) -> float | None:
    """Progress may push a call's deadline back, up to ten times its timeout."""
    return None if timeout is None else timeout * 10
