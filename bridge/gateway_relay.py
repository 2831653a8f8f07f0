"""What passes between the fleet's servers and the gateway's clients besides requests:
log messages and levels, roots changes, and prompts/resources list changes.

Logging, decided here: a server's ``notifications/message`` goes, while calls to that
server are in flight, only to the clients making them (on each call's own stream, so over
HTTP it arrives with the call it is about), even to a client that set no level (the server
chose to send it); otherwise to every client that set a level at or below the message's.
The logger is the server's, or the server's name when it gives none. A client's
``logging/setLevel`` is passed on to the servers that offer logging as the lowest
(most verbose) level any client asked for, and again to a server that comes (back) up.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from bridge.errors import MCPError, RemoteError
from bridge.gateway_upstream import fleet_capabilities
from bridge.mcp.jsonrpc import INVALID_PARAMS

if TYPE_CHECKING:
    from bridge.fleet import Fleet
    from bridge.gateway_prompts import FleetPrompts
    from bridge.gateway_resources import FleetResources
    from bridge.mcp.server import Peer

__all__ = ["LEVELS", "Relay"]

log = logging.getLogger(__name__)

LEVELS = ("debug", "info", "notice", "warning", "error", "critical", "alert", "emergency")
"""MCP's log levels (RFC 5424's), most verbose first."""

Callers = Callable[[str], list[tuple["Peer", contextvars.Context]]]
Spawn = Callable[[Any], None]


class Relay:
    """Carries notifications and log levels between the fleet and the clients."""

    def __init__(
        self,
        peers: list[Peer],
        callers: Callers,
        spawn: Spawn,
        prompts: FleetPrompts,
        resources: FleetResources,
    ) -> None:
        self.peers = peers
        self.callers = callers
        self._spawn = spawn
        self.prompts = prompts
        self.resources = resources
        self.fleet: Fleet | None = None
        self.level: str | None = None
        """The level passed on to the fleet (None: no client asked for one)."""
        self._up: dict[str, int] | None = None  # server -> id of its session, when up
        self._offered: set[str] = set()  # what the fleet has offered since it started

    # -- from the fleet ----------------------------------------------------------------

    def notified(self, server: str, method: str, params: dict[str, Any]) -> None:
        """One of a fleet server's relayed notifications (see ``bridge.fleet_types.RELAYED``)."""
        if method == "notifications/message":
            self.log(server, params)
        elif method == "notifications/resources/updated":
            self.resources.updated(server, params)
        elif method == "notifications/prompts/list_changed":
            self.prompts.forget()
            self._broadcast(method)
        elif method == "notifications/resources/list_changed":
            self.resources.forget()
            self._broadcast(method)

    def log(self, server: str, params: dict[str, Any]) -> None:
        level = params.get("level")
        if level not in LEVELS:
            return
        message = {**params, "logger": params.get("logger") or server}
        calling: dict[Peer, contextvars.Context] = dict(self.callers(server))  # latest wins
        targets: dict[Peer, contextvars.Context | None] = {**calling} or dict.fromkeys(self.peers)
        for peer, context in targets.items():
            if peer.log_level is None and (context is None or peer.stateless):
                continue  # not asked for (a stateless client asks per request), or not its call
            if peer.log_level is not None and LEVELS.index(level) < LEVELS.index(peer.log_level):
                continue
            sending = peer.notify("notifications/message", message)
            if context is not None:
                context.run(self._spawn, sending)
            else:
                self._spawn(sending)

    def fleet_changed(self) -> None:
        """A server came up or went down (or its tools changed): bring a new session the
        log level and subscriptions, and tell clients the prompts and resources changed."""
        if self.fleet is None:
            return
        up = {}
        for name in self.fleet.names:
            session = self.fleet.session(name)
            if session is not None and session.server is not None:
                up[name] = id(session)
        before, self._up = self._up, up
        self._offered |= set(fleet_capabilities(self.fleet))
        for name, session_id in up.items():
            if before is not None and before.get(name) != session_id:
                self._spawn(self._welcome(name))
        if before is not None and set(before) != set(up):
            self.prompts.forget()
            self.resources.forget()
            # Only what a client may have been told is there (a server may be down now).
            for kind in ("prompts", "resources"):
                if kind in self._offered:
                    self._broadcast(f"notifications/{kind}/list_changed")

    async def _welcome(self, server: str) -> None:
        if self.fleet is None:
            return
        session = self.fleet.session(server)
        if session is None or session.server is None:
            return
        if self.level is not None and "logging" in session.server.capabilities:
            await session.set_logging_level(self.level)
        await self.resources.resubscribe(server)

    # -- from the clients --------------------------------------------------------------

    async def set_level(self, peer: Peer, params: dict[str, Any]) -> dict[str, Any]:
        """``logging/setLevel``: the client's own level, and the fleet's when it lowers it."""
        level = params.get("level")
        if level not in LEVELS:
            raise RemoteError(INVALID_PARAMS, f"unknown log level {level!r}; use one of {LEVELS}")
        peer.log_level = level
        await self._pass_level()
        return {}

    def detach(self, peer: Peer) -> None:
        """A client left: the fleet's level may rise to what the others asked for."""
        if not peer.stateless:  # a stateless request's level was its own, never passed on
            self._spawn(self._pass_level(leaving=peer))

    def roots_changed(self, _params: dict[str, Any]) -> None:
        """A client's roots changed: tell the servers whose roots the clients answer."""
        if self.fleet is None:
            return
        for name in self.fleet.names:
            session = self.fleet.session(name)
            if session is None or session.stateless or self.fleet.config(name).roots:
                continue  # stateless servers are not told; a config's roots are its own
            self._spawn(session.connection.notify("notifications/roots/list_changed"))

    async def _pass_level(self, leaving: Peer | None = None) -> None:
        asked = [
            p.log_level
            for p in self.peers
            if p is not leaving and not p.stateless and p.log_level in LEVELS
        ]
        lowest = min(asked, key=LEVELS.index) if asked else None
        if lowest is None or lowest == self.level or self.fleet is None:
            return
        self.level = lowest
        sessions = []
        for name in self.fleet.names:
            session = self.fleet.session(name)
            if session is not None and session.server is not None:
                if "logging" in session.server.capabilities:
                    sessions.append((name, session))
        answers = await asyncio.gather(
            *(session.set_logging_level(lowest) for _, session in sessions),
            return_exceptions=True,
        )
        for (name, _), answer in zip(sessions, answers, strict=True):
            if isinstance(answer, MCPError):
                log.info("server %r did not take log level %s: %s", name, lowest, answer)
            elif isinstance(answer, BaseException):
                raise answer

    def _broadcast(self, method: str) -> None:
        for peer in list(self.peers):
            self._spawn(peer.changed(method))
