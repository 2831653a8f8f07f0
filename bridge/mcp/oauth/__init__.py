"""OAuth 2.1 for remote MCP servers: discovery, client identity, grants, token storage.

``OAuth`` is the ``httpx.Auth`` the HTTP transports take; it imports httpx, so it loads
on first use like the transports themselves.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from bridge.mcp.oauth.settings import AssertionSource, Authorize, OAuthSettings
from bridge.mcp.oauth.store import ClientInfo, StoredTokens, TokenStore, default_store_path

if TYPE_CHECKING:
    from bridge.mcp.oauth.automatic import follow_redirect
    from bridge.mcp.oauth.flow import OAuth

__all__ = [
    "AssertionSource",
    "Authorize",
    "ClientInfo",
    "OAuth",
    "OAuthSettings",
    "StoredTokens",
    "TokenStore",
    "default_store_path",
    "follow_redirect",
]

_LAZY = {"OAuth": "bridge.mcp.oauth.flow", "follow_redirect": "bridge.mcp.oauth.automatic"}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'bridge.mcp.oauth' has no attribute {name!r}")
    return getattr(import_module(module), name)
