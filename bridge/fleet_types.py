"""What the fleet shows and asks of its front end: server states, status rows, handlers.

Kept apart from ``bridge.fleet`` (which imports the MCP client) so that front ends can name
these types without it; ``bridge.fleet`` re-exports them.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = ["RELAYED", "Handler", "Notified", "ServerHandlers", "ServerState", "ServerStatus"]

Handler = Callable[[str, dict[str, Any]], Any]
Notified = Callable[[str, str, dict[str, Any]], None]
"""Hears a server's notification: (server, method, params)."""

RELAYED = (
    "notifications/message",
    "notifications/prompts/list_changed",
    "notifications/resources/list_changed",
    "notifications/resources/updated",
)
"""The servers' notifications a front end may hear through ``ServerHandlers.notified``."""


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
    roots: Handler | None = None
    """Asked for the roots of a server whose config names none (a config's ``roots`` win)."""
    notified: Notified | None = None
    """Hears each server's notifications of the ``RELAYED`` methods."""


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
    breaker: str = "closed"
    """``closed``, ``open`` (calls fail at once) or ``half-open`` (a trial call may go)."""
    cached_tools: bool = False
    """Its tools come from the catalog cache while it is still starting."""
