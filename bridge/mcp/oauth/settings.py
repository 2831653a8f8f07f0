"""How one server's OAuth client is set up: the bridge's own view of ``auth:`` in the config."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Literal

__all__ = ["AssertionSource", "Authorize", "OAuthSettings"]

Authorize = Callable[[str, str], Awaitable[tuple[str, str] | tuple[str, str, str | None]]]
"""``authorize(url, redirect_uri) -> (code, state[, iss])``: shows the person the
authorization URL (or follows it, for automated servers) and returns what came back to
the redirect URI, with its RFC 9207 ``iss`` (None when it had none). An authorizer that
returns two values cannot pass the ``iss`` check of a server that always sends one.
The bridge never prompts; front-ends pass one in."""

AssertionSource = Callable[[str, str, tuple[str, ...]], Awaitable[str]]
"""``source(issuer, resource, scopes) -> assertion`` for the RFC 7523 jwt-bearer grant
(for example an ID-JAG obtained from an enterprise identity provider)."""


@dataclass(frozen=True)
class OAuthSettings:
    """Everything optional: with nothing set the client discovers, registers and asks."""

    client_id: str | None = None
    client_secret: str | None = None
    scopes: tuple[str, ...] | None = None
    """Requested scopes; None lets the server's challenge or metadata decide."""
    grant: Literal["authorization_code", "client_credentials", "jwt_bearer"] = "authorization_code"
    client_metadata_url: str | None = None
    """An HTTPS URL of this client's metadata document, used as client_id when the
    authorization server supports client ID metadata documents."""
    redirect_port: int | None = None
    private_key_pem: str | None = None
    """For ``private_key_jwt`` client authentication (client credentials)."""
    client_name: str = "mcp-agent-host"
    assertion: AssertionSource | None = None
    """Where the jwt_bearer grant gets its assertion."""

    def __repr__(self) -> str:  # keep secrets out of logs and tracebacks
        return (
            f"OAuthSettings(client_id={self.client_id!r}, grant={self.grant!r}, "
            f"scopes={self.scopes!r})"
        )
