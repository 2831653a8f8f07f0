"""Who the client is at an authorization server.

In order: credentials from the config (pre-registration); a client ID metadata document
URL when the server supports them; a registration cached from an earlier run; dynamic
client registration (RFC 7591).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from bridge.errors import AuthorizationError
from bridge.mcp.oauth.store import ClientInfo
from bridge.mcp.oauth.tokens import choose_auth_method

if TYPE_CHECKING:
    import httpx

    from bridge.mcp.oauth.metadata import AuthServer
    from bridge.mcp.oauth.settings import OAuthSettings
    from bridge.mcp.oauth.store import TokenStore

__all__ = ["identify", "register"]

REGISTRATION_TIMEOUT = 30.0


async def identify(
    client: httpx.AsyncClient,
    settings: OAuthSettings,
    server: AuthServer,
    store: TokenStore,
    redirect_uri: str | None,
) -> ClientInfo:
    """The client identity to use with ``server``; registers one if it must."""
    if settings.client_id is not None:
        method = choose_auth_method(
            server.auth_methods_supported,
            has_secret=settings.client_secret is not None,
            has_key=settings.private_key_pem is not None,
        )
        return ClientInfo(settings.client_id, settings.client_secret, method, redirect_uri)
    if settings.client_metadata_url is not None and server.client_id_metadata_documents:
        return ClientInfo(settings.client_metadata_url, None, "none", redirect_uri)
    cached = store.client_for(server.issuer, redirect_uri)
    if cached is not None:
        return cached
    if server.registration_endpoint is None:
        raise AuthorizationError(
            f"the authorization server {server.issuer} does not offer client registration; "
            "register a client there and add `auth: {client_id: ..., client_secret: ...}` "
            "to this server in the config"
        )
    registered = await register(client, settings, server, redirect_uri)
    store.save_client(server.issuer, registered)
    return registered


async def register(
    client: httpx.AsyncClient,
    settings: OAuthSettings,
    server: AuthServer,
    redirect_uri: str | None,
) -> ClientInfo:
    """Dynamic client registration: POST our metadata, keep what the server assigns."""
    import httpx

    assert server.registration_endpoint is not None
    supported = server.auth_methods_supported
    wanted = (
        "none"
        if supported is None or "none" in supported
        else choose_auth_method(supported, has_secret=True)
    )
    body: dict[str, object] = {
        "client_name": settings.client_name,
        "grant_types": ["authorization_code", "refresh_token"],
        "response_types": ["code"],
        "token_endpoint_auth_method": wanted,
        "redirect_uris": [redirect_uri] if redirect_uri else [],
        # SEP-837: a program on the person's machine with a loopback redirect is native.
        "application_type": "native",
    }
    try:
        response = await client.post(
            server.registration_endpoint,
            json=body,
            headers={"Accept": "application/json"},
            timeout=REGISTRATION_TIMEOUT,
        )
    except httpx.HTTPError as exc:
        raise AuthorizationError(
            f"client registration at {server.registration_endpoint} failed: {exc}"
        ) from exc
    try:
        data = json.loads(response.content)
    except ValueError:
        data = None
    if response.status_code not in (200, 201) or not isinstance(data, dict):
        raise AuthorizationError(
            f"client registration at {server.registration_endpoint} was refused "
            f"(HTTP {response.status_code}); add `auth: {{client_id: ...}}` for this server "
            "with a client registered by hand"
        )
    client_id = data.get("client_id")
    if not isinstance(client_id, str) or not client_id:
        raise AuthorizationError(f"{server.registration_endpoint} returned no client_id")
    secret = data.get("client_secret")
    secret = secret if isinstance(secret, str) and secret else None
    method = data.get("token_endpoint_auth_method")
    if not isinstance(method, str):
        method = choose_auth_method(supported, has_secret=secret is not None)
    return ClientInfo(client_id, secret, method, redirect_uri)
