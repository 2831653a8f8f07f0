"""The fleet: the configured servers, each owned by its own supervisor task.

Servers start all at once, only those asked for, or on a first call. With a catalog cache
a server's last tool list stands in until it is up, and a call waits only for its own
server. A server that fails to start is recorded and the rest go on; one that dies is
restarted per its policy. Calls pass a per-server breaker, an opt-in result cache and the
call log; state and statistics are kept for ``agent servers``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bridge.breaker import Breaker
from bridge.calllog import CallLog, ToolStats
from bridge.catalog_cache import CachedCatalog, CatalogCache, catalog_change
from bridge.errors import ConnectionClosedError, MCPError, ServerStartError
from bridge.fleet_types import RELAYED, Handler, Notified, ServerHandlers, ServerState, ServerStatus
from bridge.mcp import CallResult, ClientSession, ProgressCallback, Tool
from bridge.result_cache import ResultCache, cacheable
from bridge.transports import make_transport

if TYPE_CHECKING:
    from bridge.mcp.input_required import Relay
    from config.schema import ServerConfig

__all__ = ["Fleet", "ServerHandlers", "ServerState", "ServerStatus"]

log = logging.getLogger(__name__)


@dataclass
class _Server:
    name: str
    config: ServerConfig
    state: ServerState = ServerState.STARTING
    session: ClientSession | None = None
    tools: list[Tool] = field(default_factory=list)
    error: str | None = None
    restarts: int = 0
    settled: asyncio.Event = field(default_factory=asyncio.Event)
    task: asyncio.Task[None] | None = None
    transport: object = None  # the last transport opened, kept for its ``kind``
    cached: CachedCatalog | None = None  # the tools it listed last time, from the cache
    awaited: bool = True  # someone waits for its start and reports a failure
    by_name: dict[str, Tool] = field(default_factory=dict)
    breaker: Breaker | None = None
    results: ResultCache | None = None

    def set_tools(self, tools: list[Tool]) -> None:
        self.tools = tools
        self.by_name = {tool.name: tool for tool in tools}

    @property
    def starting(self) -> bool:
        """Not up yet and not given up on: not launched, or in its first start."""
        return self.task is None or self.state is ServerState.STARTING


class Fleet:
    """Starts, supervises, calls and stops a set of MCP servers."""

    def __init__(
        self,
        servers: Mapping[str, ServerConfig],
        *,
        handlers: ServerHandlers | None = None,
        on_tools_changed: Callable[[], None] | None = None,
        client_version: str = "0.1.0",
        catalog_cache: CatalogCache | None = None,
    ) -> None:
        self.handlers = handlers or ServerHandlers()
        self.on_tools_changed = on_tools_changed
        self.client_version = client_version
        self.catalog_cache = catalog_cache
        self.calllog = CallLog()
        self._servers = {
            name: _Server(name, server) for name, server in servers.items() if server.enabled
        }
        for server in self._servers.values():
            server.breaker = Breaker(server.config.breaker.failures, server.config.breaker.cooldown)
            if server.config.cache is not None:
                server.results = ResultCache(
                    server.config.cache.ttl, server.config.cache.max_entries
                )
            if catalog_cache is not None:
                server.cached = catalog_cache.load(server.name, server.config)
        self._notices: list[str] = []
        self._stopping = False

    # -- lifecycle -------------------------------------------------------------------

    async def start(
        self, only: Iterable[str] | None = None, *, wait_for_cached: bool = True
    ) -> None:
        """Start the servers (every one, or ``only`` these) concurrently.

        Returns once each is up or has failed; with ``wait_for_cached=False``, servers whose
        tools the catalog cache holds are left starting (a call waits for its own server).
        """
        chosen = (
            [self._servers[name] for name in only]
            if only is not None
            else list(self._servers.values())
        )
        for server in chosen:
            server.awaited = wait_for_cached or server.cached is None
            self._launch(server)
        awaited = [server.settled.wait() for server in chosen if server.awaited]
        try:
            await asyncio.gather(*awaited)
        except BaseException:
            # Cancelled (Ctrl-C, SIGTERM) while servers start: ``async with`` will not call
            # __aexit__, so stop them here rather than leave them to the loop's shutdown.
            await self.aclose()
            raise

    def _launch(self, server: _Server) -> None:
        if server.task is None and not self._stopping:
            server.task = asyncio.create_task(
                self._supervise(server), name=f"supervise:{server.name}"
            )

    async def ready(self, server: str) -> bool:
        """Start ``server`` if it is not started, wait for its first start; whether it is up.

        The wait is bounded by its ``startup_timeout`` (the handshake's own bound), plus a
        second for the process to be stopped.
        """
        entry = self._servers[server]
        self._launch(entry)
        if entry.starting:
            async with asyncio.timeout(entry.config.startup_timeout + 1):
                await entry.settled.wait()
        return entry.state is ServerState.UP

    @property
    def starting(self) -> list[str]:
        """The servers not up yet whose first start is not over (or not begun)."""
        return [name for name, server in self._servers.items() if server.starting]

    def take_notices(self) -> list[str]:
        """What changed since the last call, for the person: catalogs that differed from
        the cache, servers that failed after the run went on without waiting for them."""
        notices, self._notices = self._notices, []
        return notices

    async def aclose(self) -> None:
        """Stop every supervisor and close every connection (processes included)."""
        self._stopping = True
        tasks = [s.task for s in self._servers.values() if s.task is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for server in self._servers.values():
            server.state = ServerState.STOPPED

    async def __aenter__(self) -> Fleet:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    # -- queries ---------------------------------------------------------------------

    @property
    def names(self) -> list[str]:
        return list(self._servers)

    def config(self, server: str) -> ServerConfig:
        return self._servers[server].config

    def tools(self) -> dict[str, list[Tool]]:
        """The tools of every server that is up, by server name.

        A server still starting (or not started) whose tools the catalog cache holds is
        listed with those, so the catalog is whole before the slowest server is up.
        """
        listed: dict[str, list[Tool]] = {}
        for name, server in self._servers.items():
            if server.state is ServerState.UP:
                listed[name] = list(server.tools)
            elif server.cached is not None and server.starting:
                listed[name] = list(server.cached.tools)
        return listed

    def call_stats(self, every_tool: bool = False) -> list[ToolStats]:
        """The call log: a row per (server, tool) called; ``every_tool`` adds a zero row for
        each tool of a server that is up and was not called."""
        known = (
            [(name, tool.name) for name, tools in self.tools().items() for tool in tools]
            if every_tool
            else []
        )
        return self.calllog.stats(known)

    def session(self, server: str) -> ClientSession | None:
        entry = self._servers.get(server)
        return entry.session if entry is not None else None

    def status(self) -> list[ServerStatus]:
        rows = []
        for name, server in self._servers.items():
            info = server.session.server if server.session is not None else None
            # Once up, ``auto`` shows the transport that won (http or sse).
            kind = server.config.kind
            if server.state is ServerState.UP:
                kind = getattr(server.transport, "kind", kind)
            calls, median_ms = self.calllog.server_totals(name)
            rows.append(
                ServerStatus(
                    name=name,
                    transport=kind,
                    state=server.state,
                    protocol_version=info.protocol_version if info else None,
                    server_name=info.name if info else None,
                    server_version=info.version if info else None,
                    tool_count=len(server.tools) if server.state is ServerState.UP else 0,
                    last_error=server.error,
                    calls=calls,
                    median_ms=median_ms,
                    restarts=server.restarts,
                    breaker=server.breaker.state if server.breaker else "closed",
                    cached_tools=server.cached is not None and server.starting,
                )
            )
        return rows

    # -- calls -----------------------------------------------------------------------

    async def call(
        self,
        server: str,
        tool: str,
        arguments: dict[str, Any],
        *,
        on_progress: ProgressCallback | None = None,
        timeout: float | None = None,  # noqa: ASYNC109 - the server's call_timeout by default
        relay: Relay | None = None,
    ) -> CallResult:
        """Call ``tool`` on ``server``; raises an MCPError when the server cannot answer.

        A server not started yet is started, and a server in its first start is waited for
        (up to its ``startup_timeout``). While its breaker is open the call fails at once
        with an error result; a result the cache holds comes back without a call. A call
        ``relay``ed for a gateway's client is neither served from the cache nor cached.
        """
        entry = self._servers.get(server)
        if entry is None:
            raise ConnectionClosedError(f"there is no server named {server!r} in the fleet")
        if entry.starting:
            try:
                await self.ready(server)
            except TimeoutError:
                raise ConnectionClosedError(
                    f"server {server!r} did not finish starting within "
                    f"{entry.config.startup_timeout:g}s"
                ) from None
        session = entry.session
        if session is None or entry.state is not ServerState.UP:
            reason = f": {entry.error}" if entry.error else ""
            raise ConnectionClosedError(f"server {server!r} is {entry.state.value}{reason}")
        assert entry.breaker is not None
        refusal = entry.breaker.refusal(server)
        if refusal is not None:
            self.calllog.refused(server, tool)
            return CallResult([{"type": "text", "text": refusal}], is_error=True)
        key = None
        if relay is None and entry.results is not None and cacheable(entry.by_name.get(tool)):
            key = entry.results.key(tool, arguments)
            stored = entry.results.get(key) if key is not None else None
            if stored is not None:
                self.calllog.cached(server, tool)
                return stored
        started = time.perf_counter()
        error = True
        try:
            result = await session.call_tool(
                tool,
                arguments,
                timeout=timeout if timeout is not None else entry.config.call_timeout,
                on_progress=on_progress,
                relay=relay,
            )
        except MCPError as exc:
            # Timeouts, lost connections, protocol errors: the server failed the call. A tool's
            # own error result is an answer (often the model's arguments), so it is not counted.
            entry.breaker.failed(str(exc))
            raise
        else:
            entry.breaker.succeeded()
            error = result.is_error
            if key is not None and entry.results is not None:
                entry.results.put(key, result)
            return result
        finally:
            self.calllog.finished(server, tool, time.perf_counter() - started, error=error)

    # -- supervision -----------------------------------------------------------------

    async def _supervise(self, server: _Server) -> None:
        policy = server.config.restart
        try:
            while True:
                up_since = await self._run_once(server)
                if self._stopping:
                    return
                was_up = up_since is not None
                if policy.policy == "never" or (policy.policy == "on-failure" and not was_up):
                    return
                if up_since is not None and time.monotonic() - up_since > 2 * policy.max_backoff:
                    server.restarts = 0  # it was stable for a while: start counting afresh
                if server.restarts >= policy.max_restarts:
                    server.error = f"gave up after {server.restarts} restarts: {server.error}"
                    log.warning("server %r: %s", server.name, server.error)
                    return
                server.restarts += 1
                server.state = ServerState.RESTARTING
                delay = min(policy.backoff * 2 ** (server.restarts - 1), policy.max_backoff)
                log.warning(
                    "server %r stopped (%s); restart %d in %.1fs",
                    server.name,
                    server.error,
                    server.restarts,
                    delay,
                )
                await asyncio.sleep(delay)  # backoff between restarts, not a wait for an event
        finally:
            server.settled.set()
            if server.session is not None:
                with contextlib.suppress(MCPError):
                    await server.session.aclose()
                server.session = None

    async def _run_once(self, server: _Server) -> float | None:
        """Open, serve until the connection ends; the monotonic time it came up, or None."""
        server.state = ServerState.STARTING if server.restarts == 0 else ServerState.RESTARTING
        session: ClientSession | None = None
        try:
            session = self._new_session(server)
            await session.open(timeout=server.config.startup_timeout)
            server.set_tools(await session.list_tools())
        except asyncio.CancelledError:
            if session is not None:  # stopped mid-handshake: the process must go too
                await session.aclose()
            raise
        except (ServerStartError, MCPError) as exc:
            if session is not None:
                await session.aclose()
            first_start = server.starting
            server.state = ServerState.FAILED
            server.error = str(exc)
            # Not a warning: the front end reports failures (status), once.
            log.info("server %r failed to start: %s", server.name, exc)
            if first_start and not server.awaited:
                # Nobody waited for it: its cached tools were in the catalog; say they are gone.
                self._notices.append(f"server {server.name!r} is not available: {exc}")
                server.settled.set()
                self._changed()
            server.settled.set()
            return None
        server.session = session
        self._remember_catalog(server, session)
        server.state = ServerState.UP
        server.error = None
        up_since = time.monotonic()
        server.settled.set()
        self._changed()
        try:
            await session.connection.closed.wait()
        finally:
            server.session = None
            if not self._stopping:
                failure = session.connection.error
                server.error = str(failure) if failure else "the connection ended"
                server.state = ServerState.FAILED
                self._changed()
            await session.aclose()
        return up_since

    def _new_session(self, server: _Server) -> ClientSession:
        config = server.config
        name = server.name

        def tools_changed(tools: list[Tool]) -> None:
            server.set_tools(tools)
            if server.results is not None:
                server.results.clear()  # the tools changed: their old results may not hold
            self._changed()

        roots = _roots_handler(config.roots) if config.roots else _bind(self.handlers.roots, name)
        sampling = _bind(self.handlers.sampling, name)
        elicitation = _bind(self.handlers.elicitation, name)
        server.transport = transport = make_transport(name, config)
        session = ClientSession(
            transport,
            name=name,
            client_version=self.client_version,
            roots=roots,
            sampling=sampling,
            elicitation=elicitation,
            on_tools_changed=tools_changed,
            protocol=config.protocol,
        )
        if self.handlers.notified is not None:
            _relay(session, name, self.handlers.notified)
        return session

    def _remember_catalog(self, server: _Server, session: ClientSession) -> None:
        """Compare what the server lists with the cache: report a difference, save the truth."""
        if self.catalog_cache is None:
            return
        info = session.server
        if info is None:
            return
        listed = CachedCatalog(info.name, info.version, list(server.tools))
        before = server.cached
        if before is not None:
            change = catalog_change(before.tools, listed.tools)
            if change is None and (before.server_name, before.server_version) == (
                info.name,
                info.version,
            ):
                return
            if change is not None and server.starting:
                self._notices.append(
                    f"server {server.name!r} lists other tools than it did last time "
                    f"({change}); the tools are updated"
                )
        server.cached = listed
        self.catalog_cache.save(server.name, server.config, listed)

    def _changed(self) -> None:
        if self.on_tools_changed is not None:
            self.on_tools_changed()


def _bind(handler: Handler | None, name: str) -> Any:
    if handler is None:
        return None

    async def bound(params: dict[str, Any]) -> dict[str, Any]:
        result = handler(name, params)
        if asyncio.iscoroutine(result):
            result = await result
        return dict(result)

    return bound


def _relay(session: ClientSession, name: str, notified: Notified) -> None:
    """Let ``notified`` hear the session's ``RELAYED`` notifications, after its own handlers."""
    handlers = session.connection.notification_handlers
    for method in RELAYED:
        own = handlers.get(method)

        def relayed(params: dict[str, Any], method: str = method, own: Any = own) -> None:
            if own is not None:
                own(params)
            notified(name, method, params)

        handlers[method] = relayed


def _roots_handler(roots: tuple[str, ...]) -> Any:
    listed = [{"uri": uri, "name": uri.rsplit("/", 1)[-1] or uri} for uri in roots]

    async def list_roots(_params: dict[str, Any]) -> dict[str, Any]:
        return {"roots": listed}

    return list_roots
