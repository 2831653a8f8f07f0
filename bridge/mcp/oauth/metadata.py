"""What discovery learns: the protected resource and its authorization server's endpoints."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

__all__ = ["AuthServer", "Discovery", "canonical_resource", "origin_of", "resource_allowed"]


@dataclass(frozen=True)
class AuthServer:
    """The parts of RFC 8414 / OIDC metadata the client uses."""

    issuer: str
    authorization_endpoint: str | None
    token_endpoint: str
    registration_endpoint: str | None = None
    scopes_supported: tuple[str, ...] | None = None
    grant_types_supported: tuple[str, ...] | None = None
    auth_methods_supported: tuple[str, ...] | None = None
    code_challenge_methods: tuple[str, ...] | None = None
    client_id_metadata_documents: bool = False
    iss_parameter_supported: bool = False
    """RFC 9207: the authorization response always carries ``iss``."""
    dpop_algorithms: tuple[str, ...] | None = None
    """RFC 9449 ``dpop_signing_alg_values_supported``: tokens can be bound to a key."""

    @classmethod
    def from_metadata(cls, data: dict[str, Any], *, fallback_issuer: str) -> AuthServer | None:
        """Read a metadata document; None when it lacks a token endpoint."""
        token = data.get("token_endpoint")
        if not isinstance(token, str):
            return None
        return cls(
            issuer=str(data.get("issuer") or fallback_issuer),
            authorization_endpoint=_str(data.get("authorization_endpoint")),
            token_endpoint=token,
            registration_endpoint=_str(data.get("registration_endpoint")),
            scopes_supported=_strings(data.get("scopes_supported")),
            grant_types_supported=_strings(data.get("grant_types_supported")),
            auth_methods_supported=_strings(data.get("token_endpoint_auth_methods_supported")),
            code_challenge_methods=_strings(data.get("code_challenge_methods_supported")),
            client_id_metadata_documents=data.get("client_id_metadata_document_supported") is True,
            iss_parameter_supported=(
                data.get("authorization_response_iss_parameter_supported") is True
            ),
            dpop_algorithms=_strings(data.get("dpop_signing_alg_values_supported")),
        )

    @classmethod
    def defaults(cls, origin: str) -> AuthServer:
        """The 2025-03-26 fallback for a server without metadata: fixed paths on its origin."""
        return cls(
            issuer=origin,
            authorization_endpoint=f"{origin}/authorize",
            token_endpoint=f"{origin}/token",
            registration_endpoint=f"{origin}/register",
        )


@dataclass(frozen=True)
class Discovery:
    """The resource to ask tokens for, its scopes, and the server that issues them."""

    resource: str
    server: AuthServer
    resource_scopes: tuple[str, ...] | None = None
    """``scopes_supported`` of the protected resource metadata, when it has one."""


def origin_of(url: str) -> str:
    """``scheme://host[:port]`` of a URL, lower-cased as RFC 3986 normalizes it."""
    parts = urlsplit(url)
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}"


def canonical_resource(url: str) -> str:
    """The server URL as an RFC 8707 resource: lower-case scheme and host, no fragment."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path, parts.query, ""))


def resource_allowed(resource: str, server_url: str) -> bool:
    """True when ``resource`` names the server: same origin, and a path prefix of its URL."""
    if origin_of(resource) != origin_of(server_url):
        return False
    want = urlsplit(resource).path.rstrip("/")
    have = urlsplit(server_url).path.rstrip("/")
    return have == want or have.startswith(want + "/")


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _strings(value: Any) -> tuple[str, ...] | None:
    if not isinstance(value, list):
        return None
    return tuple(item for item in value if isinstance(item, str))
