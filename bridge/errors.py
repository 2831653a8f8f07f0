"""The bridge subtree of the error tree (drawn in ``config/errors.py``)."""

from __future__ import annotations

from typing import Any

from config.errors import HostError

__all__ = [
    "AuthorizationError",
    "BridgeError",
    "ConnectionClosedError",
    "MCPError",
    "NoServerAvailableError",
    "ProtocolError",
    "RemoteError",
    "RequestTimeoutError",
    "ServerStartError",
]


class BridgeError(HostError):
    """The bridge between the model and the MCP fleet failed."""

    exit_code = 4


class MCPError(BridgeError):
    """Something went wrong on one MCP connection."""


class ConnectionClosedError(MCPError):
    """The server exited or its stream ended; pending requests fail with this."""


class ProtocolError(MCPError):
    """The peer broke the wire rules (bad framing, unknown protocol version, ...)."""


class RequestTimeoutError(MCPError):
    """A request got no answer within its timeout."""


class ServerStartError(MCPError):
    """A server could not be spawned, connected to, or initialized."""


class AuthorizationError(MCPError):
    """A remote server wants OAuth authorization that could not be obtained."""


class RemoteError(MCPError):
    """The peer answered a request with a JSON-RPC error."""

    def __init__(self, code: int, message: str, data: Any = None, *, server: str = "") -> None:
        self.code = code
        self.message = message
        self.data = data
        self.server = server
        where = f"server {server!r}: " if server else ""
        super().__init__(f"{where}{message} (JSON-RPC error {code})")


class NoServerAvailableError(BridgeError):
    """Every server of the fleet failed to start; nothing can serve tools."""

    exit_code = 5
