"""The server side of MCP on the symmetric engine: both handshakes (``initialize`` and the
stateless ``server/discover``), and one ``Peer`` per client through which an ``App`` (the
built-in toolbox, the gateway of ``agent serve``) answers and asks.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from bridge.errors import RemoteError
from bridge.mcp.jsonrpc import INVALID_PARAMS, METHOD_NOT_FOUND, Connection, RequestHandler
from bridge.mcp.negotiation import (
    HANDSHAKE_VERSIONS,
    META_CAPABILITIES,
    META_CLIENT,
    META_LOG_LEVEL,
    META_VERSION,
    MODERN_VERSION,
    UNSUPPORTED_VERSION,
)
from bridge.mcp.server_listen import Listener, serve_listen, wants
from bridge.mcp.transport import Transport

__all__ = ["App", "MCPServer", "Peer", "Report"]

log = logging.getLogger(__name__)

_CACHEABLE = frozenset(
    {"server/discover", "tools/list", "prompts/list", "resources/list", "resources/read"}
    | {"resources/templates/list"}
)
_REMOVED = frozenset(
    {"initialize", "ping", "logging/setLevel", "resources/subscribe", "resources/unsubscribe"}
)
"""Methods 2026-07-28 removed: a stateless request for one is not found."""
_HANDSHAKE_ONLY = frozenset({"subscriptions/listen"})
"""Methods only 2026-07-28 has."""
_LEVELS = ("debug", "info", "notice", "warning", "error", "critical", "alert", "emergency")


class Peer:
    """One connected client, as the app sees it: what it declared, and a way to reach it.

    A stateless client (2026-07-28) declares its capabilities on every request; server
    requests to it (sampling, elicitation, roots) are not available in that mode.
    """

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.capabilities: dict[str, Any] = {}
        self.client_info: dict[str, Any] = {}
        self.protocol_version: str | None = None
        self.stateless = False
        self.log_level: str | None = None
        self.name = connection.name
        self.listening: list[Listener] = []
        """The client's open ``subscriptions/listen`` streams (2026-07-28)."""
        self.client: str | None = None
        """Who the client is for limits (over HTTP: its token, else its address)."""

    def can(self, capability: str) -> bool:
        """Whether the client declared ``capability`` (``sampling``, ``elicitation``, ``roots``)
        and can be asked in this mode."""
        return not self.stateless and capability in self.capabilities

    async def request(
        self,
        method: str,
        params: dict[str, Any] | None = None,
        *,
        timeout: float | None = 300.0,  # noqa: ASYNC109 - a person may be answering
    ) -> Any:
        """Ask the client; its JSON-RPC error comes back as :class:`RemoteError`."""
        return await self.connection.request(method, params, timeout=timeout)

    async def notify(self, method: str, params: dict[str, Any] | None = None) -> None:
        await self.connection.notify(method, params)

    async def changed(self, method: str, params: dict[str, Any] | None = None) -> None:
        """Tell of a list change or a resource update: a client on a session is told at once,
        a stateless one on each of its listen streams that asked for this kind."""
        if not self.stateless:
            await self.notify(method, params)
            return
        sent = [
            listener.send(self, method, params)
            for listener in self.listening
            if wants(listener.wanted, method, params)
        ]
        if sent:
            await asyncio.gather(*sent)

    async def progress(
        self, token: Any, progress: float, total: float | None = None, message: str | None = None
    ) -> None:
        """Report progress on the request that carried ``token`` (nothing without one)."""
        if token is None:
            return
        params: dict[str, Any] = {"progressToken": token, "progress": progress}
        if total is not None:
            params["total"] = total
        if message:
            params["message"] = message
        await self.notify("notifications/progress", params)

    async def log(self, level: str, data: Any, logger: str | None = None) -> None:
        """Send a log message when the client asked for this level or a more verbose one."""
        if self.log_level is None or level not in _LEVELS:
            return
        if _LEVELS.index(level) < _LEVELS.index(self.log_level):
            return
        params: dict[str, Any] = {"level": level, "data": data}
        if logger:
            params["logger"] = logger
        await self.notify("notifications/message", params)

    def absorb(self, params: dict[str, Any]) -> None:
        """Read a stateless request's ``_meta`` envelope (version, capabilities, log level)."""
        meta = params.get("_meta")
        if not isinstance(meta, dict) or META_VERSION not in meta:
            return
        version = meta[META_VERSION]
        if version != MODERN_VERSION:
            raise RemoteError(
                UNSUPPORTED_VERSION,
                f"Unsupported protocol version: {version!r}",
                {"supported": [MODERN_VERSION], "requested": version},
            )
        self.stateless = True
        self.protocol_version = version
        if isinstance(meta.get(META_CAPABILITIES), dict):
            self.capabilities = meta[META_CAPABILITIES]
        if isinstance(meta.get(META_CLIENT), dict):
            self.client_info = meta[META_CLIENT]
        if meta.get(META_LOG_LEVEL) in _LEVELS:
            self.log_level = meta[META_LOG_LEVEL]


class App(Protocol):
    """What a served endpoint provides: who it is, what it can do, and its handlers."""

    name: str
    version: str
    instructions: str

    def capabilities(self) -> dict[str, Any]: ...

    def handlers(self, peer: Peer) -> dict[str, RequestHandler]:
        """The app's request handlers for one client (``tools/list``, ``tools/call``, ...)."""
        ...

    def attach(self, peer: Peer) -> None:
        """A client connected (the gateway forwards servers' requests and changes to it)."""
        ...

    def tool_schema(self, name: str) -> Mapping[str, Any] | None:
        """The input schema of the tool a client calls ``name`` (its ``x-mcp-header``
        properties are checked against a stateless request's headers), or None."""
        ...

    def detach(self, peer: Peer) -> None: ...


