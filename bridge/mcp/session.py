"""An MCP client session on one transport: negotiation, the handshake, and the requests
(the typed methods on top live in ``bridge.mcp.methods``). A session speaks 2026-07-28
(stateless) when the server offers it and the ``initialize`` family otherwise; it runs the
handshake again when the server loses it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from bridge.errors import ConnectionClosedError, MCPError, ProtocolError, ServerStartError
from bridge.mcp.input_required import MAX_ROUNDS, Relay, is_input_required, retry_params
from bridge.mcp.jsonrpc import Connection, RequestHandler
from bridge.mcp.methods import SessionMethods
from bridge.mcp.negotiation import (
    HANDSHAKE_VERSIONS,
    META_CAPABILITIES,
    META_CLIENT,
    META_LOG_LEVEL,
    META_VERSION,
    MODERN_VERSION,
    MODERN_VERSIONS,
    mutual_modern_version,
    read_discover,
    read_initialize,
    should_fall_back,
)
from bridge.mcp.transport import SessionLostError, Transport, WireHints
from bridge.mcp.types import ProgressCallback, ServerInfo, Tool

__all__ = [
    "LATEST_PROTOCOL_VERSION",
    "MODERN_PROTOCOL_VERSION",
    "SAFE_TO_REPEAT",
    "SUPPORTED_PROTOCOL_VERSIONS",
    "ClientSession",
]

log = logging.getLogger(__name__)
server_log = logging.getLogger("bridge.mcp.server")

LATEST_PROTOCOL_VERSION = HANDSHAKE_VERSIONS[0]
"""The newest version of the ``initialize`` family (what ``initialize`` offers)."""
SUPPORTED_PROTOCOL_VERSIONS = HANDSHAKE_VERSIONS
MODERN_PROTOCOL_VERSION = MODERN_VERSION
PROBE_TIMEOUT = 2.0
"""How long a ``server/discover`` probe waits before taking the server for a legacy one.

