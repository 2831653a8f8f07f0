"""``agent auth login|logout|status``: OAuth tokens of the fleet's remote servers.

``login`` authorizes now, in a browser, and keeps the tokens for later runs; ``logout``
deletes them; ``status`` shows who issued them, their scopes and expiry (never a token).
"""

from __future__ import annotations

import argparse
import asyncio
import time
from typing import TYPE_CHECKING

from agent.errors import UsageError
from agent.terminal import clean

if TYPE_CHECKING:
    from bridge.mcp.oauth import StoredTokens
    from config.schema import Config, ServerConfig

__all__ = ["auth_command"]


def auth_command(options: argparse.Namespace) -> int:
    from config import load

    config = load(options.config)
    action = options.auth_command
    if action == "login":
        return asyncio.run(_login(options.server, _remote(config, options.server), options))
    if action == "logout":
        return _logout(options.server, _remote(config, options.server))
    names = [options.server] if options.server else _remote_names(config)
    return _status(config, names)


async def _login(name: str, server: ServerConfig, options: argparse.Namespace) -> int:
    from agent.auth_prompt import loopback_authorizer
    from bridge.transports import make_auth

    authorizer = loopback_authorizer(open_browser=False if options.no_browser else None)
    auth = make_auth(name, server, authorize=authorizer)
    if auth is None:
        raise UsageError(
            f"server {name!r} sends its own Authorization header; remove it from `headers` "
            "to use OAuth"
        )
    from bridge.mcp.oauth.flow import OAuth

    assert isinstance(auth, OAuth)
    tokens = await auth.login()
    print(f"{name}: logged in")
    _describe(tokens)
    return 0


def _logout(name: str, server: ServerConfig) -> int:
    from bridge.mcp.oauth import TokenStore, default_store_path

    assert server.url is not None
    removed = TokenStore(default_store_path()).forget(server.url)
    print(f"{name}: {'logged out' if removed else 'no stored tokens'}")
    return 0


def _status(config: Config, names: list[str]) -> int:
    from bridge.mcp.oauth import TokenStore, default_store_path

    store = TokenStore(default_store_path())
    for name in names:
        server = _remote(config, name)
        assert server.url is not None
        tokens = store.tokens_for(server.url)
        if tokens is None:
            print(f"{name}: not logged in")
            continue
        print(f"{name}: logged in")
        _describe(tokens)
    return 0


def _describe(tokens: StoredTokens) -> None:
    """What the store holds; every field but the flags came from the server: cleaned."""
    scopes = " ".join(tokens.scopes) or "(server default)"
    print(f"  issuer:   {clean(str(tokens.issuer))}")
    print(f"  resource: {clean(str(tokens.resource))}")
    print(f"  client:   {clean(str(tokens.client.client_id))}")
    print(f"  scopes:   {clean(scopes)}")
    print(f"  expires:  {_expiry(tokens.expires_at)}")
    print(f"  refresh:  {'yes' if tokens.refresh_token else 'no'}")


def _expiry(expires_at: float | None) -> str:
    if expires_at is None:
        return "not stated"
    stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(expires_at))
    left = expires_at - time.time()
    return f"{stamp} ({'expired' if left <= 0 else f'in {int(left // 60)} min'})"


def _remote(config: Config, name: str) -> ServerConfig:
    server = config.servers.get(name)
    if server is None:
        known = ", ".join(_remote_names(config)) or "none"
        raise UsageError(f"no server {name!r} in the config (remote servers: {known})")
    if server.url is None:
        raise UsageError(f"server {name!r} runs over stdio; only `url` servers use OAuth")
    return server


def _remote_names(config: Config) -> list[str]:
    return [name for name, server in config.servers.items() if server.url is not None]
