"""Workload identity federation (SEP-1933): a JWT the platform gives this workload, traded
for an access token with the RFC 7523 jwt-bearer grant.

Platforms rotate such tokens (a Kubernetes projected service account token, a CI job's
OIDC token written to a file), so the file is read again at every grant.
"""

from __future__ import annotations

from pathlib import Path

from bridge.errors import AuthorizationError
from bridge.mcp.oauth.settings import AssertionSource

__all__ = ["file_assertion", "fixed_assertion"]

MAX_TOKEN_BYTES = 64 * 1024  # a JWT is a few kilobytes; /dev/zero would never end


def file_assertion(path: Path) -> AssertionSource:
    """An assertion source that reads the workload's JWT from ``path`` at each grant."""

    async def read(_issuer: str, _resource: str, _scopes: tuple[str, ...]) -> str:
        try:
            with path.open("rb") as handle:
                raw = handle.read(MAX_TOKEN_BYTES + 1)
        except OSError as exc:
            raise AuthorizationError(
                f"the workload identity token {path} cannot be read: {exc.strerror}"
            ) from exc
        token = raw.decode("ascii", "replace").strip()
        if len(raw) > MAX_TOKEN_BYTES or token.count(".") != 2 or " " in token:
            raise AuthorizationError(
                f"the workload identity token {path} is not a JWT; check auth.assertion_file"
            )
        return token

    return read


def fixed_assertion(token: str) -> AssertionSource:
    """An assertion source that always gives ``token`` (one run, a token handed in)."""

    async def give(_issuer: str, _resource: str, _scopes: tuple[str, ...]) -> str:
        return token

    return give
