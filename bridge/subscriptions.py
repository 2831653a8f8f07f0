"""Attached resources that may go stale: subscribed to, marked when their server updates them.

``AttachedResources.attach`` subscribes (``resources/subscribe``) when the server declares
``resources.subscribe``; each ``notifications/resources/updated`` for an attached URI marks
it stale and calls ``on_stale`` (the chat redraws its chip). Reading it again clears the mark.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from bridge.errors import MCPError

if TYPE_CHECKING:
    from bridge.fleet import Fleet

__all__ = ["AttachedResources"]


class AttachedResources:
    """The (server, uri) pairs attached in a conversation and which of them are stale."""

    def __init__(self, fleet: Fleet, on_stale: Callable[[str, str], None] | None = None) -> None:
        self.fleet = fleet
        self.on_stale = on_stale
        self.attached: set[tuple[str, str]] = set()
        self.stale: set[tuple[str, str]] = set()
        self._listening: set[int] = set()  # ids of sessions that have our handler

    async def attach(self, server: str, uri: str) -> bool:
        """Remember ``uri`` as attached (fresh) and subscribe to it; whether the server
        will tell of updates (it declares ``resources.subscribe`` and accepted)."""
        key = (server, uri)
        self.stale.discard(key)
        first = key not in self.attached
        self.attached.add(key)
        session = self.fleet.session(server)
        if session is None or session.server is None:
            return False
        declared = session.server.capabilities.get("resources")
        if not (isinstance(declared, dict) and declared.get("subscribe") is True):
            return False
        if id(session) not in self._listening:
            self._listening.add(id(session))
            session.on_resource_updated(lambda updated: self._updated(server, updated))
        if first:
            try:
                await session.subscribe_resource(uri)
            except MCPError:
                self.attached.discard(key)
                return False
        return True

    def is_stale(self, server: str, uri: str) -> bool:
        return (server, uri) in self.stale

    def _updated(self, server: str, uri: str) -> None:
        key = (server, uri)
        if key in self.attached and key not in self.stale:
            self.stale.add(key)
            if self.on_stale is not None:
                self.on_stale(server, uri)