Report = Callable[[str, dict[str, Any], float, str], None]
"""(method, params, seconds, outcome) of each request served: its log line."""


class MCPServer:
    """Serves one ``App`` over any number of transports, one ``Peer`` each.

    ``report`` hears every request once it is answered (``ok``, ``tool-error``, ``error``
    or ``cancelled``).
    """

    def __init__(self, app: App, *, report: Report | None = None) -> None:
        self.app = app
        self.report = report

    def tool_schema(self, name: str) -> Mapping[str, Any] | None:
        """The app's schema of tool ``name`` (see :meth:`App.tool_schema`)."""
        return self.app.tool_schema(name)

    def open(self, transport: Transport, *, name: str = "client", read: bool = True) -> Peer:
        """Start serving on a started transport; the peer's connection ends with it.

        ``read=False`` starts no reader: messages come through ``peer.connection.feed``.
        """
        connection = Connection(transport, name=name)
        peer = Peer(connection)
        handlers: dict[str, RequestHandler] = {
            "initialize": lambda params: self._initialize(peer, params),
            "server/discover": lambda params: self._discover(peer, params),
            "ping": _empty,
            "logging/setLevel": lambda params: _set_level(peer, params),
            "subscriptions/listen": lambda params: serve_listen(
                peer, params, self.app.capabilities()
            ),
        }
        handlers.update(self.app.handlers(peer))
        handlers = {method: _enveloped(peer, method, h) for method, h in handlers.items()}
        if self.report is not None:
            handlers = {m: _timed(m, h, self.report) for m, h in handlers.items()}
        connection.request_handlers = handlers
        connection.notification_handlers = {"notifications/initialized": lambda _p: None}
        if read:
            connection.start()
        self.app.attach(peer)
        return peer

    async def close(self, peer: Peer) -> None:
        """Stop serving ``peer`` and close its connection."""
        self.app.detach(peer)
        await peer.connection.aclose()

    async def serve(self, transport: Transport, *, name: str = "client") -> None:
        """Serve one client over ``transport`` until it goes away."""
        await transport.start()
        peer = self.open(transport, name=name)
        try:
            await peer.connection.closed.wait()
        finally:
            await self.close(peer)

    def _info(self) -> dict[str, Any]:
        result: dict[str, Any] = {
            "capabilities": self.app.capabilities(),
            "serverInfo": {"name": self.app.name, "version": self.app.version},
        }
        if self.app.instructions:
            result["instructions"] = self.app.instructions
        return result

    async def _initialize(self, peer: Peer, params: dict[str, Any]) -> dict[str, Any]:
        asked = params.get("protocolVersion")
        version = asked if asked in HANDSHAKE_VERSIONS else HANDSHAKE_VERSIONS[0]
        capabilities = params.get("capabilities")
        peer.capabilities = capabilities if isinstance(capabilities, dict) else {}
        info = params.get("clientInfo")
        peer.client_info = info if isinstance(info, dict) else {}
        peer.protocol_version = version
        peer.stateless = False
        return {"protocolVersion": version, **self._info()}

    async def _discover(self, peer: Peer, params: dict[str, Any]) -> dict[str, Any]:
        peer.absorb(params)
        result: dict[str, Any] = _stamped(
            "server/discover", {"supportedVersions": [MODERN_VERSION], **self._info()}
        )
        return result


def _enveloped(peer: Peer, method: str, handler: RequestHandler) -> RequestHandler:
    """``handler`` after the request's ``_meta`` envelope is read (stateless clients), its
    result stamped as 2026-07-28 wants it; a method that revision removed is not found."""
    if method == "server/discover":
        return handler  # reads the envelope itself
    removed = method in _REMOVED
    handshake_only = method in _HANDSHAKE_ONLY

    async def handle(params: dict[str, Any]) -> Any:
        peer.absorb(params)
        if (peer.stateless and removed) or (not peer.stateless and handshake_only):
            raise RemoteError(METHOD_NOT_FOUND, f"Method not found: {method}")
        result = await handler(params)
        return _stamped(method, result) if peer.stateless else result

    return handle


def _stamped(method: str, result: Any) -> Any:
    """A 2026-07-28 result: ``resultType``, and cache hints on listings (never cached: the
    fleet behind may change at any time)."""
    if not isinstance(result, dict):
        return result
    result = {"resultType": "complete", **result}
    if method in _CACHEABLE:
        result.setdefault("ttlMs", 0)
        result.setdefault("cacheScope", "private")
    return result


def _timed(method: str, handler: RequestHandler, report: Report) -> RequestHandler:
    async def handle(params: dict[str, Any]) -> Any:
        started = time.perf_counter()
        outcome = "error"
        try:
            result = await handler(params)
            is_error = isinstance(result, dict) and result.get("isError") is True
            outcome = "tool-error" if is_error else "ok"
            return result
        except asyncio.CancelledError:
            outcome = "cancelled"
            raise
        finally:
            report(method, params, time.perf_counter() - started, outcome)

    return handle


async def _set_level(peer: Peer, params: dict[str, Any]) -> dict[str, Any]:
    level = params.get("level")
    if level not in _LEVELS:
        raise RemoteError(INVALID_PARAMS, f"unknown log level {level!r}; use one of {_LEVELS}")
    peer.log_level = level
    return {}


async def _empty(_params: dict[str, Any]) -> dict[str, Any]:
    return {}
