"""The fleet: every configured server started at once, each owned by its own supervisor task.

A server that fails to start is recorded with its reason and the rest go on. A server that
dies is restarted per its policy with exponential backoff; its in-flight calls fail at once
and its tools come back with it. Each server's state and call statistics are kept for
``agent servers``.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import logging
import statistics
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bridge.errors import ConnectionClosedError, MCPError, ServerStartError
from bridge.mcp import CallResult, ClientSession, ProgressCallback, Tool
from bridge.transports import make_transport

if TYPE_CHECKING:
    from config.schema import ServerConfig

__all__ = ["Fleet", "ServerHandlers", "ServerState", "ServerStatus"]

log = logging.getLogger(__name__)

Handler = Callable[[str, dict[str, Any]], Any]


class ServerState(enum.StrEnum):
    STARTING = "starting"
    UP = "up"
    RESTARTING = "restarting"
    FAILED = "failed"
    STOPPED = "stopped"


@dataclass(frozen=True)
class ServerHandlers:
    """Front-end answers to server requests; each gets the server's name and the params."""

    sampling: Handler | None = None
    elicitation: Handler | None = None


@dataclass(frozen=True)
class ServerStatus:
    """One row of ``agent servers``."""

    name: str
    transport: str
    state: ServerState
    protocol_version: str | None
    server_name: str | None
    server_version: str | None
    tool_count: int
    last_error: str | None
    calls: int
    median_ms: float | None
    restarts: int


@dataclass
class _Server:
    name: str
    config: ServerConfig
    state: ServerState = ServerState.STARTING
    session: ClientSession | None = None
    tools: list[Tool] = field(default_factory=list)
    error: str | None = None
    restarts: int = 0
    calls: int = 0
    latencies: deque[float] = field(default_factory=lambda: deque(maxlen=500))
    settled: asyncio.Event = field(default_factory=asyncio.Event)
    task: asyncio.Task[None] | None = None
    transport: object = None  # the last transport opened, kept for its ``kind``


class Fleet:
    """Starts, supervises, calls and stops a set of MCP servers."""

    def __init__(
        self,
        servers: Mapping[str, ServerConfig],
        *,
        handlers: ServerHandlers | None = None,
        on_tools_changed: Callable[[], None] | None = None,
        client_version: str = "0.1.0",
    ) -> None:
        self.handlers = handlers or ServerHandlers()
        self.on_tools_changed = on_tools_changed
        self.client_version = client_version
        self._servers = {
            name: _Server(name, server) for name, server in servers.items() if server.enabled
        }
        self._stopping = False

    # -- lifecycle -------------------------------------------------------------------

    async def start(self) -> None:
        """Start every server concurrently; return once each is up or has failed."""
        for server in self._servers.values():
            server.task = asyncio.create_task(
                self._supervise(server), name=f"supervise:{server.name}"
            )
        try:
            await asyncio.gather(*(server.settled.wait() for server in self._servers.values()))
        except BaseException:
            # Cancelled (Ctrl-C, SIGTERM) while servers start: ``async with`` will not call
            # __aexit__, so stop them here rather than leave them to the loop's shutdown.
            await self.aclose()
            raise

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
        """The tools of every server that is up, by server name."""
        return {
            name: list(server.tools)
            for name, server in self._servers.items()
            if server.state is ServerState.UP
        }

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
            latencies = list(server.latencies)
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
                    calls=server.calls,
                    median_ms=statistics.median(latencies) * 1000 if latencies else None,
                    restarts=server.restarts,
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
    ) -> CallResult:
        """Call ``tool`` on ``server``; raises an MCPError when the server cannot answer."""
        entry = self._servers.get(server)
        if entry is None:
            raise ConnectionClosedError(f"there is no server named {server!r} in the fleet")
        session = entry.session
        if session is None or entry.state is not ServerState.UP:
            reason = f": {entry.error}" if entry.error else ""
            raise ConnectionClosedError(f"server {server!r} is {entry.state.value}{reason}")
        entry.calls += 1
        started = time.perf_counter()
        try:
            return await session.call_tool(
                tool,
                arguments,
                timeout=timeout if timeout is not None else entry.config.call_timeout,
                on_progress=on_progress,
            )
        finally:
            entry.latencies.append(time.perf_counter() - started)

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
            server.tools = await session.list_tools()
        except asyncio.CancelledError:
            if session is not None:  # stopped mid-handshake: the process must go too
                await session.aclose()
            raise
        except (ServerStartError, MCPError) as exc:
            if session is not None:
                await session.aclose()
            server.state = ServerState.FAILED
            server.error = str(exc)
            # Not a warning: the front end reports failures (status), once.
            log.info("server %r failed to start: %s", server.name, exc)
            server.settled.set()
            return None
        server.session = session
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
            server.tools = tools
            self._changed()

        roots = _roots_handler(config.roots) if config.roots else None
        sampling = _bind(self.handlers.sampling, name)
        elicitation = _bind(self.handlers.elicitation, name)
        server.transport = transport = make_transport(name, config)
        return ClientSession(
            transport,
            name=name,
            client_version=self.client_version,
            roots=roots,
            sampling=sampling,
            elicitation=elicitation,
            on_tools_changed=tools_changed,
        )

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


def _roots_handler(roots: tuple[str, ...]) -> Any:
    listed = [{"uri": uri, "name": uri.rsplit("/", 1)[-1] or uri} for uri in roots]

    async def list_roots(_params: dict[str, Any]) -> dict[str, Any]:
        return {"roots": listed}

    return list_roots