Short, because some legacy stdio servers never answer a method they do not know, and
every start would pay it; only stdio probes in ``auto`` have it (HTTP answers at once). A
stateless server too slow for it is still served: the SDKs that speak 2026-07-28 speak the
handshake family too, and one that speaks only 2026-07-28 answers ``initialize`` with
-32022, which sends the session back to ``server/discover``."""

# Methods without effects: repeated after the server lost its session instead of failed.
SAFE_TO_REPEAT = frozenset(
    {
        "ping",
        "tools/list",
        "resources/list",
        "resources/templates/list",
        "resources/read",
        "prompts/list",
        "prompts/get",
        "completion/complete",
    }
)

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


class ClientSession(SessionMethods):
    """One MCP session.

    ``protocol`` is ``"auto"`` (probe ``server/discover``, fall back to ``initialize``),
    or one version to speak and no other. ``roots``, ``sampling`` and ``elicitation``
    answer the server's requests (in 2026-07-28, its ``inputRequests``); each capability
    is declared only when its handler is given. ``on_tools_changed`` receives the fresh
    list after ``notifications/tools/list_changed`` (a burst costs one or two re-lists);
    in 2026-07-28 those come on a ``subscriptions/listen`` stream the session opens.
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
        protocol: str = "auto",
    ) -> None:
        if protocol != "auto" and protocol not in (*MODERN_VERSIONS, *HANDSHAKE_VERSIONS):
            raise ValueError(f"unknown MCP protocol version {protocol!r}")
        self.name = name
        self.transport = transport
        self.protocol = protocol
        self.client_info = {"name": client_name, "version": client_version}
        self.on_tools_changed = on_tools_changed
        self.server: ServerInfo | None = None
        self.tools: list[Tool] = []
        self.stateless = False
        # 2026-07-28 sends server logs only to requests that ask: ask for what the
        # handshake family sends unasked, at the level the host shows them.
        self.log_level: str | None = "info"
        self._relist: asyncio.Task[None] | None = None
        self._relist_again = False
        self._listen: asyncio.Task[None] | None = None
        self._watched: set[str] = set()
        """Resources subscribed to; at 2026-07-28 they are in the listen stream's filter."""
        self.subscribed = asyncio.Event()
        """Set once the server acknowledged the ``subscriptions/listen`` stream."""
        self._generation = 0
        self._renewing = asyncio.Lock()
        self.handlers: dict[str, RequestHandler] = {}
        self.capabilities: dict[str, Any] = {}
        if roots is not None:
            self.handlers["roots/list"] = roots
            self.capabilities["roots"] = {"listChanged": True}
        if sampling is not None:
            self.handlers["sampling/createMessage"] = sampling
            self.capabilities["sampling"] = {}
        if elicitation is not None:
            self.handlers["elicitation/create"] = elicitation
            self.capabilities["elicitation"] = {"form": {}, "url": {}}
        self.connection = Connection(
            transport,
            name=name,
            request_handlers={"ping": _pong, **self.handlers},
            notification_handlers={
                "notifications/tools/list_changed": self._tools_changed,
                "notifications/message": self._server_log,
                "notifications/subscriptions/acknowledged": lambda _p: self.subscribed.set(),
            },
        )

    # -- lifecycle -------------------------------------------------------------------

    async def open(self, timeout: float = 30.0) -> ServerInfo:  # noqa: ASYNC109 - one bound for start + negotiation
        """Start the transport and negotiate, all within ``timeout`` seconds."""
        try:
            async with asyncio.timeout(timeout):
                await self.transport.start()
                self.connection.start()
                self.server = await self._negotiate(timeout)
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
        for task in (self._relist, self._listen):
            if task is not None:
                task.cancel()
        await self.connection.aclose()
        for task in (self._relist, self._listen):
            if task is not None:
                await asyncio.gather(task, return_exceptions=True)

    async def __aenter__(self) -> ClientSession:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    # -- negotiation -----------------------------------------------------------------

    async def _negotiate(self, budget: float) -> ServerInfo:
        if self.protocol in HANDSHAKE_VERSIONS:
            return await self._initialize(self.protocol)
        version = self.protocol if self.protocol != "auto" else MODERN_VERSION
        # A legacy stdio server may never answer an unknown method: keep time for initialize.
        # An HTTP server answers one at once, and a pinned version has nothing to fall back
        # to: those probes may take the whole budget (a loaded server is slow, not legacy).
        quick = self.protocol == "auto" and not isinstance(self.transport, WireHints)
        probe: float | None = min(PROBE_TIMEOUT, budget / 2) if quick else budget
        for attempt in range(2):
            try:
                result = await self.connection.request(
                    "server/discover", {"_meta": self._meta(version)}, timeout=probe
                )
            except MCPError as exc:
                mutual = mutual_modern_version(exc)
                if mutual is not None and attempt == 0:
                    version = mutual  # the server named a version we share: once more
                    continue
                if self.protocol != "auto":
                    raise ProtocolError(
                        f"server {self.name!r} does not speak MCP {self.protocol}: {exc}"
                    ) from exc
                if not should_fall_back(exc):
                    raise
                log.debug("server %r: no server/discover (%s); initializing", self.name, exc)
                try:
                    return await self._initialize(LATEST_PROTOCOL_VERSION)
                except MCPError as refused:
                    # -32022 to initialize: a stateless-only server that was slow to answer
                    # the probe. Ask it again, this time waiting as long as the start may.
                    mutual = mutual_modern_version(refused)
                    if mutual is None or attempt != 0:
                        raise
                    version, probe = mutual, None
                    continue
            info = read_discover(self.name, result, version)
            if info is None:
                if self.protocol != "auto":
                    raise ProtocolError(f"server {self.name!r} does not speak MCP {self.protocol}")
                return await self._initialize(LATEST_PROTOCOL_VERSION)
            self.stateless = True
            self._hint_transport(info.protocol_version)
            self.server = info
            self._relisten()
            return info
        raise AssertionError("unreachable: the loop returns or raises")

    async def _initialize(self, offered: str) -> ServerInfo:
        result = await self.connection.request(
            "initialize",
            {
                "protocolVersion": offered,
                "capabilities": self.capabilities,
                "clientInfo": self.client_info,
            },
        )
        info = read_initialize(self.name, result)
        self.stateless = False
        self._hint_transport(info.protocol_version)
        await self.connection.notify("notifications/initialized")
        self._generation += 1
        return info

    def _hint_transport(self, version: str) -> None:
        if isinstance(self.transport, WireHints):
            self.transport.negotiated(version, stateless=version in MODERN_VERSIONS)

    def _meta(self, version: str) -> dict[str, Any]:
        meta: dict[str, Any] = {
            META_VERSION: version,
            META_CAPABILITIES: self.capabilities,
            META_CLIENT: self.client_info,
        }
        if self.log_level is not None and self.stateless:
            meta[META_LOG_LEVEL] = self.log_level
        return meta

    def _stamped(self, params: dict[str, Any] | None) -> dict[str, Any] | None:
        """``params`` with the 2026-07-28 envelope in its ``_meta`` (stateless sessions only)."""
        if not self.stateless or self.server is None:
            return params
        params = dict(params or {})
        envelope = self._meta(self.server.protocol_version)
        params["_meta"] = {**(params.get("_meta") or {}), **envelope}
        return params

    async def _renew(self, generation: int) -> None:
        """Run the handshake again after the server lost the session, once for all callers."""
        async with self._renewing:
            if self._generation != generation or self.server is None:
                return  # another caller already did
            log.warning("server %r lost its session; starting a new one", self.name)
            try:
                self.server = await self._initialize(self.server.protocol_version)
            except MCPError as exc:
                raise ConnectionClosedError(
                    f"server {self.name!r} lost its session and refused a new one: {exc}"
                ) from exc

    # -- requests --------------------------------------------------------------------

    async def request(
        self,
        method: str,
        params: dict[str, Any] | None = None,
        *,
        timeout: float | None = 60.0,  # noqa: ASYNC109 - passed to the engine
        max_timeout: float | None = None,
        on_progress: ProgressCallback | None = None,
        relay: Relay | None = None,
    ) -> Any:
        """Send a request and return its result.

        Stateless sessions stamp the ``_meta`` envelope and answer ``input_required``
        results round after round. After a lost session the handshake runs again and a
        method in ``SAFE_TO_REPEAT`` is sent once more; any other fails with a message.
        With a ``relay``, a stateless session sends its ``resume`` along and returns an
        ``input_required`` result as it came, for the relaying gateway's client to answer.
        """
        generation = self._generation
        try:
            return await self._rounds(method, params, timeout, max_timeout, on_progress, relay)
        except SessionLostError:
            await self._renew(generation)
            if method in SAFE_TO_REPEAT:
                return await self._rounds(method, params, timeout, max_timeout, on_progress, relay)
            raise ConnectionClosedError(
                f"server {self.name!r} lost its session and a new one was started; {method} "
                "was not repeated because it may have had effects: try again"
            ) from None

    async def _rounds(
        self,
        method: str,
        params: dict[str, Any] | None,
        timeout: float | None,  # noqa: ASYNC109 - passed to the engine
        max_timeout: float | None,
        on_progress: ProgressCallback | None,
        relay: Relay | None = None,
    ) -> Any:
        if relay is not None and self.stateless:
            stamped = self._stamped({**(params or {}), **relay.resume}) or {}
            stamped["_meta"] = {**stamped.get("_meta", {}), **relay.envelope}
            return await self.connection.request(
                method,
                stamped,
                timeout=timeout,
                max_timeout=max_timeout,
                on_progress=on_progress,
            )
        for _ in range(MAX_ROUNDS):
            result = await self.connection.request(
                method,
                self._stamped(params),
                timeout=timeout,
                max_timeout=max_timeout,
                on_progress=on_progress,
            )
            if not is_input_required(result):
                return result
            # A fresh request (new id) per round; the engine numbers each one anew.
            params = await retry_params(self.name, method, params or {}, result, self.handlers)
        raise ProtocolError(
            f"server {self.name!r} still wanted input after {MAX_ROUNDS} rounds of {method}"
        )

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

    def _listen_filter(self) -> dict[str, Any]:
        """What a ``subscriptions/listen`` stream asks for: the list changes someone hears
        (and the server announces), and the resources subscribed to."""
        assert self.server is not None
        capabilities = self.server.capabilities
        heard = self.connection.notification_handlers
        wanted: dict[str, Any] = {}
        if self.on_tools_changed is not None and _lists_changes(capabilities, "tools"):
            wanted["toolsListChanged"] = True
        for kind, key in (("prompts", "promptsListChanged"), ("resources", "resourcesListChanged")):
            if f"notifications/{kind}/list_changed" in heard and _lists_changes(capabilities, kind):
                wanted[key] = True
        if self._watched:
            wanted["resourceSubscriptions"] = sorted(self._watched)
        return wanted

    def _relisten(self) -> None:
        """(Re)open the ``subscriptions/listen`` stream for what is wanted now (2026-07-28)."""
        if self._listen is not None:
            self._listen.cancel()
            self._listen = None
        wanted = self._listen_filter()
        self.subscribed.clear()
        if wanted:
            self._listen = asyncio.get_running_loop().create_task(self._listen_for(wanted))

    async def _listening(self, timeout: float = 10.0) -> None:  # noqa: ASYNC109
        """Wait (bounded) until the server acknowledged the listen stream, or it ended."""
        if self._listen is None or self._listen.done():
            return
        acknowledged = asyncio.ensure_future(self.subscribed.wait())
        try:
            await asyncio.wait(
                {acknowledged, self._listen}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            acknowledged.cancel()

    async def _listen_for(self, wanted: dict[str, Any]) -> None:
        """Hold a ``subscriptions/listen`` stream open for ``wanted`` (2026-07-28).

        The notifications arrive on the stream like any other and reach their handlers;
        the request itself ends only when the server closes it.
        """
        try:
            await self.request("subscriptions/listen", {"notifications": wanted}, timeout=None)
        except MCPError as exc:
            log.info("server %r: no change notifications (%s)", self.name, exc)

    def _server_log(self, params: dict[str, Any]) -> None:
        level = _LOG_LEVELS.get(str(params.get("level", "info")), logging.INFO)
        logger = params.get("logger")
        source = f"{self.name}/{str(logger)[:100]}" if logger else self.name
        # A server's text, bounded: one log line must not flood the terminal or the log file.
        server_log.log(level, "[%s] %.4000s", source, params.get("data"))


async def _pong(_params: dict[str, Any]) -> dict[str, Any]:
    return {}


def _lists_changes(capabilities: dict[str, Any], kind: str) -> bool:
    declared = capabilities.get(kind)
    return isinstance(declared, dict) and declared.get("listChanged") is True
