"""Who may reach an MCP endpoint over the network: the Origin check against DNS rebinding,
bearer tokens, and the limits of one endpoint. HTTP and WebSocket share them.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from urllib.parse import urlsplit

__all__ = ["HTTPLimits", "Refused", "check_origin", "client_key"]

_LOOPBACK = {"localhost", "127.0.0.1", "::1", "[::1]"}


@dataclass(frozen=True)
class HTTPLimits:
    """The security settings of one HTTP endpoint (``serve:`` in the config)."""

    tokens: tuple[str, ...] = ()
    allowed_origins: tuple[str, ...] = ()
    cors: bool = False
    max_body: int = 4 * 1024 * 1024
    max_concurrent: int = 32
    max_sessions: int = 1000


class Refused(Exception):
    """An HTTP request turned away before it reaches MCP: status, message, extra headers."""

    def __init__(self, status: int, message: str, headers: list[tuple[str, str]] | None = None):
        super().__init__(message)
        self.status = status
        self.headers = headers or []


def check_origin(headers: dict[str, str], limits: HTTPLimits) -> str | None:
    """A browser's Origin must be loopback or allowed: the guard against DNS rebinding."""
    origin = headers.get("origin")
    if origin is None:
        return None
    host = urlsplit(origin).hostname or ""
    if host in _LOOPBACK or origin in limits.allowed_origins:
        return origin
    raise Refused(403, f"origin {origin[:100]!r} is not allowed")


def client_key(headers: dict[str, str], limits: HTTPLimits, address: str) -> str:
    """Who the client is, for its concurrency limit: its bearer token, or its address.

    With tokens configured, a request without a valid one is refused (401).
    """
    if not limits.tokens:
        return address
    scheme, _, token = headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and any(
        hmac.compare_digest(token.encode(), t.encode()) for t in limits.tokens
    ):
        return "token:" + token
    raise Refused(
        401, "a valid bearer token is required", [("www-authenticate", 'Bearer realm="mcp"')]
    )
