"""The one abstraction of the MCP client's wire: a transport moves JSON-RPC messages."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from bridge.errors import ConnectionClosedError, MCPError

__all__ = [
    "Message",
    "ParamHeaderMaps",
    "SessionLostError",
    "Transport",
    "TransportFailure",
    "WireHints",
]

Message = dict[str, Any]


ParamHeaderMaps = dict[str, dict[tuple[str, ...], str]]
"""Tool name -> (argument path -> ``Mcp-Param-*`` header token)."""


class SessionLostError(ConnectionClosedError):
    """The server forgot the session (HTTP 404): the session must run its handshake again."""


@dataclass(frozen=True, slots=True)
class TransportFailure:
    """One request could not be delivered or answered; the connection itself lives on.

    HTTP transports return this from ``receive`` so the engine fails just that request.
    """

    request_id: int | str
    error: MCPError


class Transport(Protocol):
    """Moves whole JSON-RPC messages; knows nothing of requests and responses.

    ``receive`` returns one message (or a batch list), ``None`` at the end of the stream,
    and raises an ``MCPError`` when the stream is broken beyond recovery.
    """

    name: str

    async def start(self) -> None: ...

    async def send(self, message: Message) -> None: ...

    async def receive(self) -> Message | list[Message] | TransportFailure | None: ...

    async def close(self) -> None: ...

    def describe_end(self) -> str:
        """Why the stream ended, for error messages (exit code, stderr tail, ...)."""
        ...


@runtime_checkable
class WireHints(Protocol):
    """What a transport with headers of its own (HTTP) learns from the session.

    The session negotiates; the transport only mirrors the outcome onto its requests.
    """

    def negotiated(self, version: str, *, stateless: bool) -> None:
        """The protocol version in use; ``stateless`` for 2026-07-28 and later."""
        ...

    def route_params(self, maps: ParamHeaderMaps) -> None:
        """The ``Mcp-Param-*`` headers each tool's calls carry."""
        ...
