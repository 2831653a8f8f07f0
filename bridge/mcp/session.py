"""An MCP client session on one transport: the handshake and the methods the host uses."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from bridge.errors import MCPError, ProtocolError, ServerStartError
from bridge.mcp.jsonrpc import Connection, RequestHandler, json_kind
from bridge.mcp.transport import Transport
from bridge.mcp.types import CallResult, ProgressCallback, ServerInfo, Tool

__all__ = ["LATEST_PROTOCOL_VERSION", "SUPPORTED_PROTOCOL_VERSIONS", "ClientSession"]

log = logging.getLogger(__name__)
server_log = logging.getLogger("bridge.mcp.server")

LATEST_PROTOCOL_VERSION = "2025-11-25"
SUPPORTED_PROTOCOL_VERSIONS = ("2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05")

_LOG_LEVELS = {
    "debug": logging.DEBUG,
    "info": logging.INFO,
    "notice": logging.INFO,
    "warning": logging.WARNING,
    "error": logging.ERROR,
    "critical": logging.CRITICAL,
    "alert": logging.CRITICAL,
    "emergency": logging.CRITICAL,
}

ToolsChanged = Callable[[list[Tool]], None]
Handler = Callable[[dict[str, Any]], Awaitable[dict[str, Any]]]


class ClientSession:
    """One initialized MCP session.

    ``roots``, ``sampling`` and ``elicitation`` are handlers for the server's requests;
    each capability is declared only when its handler is given. ``on_tools_changed``
    receives the fresh list after ``notifications/tools/list_changed`` (a burst of those
    notifications costs one or two re-lists).
    """

    def __init__(
        self,
        transport: Transport,
        *,
        name: str,
        client_name: str = "mcp-agent-host",
        client_version: str = "0.1.0",
        roots: Handler | None = None,
        sampling: Handler | None = None,
        elicitation: Handler | None = None,
        on_tools_changed: ToolsChanged | None = None,
    ) -> None:
        self.name = name
        self.transport = transport
        self.client_info = {"name": client_name, "version": client_version}
        self.on_tools_changed = on_tools_changed
        self.server: ServerInfo | None = None
        self.tools: list[Tool] = []
        self._relist: asyncio.Task[None] | None = None
        self._relist_again = False
        handlers: dict[str, RequestHandler] = {"ping": _pong}
        self.capabilities: dict[str, Any] = {}
        if roots is not None:
            handlers["roots/list"] = roots
            self.capabilities["roots"] = {"listChanged": True}
        if sampling is not None:
            handlers["sampling/createMessage"] = sampling
            self.capabilities["sampling"] = {}
        if elicitation is not None:
            handlers["elicitation/create"] = elicitation
            self.capabilities["elicitation"] = {"form": {}, "url": {}}
        self.connection = Connection(
            transport,
            name=name,
            request_handlers=handlers,
            notification_handlers={
                "notifications/tools/list_changed": self._tools_changed,
                "notifications/message": self._server_log,
            },
        )

    # -- lifecycle -------------------------------------------------------------------

    async def open(self, timeout: float = 30.0) -> ServerInfo:  # noqa: ASYNC109 - one bound for start + handshake
        """Start the transport and run the handshake, all within ``timeout`` seconds."""
        try:
            async with asyncio.timeout(timeout):
                await self.transport.start()
                self.connection.start()
                self.server = await self._initialize()
        except TimeoutError:
            await self.aclose()
            raise ServerStartError(
                f"server {self.name!r} did not finish starting within {timeout:g}s"
                f"{self.transport.describe_end()}"
            ) from None
        except ServerStartError:
            await self.aclose()
            raise
        except MCPError as exc:
            await self.aclose()
            raise ServerStartError(f"server {self.name!r} failed to initialize: {exc}") from exc
        except BaseException:
            await self.aclose()
            raise
        return self.server

    async def aclose(self) -> None:
        if self._relist is not None:
            self._relist.cancel()
        await self.connection.aclose()

    async def __aenter__(self) -> ClientSession:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def _initialize(self) -> ServerInfo:
        result = await self.connection.request(
            "initialize",
            {
                "protocolVersion": LATEST_PROTOCOL_VERSION,
                "capabilities": self.capabilities,
                "clientInfo": self.client_info,
            },
        )
        info = self._server_info(result)
        await self.connection.notify("notifications/initialized")
        return info

    def _server_info(self, result: Any) -> ServerInfo:
        """Read the initialize result; anything malformed fails start-up with what it was."""
        if not isinstance(result, dict):
            raise ProtocolError(
                f"server {self.name!r} answered initialize with {json_kind(result)}, not an object"
            )
        version = result.get("protocolVersion")
        if not isinstance(version, str):
            raise ProtocolError(
                f"server {self.name!r} answered initialize with a protocolVersion that is "
                f"{json_kind(version)}, not a string"
            )
        if version not in SUPPORTED_PROTOCOL_VERSIONS:
            raise ProtocolError(
                f"server {self.name!r} speaks MCP protocol version {version[:40]!r}, which this "
                f"host does not support (supported: {', '.join(SUPPORTED_PROTOCOL_VERSIONS)})"
            )
        capabilities = _field(self.name, result, "capabilities", dict, {})
        info = _field(self.name, result, "serverInfo", dict, {})
        instructions = _field(self.name, result, "instructions", str, None)
        return ServerInfo(
            name=_label(self.name, info, "name"),
            version=_label(self.name, info, "version"),
            protocol_version=version,
            capabilities=dict(capabilities),
            instructions=instructions,
        )

    # -- requests --------------------------------------------------------------------

    async def request(
        self,
        method: str,
        params: dict[str, Any] | None = None,
        *,
        timeout: float | None = 60.0,  # noqa: ASYNC109 - passed to the engine
    ) -> Any:
        return await self.connection.request(method, params, timeout=timeout)

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
    ) -> CallResult:
        """Call a tool; a tool failure is an ``is_error`` result, not an exception."""
        result = await self.connection.request(
            "tools/call",
            {"name": name, "arguments": arguments or {}},
            timeout=timeout,
            max_timeout=max_timeout if max_timeout is not None else _default_max(timeout),
            on_progress=on_progress,
        )
        if not isinstance(result, dict):
            raise ProtocolError(
                f"server {self.name!r} answered tools/call with {json_kind(result)}, not an object"
            )
        return CallResult.from_wire(result)

    async def ping(self, timeout: float = 10.0) -> None:  # noqa: ASYNC109
        await self.connection.request("ping", timeout=timeout)

    async def set_logging_level(self, level: str) -> None:
        await self.request("logging/setLevel", {"level": level})

    async def list_resources(self) -> list[dict[str, Any]]:
        return await self._paginate("resources/list", "resources", {})

    async def read_resource(self, uri: str) -> list[dict[str, Any]]:
        result = _object(
            self.name, "resources/read", await self.request("resources/read", {"uri": uri})
        )
        contents = result.get("contents") or []
        return list(contents) if isinstance(contents, list) else []

    async def list_prompts(self) -> list[dict[str, Any]]:
        return await self._paginate("prompts/list", "prompts", {})

    async def get_prompt(
        self, name: str, arguments: dict[str, str] | None = None
    ) -> dict[str, Any]:
        params: dict[str, Any] = {"name": name}
        if arguments:
            params["arguments"] = arguments
        return dict(_object(self.name, "prompts/get", await self.request("prompts/get", params)))

    # -- notifications ---------------------------------------------------------------

    def _tools_changed(self, _params: dict[str, Any]) -> None:
        if self._relist is not None and not self._relist.done():
            self._relist_again = True
            return
        self._relist = asyncio.get_running_loop().create_task(self._relist_tools())

    async def _relist_tools(self) -> None:
        while True:
            self._relist_again = False
            try:
                tools = await self.list_tools()
            except MCPError as exc:
                log.warning("server %r: re-listing tools failed: %s", self.name, exc)
                return
            if self.on_tools_changed is not None:
                self.on_tools_changed(tools)
            if not self._relist_again:
                return

    def _server_log(self, params: dict[str, Any]) -> None:
        level = _LOG_LEVELS.get(str(params.get("level", "info")), logging.INFO)
        logger = params.get("logger")
        source = f"{self.name}/{logger}" if logger else self.name
        server_log.log(level, "[%s] %s", source, params.get("data"))


def _object(server: str, method: str, result: Any) -> dict[str, Any]:
    """A result that must be an object (an empty result reads as ``{}``)."""
    if result is None:
        return {}
    if not isinstance(result, dict):
        raise ProtocolError(
            f"server {server!r} answered {method} with {json_kind(result)}, not an object"
        )
    return result


def _field(server: str, result: dict[str, Any], key: str, kind: type, default: Any) -> Any:
    """``result[key]`` when absent or of ``kind``; anything else fails the handshake."""
    value = result.get(key)
    if value is None:
        return default
    if not isinstance(value, kind):
        wanted = "an object" if kind is dict else "a string"
        # only a string is quoted: the repr of a deep value may be huge or fail to recurse
        shown = f" ({value[:60]!r})" if isinstance(value, str) else ""
        raise ProtocolError(
            f"server {server!r} answered initialize with {key!r} that is {json_kind(value)}"
            f"{shown}, not {wanted}"
        )
    return value


def _label(server: str, info: dict[str, Any], key: str) -> str:
    """serverInfo's name or version: a string (a number is taken as its text)."""
    value = info.get(key, "")
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    raise ProtocolError(
        f"server {server!r} answered initialize with serverInfo.{key} that is "
        f"{json_kind(value)}, not a string"
    )


def _default_max(timeout: float | None) -> float | None:
    """Progress may push a call's deadline back, up to ten times its timeout."""
    return None if timeout is None else timeout * 10


async def _pong(_params: dict[str, Any]) -> dict[str, Any]:
    return {}
