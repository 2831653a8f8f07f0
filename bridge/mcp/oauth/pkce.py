"""PKCE (RFC 7636, S256 only) and the ``state`` value of one authorization request."""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass, field

__all__ = ["Pkce", "b64url", "new_state"]


def b64url(data: bytes) -> str:
    """Base64url without padding, as PKCE and JWTs write it."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def new_state() -> str:
    """An unguessable ``state`` that ties the redirect to the request we made."""
    return secrets.token_urlsafe(32)


@dataclass(frozen=True)
class Pkce:
    """A fresh code verifier and its S256 challenge."""

    # 64 random bytes -> 86 characters of the unreserved set (RFC 7636 allows 43..128).
    verifier: str = field(default_factory=lambda: secrets.token_urlsafe(64))

    @property
    def challenge(self) -> str:
        return b64url(hashlib.sha256(self.verifier.encode("ascii")).digest())

    method = "S256"
