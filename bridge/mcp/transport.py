"""The one abstraction of the MCP client's wire: a transport moves JSON-RPC messages."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from bridge.errors import MCPError

__all__ = ["Message", "Transport", "TransportFailure"]

Message = dict[str, Any]


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
