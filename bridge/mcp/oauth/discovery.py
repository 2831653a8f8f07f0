"""Finding the authorization server of an MCP server.

Protected resource metadata (RFC 9728) comes from the challenge's ``resource_metadata``
first, then the path-aware and root well-known URLs. Authorization server metadata tries
RFC 8414 and OpenID Connect locations in the order the MCP spec gives. A server with no
resource metadata is treated as 2025-03-26 did: its origin is the authorization server,
with metadata there or, failing that, the fixed ``/authorize``, ``/token``, ``/register``.
"""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from bridge.errors import AuthorizationError
from bridge.mcp.oauth.metadata import (
    AuthServer,
    Discovery,
    canonical_resource,
    origin_of,
    resource_allowed,
)

if TYPE_CHECKING:
    import httpx

    from bridge.mcp.oauth.challenge import Challenge

__all__ = ["auth_server_metadata_urls", "discover", "resource_metadata_urls"]

log = logging.getLogger(__name__)

PRM = "/.well-known/oauth-protected-resource"
OAUTH_AS = "/.well-known/oauth-authorization-server"
OIDC = "/.well-known/openid-configuration"
METADATA_TIMEOUT = 10.0


def resource_metadata_urls(server_url: str, challenge: Challenge | None) -> list[str]:
    """Where to look for protected resource metadata, in order."""
    urls = []
    if challenge is not None and challenge.resource_metadata:
        urls.append(challenge.resource_metadata)
    origin = origin_of(server_url)
    path = urlsplit(server_url).path.rstrip("/")
    if path:
        urls.append(f"{origin}{PRM}{path}")
    urls.append(f"{origin}{PRM}")
    return list(dict.fromkeys(urls))


def auth_server_metadata_urls(issuer: str) -> list[str]:
    """Where to look for an issuer's metadata: RFC 8414 path insertion, then OIDC forms."""
    origin = origin_of(issuer)
    path = urlsplit(issuer).path.rstrip("/")
    if not path:
        return [f"{origin}{OAUTH_AS}", f"{origin}{OIDC}"]
    return [f"{origin}{OAUTH_AS}{path}", f"{origin}{OIDC}{path}", f"{origin}{path}{OIDC}"]


async def discover(
    client: httpx.AsyncClient, server_url: str, challenge: Challenge | None
) -> Discovery:
    """Protected resource metadata, then the metadata of its first authorization server."""
    prm = await _first_document(client, resource_metadata_urls(server_url, challenge))
    if prm is None or not _has_auth_servers(prm):
        return await _legacy(client, server_url)
    resource = prm.get("resource")
    if isinstance(resource, str) and resource:
        if not resource_allowed(resource, server_url):
            raise AuthorizationError(
                f"the server at {server_url} names the protected resource {resource!r}, "
                "which is not this server; refusing to authorize (check the server URL)"
            )
    else:
        resource = canonical_resource(server_url)
    issuer = prm["authorization_servers"][0]
    server = await _auth_server(client, issuer)
    if server is None:
        raise AuthorizationError(
            f"no authorization server metadata found for {issuer} "
            f"(tried {', '.join(auth_server_metadata_urls(issuer))})"
        )
    if server.issuer.rstrip("/") != issuer.rstrip("/"):
        raise AuthorizationError(
            f"the metadata at {issuer} names a different issuer ({server.issuer}); refusing it"
        )
    scopes = prm.get("scopes_supported")
    resource_scopes = (
        tuple(s for s in scopes if isinstance(s, str)) if isinstance(scopes, list) else None
    )
    return Discovery(resource=resource, server=server, resource_scopes=resource_scopes)


async def _legacy(client: httpx.AsyncClient, server_url: str) -> Discovery:
    origin = origin_of(server_url)
    log.debug("no protected resource metadata for %s; using its origin (2025-03-26)", server_url)
    server = await _auth_server(client, origin) or AuthServer.defaults(origin)
    return Discovery(resource=canonical_resource(server_url), server=server)


async def _auth_server(client: httpx.AsyncClient, issuer: str) -> AuthServer | None:
    for url in auth_server_metadata_urls(issuer):
        document = await _fetch_json(client, url)
        if document is not None:
            server = AuthServer.from_metadata(document, fallback_issuer=issuer)
            if server is not None:
                return server
    return None


async def _first_document(client: httpx.AsyncClient, urls: list[str]) -> dict[str, Any] | None:
    for url in urls:
        document = await _fetch_json(client, url)
        if document is not None:
            return document
    return None


async def _fetch_json(client: httpx.AsyncClient, url: str) -> dict[str, Any] | None:
    """The JSON object at ``url``, or None for any error status, network failure or non-JSON."""
    import httpx

    try:
        response = await client.get(
            url, headers={"Accept": "application/json"}, timeout=METADATA_TIMEOUT
        )
    except httpx.HTTPError as exc:
        log.debug("metadata at %s: %s", url, exc)
        return None
    if response.status_code != 200:
        log.debug("metadata at %s: HTTP %d", url, response.status_code)
        return None
    try:
        document = json.loads(response.content)
    except ValueError:
        return None
    return document if isinstance(document, dict) else None


def _has_auth_servers(prm: dict[str, Any]) -> bool:
    servers = prm.get("authorization_servers")
    return isinstance(servers, list) and bool(servers) and isinstance(servers[0], str)
