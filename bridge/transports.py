"""Which transport serves a configured server: a table keyed by the server's kind.

Every remote server gets an OAuth ``httpx.Auth``: a server that never answers 401 costs
nothing, and one that does gets discovery, stored tokens and refresh. Interactive
authorization needs an ``authorize`` callable from the front-end; without one, a server
that wants a person to log in fails with a message saying how.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from bridge.mcp import StdioTransport, Transport

if TYPE_CHECKING:
    from pathlib import Path

    import httpx

    from bridge.mcp.oauth import Authorize, OAuthSettings, TokenStore
    from config.schema import OAuthConfig, ServerConfig

__all__ = ["make_auth", "make_transport", "oauth_settings"]


def _stdio(name: str, config: ServerConfig, authorize: Authorize | None) -> Transport:
    assert config.command is not None
    return StdioTransport(
        config.command,
        config.args,
        env=config.env,
        cwd=config.cwd,
        name=name,
    )


def _http(
    name: str, config: ServerConfig, authorize: Authorize | None, *, fallback: bool = False
) -> Transport:
    from bridge.mcp.http import StreamableHTTPTransport

    assert config.url is not None
    return StreamableHTTPTransport(
        config.url,
        name=name,
        headers=config.headers,
        auth=make_auth(name, config, authorize=authorize),
        verify=config.tls_verify,
        connect_timeout=config.startup_timeout,
        legacy_fallback=fallback,
    )


def _auto(name: str, config: ServerConfig, authorize: Authorize | None) -> Transport:
    return _http(name, config, authorize, fallback=True)


def _sse(name: str, config: ServerConfig, authorize: Authorize | None) -> Transport:
    from bridge.mcp.legacy_sse import LegacySSETransport

    assert config.url is not None
    return LegacySSETransport(
        config.url,
        name=name,
        headers=config.headers,
        auth=make_auth(name, config, authorize=authorize),
        verify=config.tls_verify,
        connect_timeout=config.startup_timeout,
    )


def _websocket(name: str, config: ServerConfig, authorize: Authorize | None) -> Transport:
    from bridge.mcp.websocket import WebSocketTransport

    assert config.url is not None
    return WebSocketTransport(
        config.url,
        name=name,
        headers=config.headers,
        verify=config.tls_verify,
        connect_timeout=config.startup_timeout,
    )


_FACTORIES: dict[str, Callable[[str, ServerConfig, Authorize | None], Transport]] = {
    "stdio": _stdio,
    "http": _http,
    "sse": _sse,
    "auto": _auto,
    "websocket": _websocket,
}


def make_transport(
    name: str, config: ServerConfig, *, authorize: Authorize | None = None
) -> Transport:
    """A new, unstarted transport for the server named ``name``."""
    return _FACTORIES[config.kind](name, config, authorize)


def make_auth(
    name: str,
    config: ServerConfig,
    *,
    authorize: Authorize | None = None,
    store: TokenStore | None = None,
) -> httpx.Auth | None:
    """The OAuth auth of a remote server; None when its headers already authorize it."""
    from bridge.mcp.oauth import TokenStore, default_store_path
    from bridge.mcp.oauth.flow import OAuth

    assert config.url is not None
    if config.auth is None and any(k.lower() == "authorization" for k in config.headers):
        return None  # a static Authorization header is the person's choice; keep out of it
    return OAuth(
        config.url,
        name=name,
        settings=oauth_settings(config.auth),
        store=store if store is not None else TokenStore(default_store_path()),
        authorize=authorize,
        verify=config.tls_verify,
    )


def oauth_settings(auth: OAuthConfig | None) -> OAuthSettings:
    """The bridge's settings from a server's ``auth:`` section (None: all defaults)."""
    from bridge.mcp.oauth import OAuthSettings
    from bridge.mcp.oauth.workload import file_assertion

    if auth is None:
        return OAuthSettings()
    key = None
    if auth.private_key_file is not None:
        key = _read_key(auth.private_key_file)
    return OAuthSettings(
        client_id=auth.client_id,
        client_secret=auth.client_secret,
        scopes=auth.scopes,
        grant=auth.grant,
        client_metadata_url=auth.client_metadata_url,
        redirect_port=auth.redirect_port,
        private_key_pem=key,
        assertion=file_assertion(auth.assertion_file) if auth.assertion_file else None,
    )


_MAX_KEY_BYTES = 64 * 1024  # a PEM key is a few kilobytes; /dev/zero would never end


def _read_key(path: Path) -> str:
    """The PEM text of ``private_key_file``, read with a size cap."""
    from bridge.errors import AuthorizationError

    try:
        with path.open("rb") as handle:
            raw = handle.read(_MAX_KEY_BYTES + 1)
    except OSError as exc:
        raise AuthorizationError(
            f"the private key file {path} cannot be read: {exc.strerror}"
        ) from exc
    try:
        if len(raw) > _MAX_KEY_BYTES:
            raise ValueError
        return raw.decode("ascii")
    except ValueError:  # UnicodeDecodeError is one
        raise AuthorizationError(
            f"the private key file {path} is not a PEM key (PEM is ASCII text of a few "
            "kilobytes); check auth.private_key_file"
        ) from None
