"""OAuth end to end against a real OAuth-protected MCP server (the `mcp` SDK) on 127.0.0.1.

401 -> discovery -> dynamic registration -> authorization (automatic) -> token -> tools,
then refresh when the token expires or the server forgets it.
"""

from __future__ import annotations

import asyncio
import stat
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from bridge.errors import MCPError
from bridge.mcp import ClientSession
from bridge.mcp.http import StreamableHTTPTransport
from bridge.mcp.oauth import OAuth, OAuthSettings, TokenStore, follow_redirect
from bridge.transports import make_transport
from config.schema import ServerConfig

from .conftest import SERVERS


@dataclass
class OAuthServer:
    root: str

    @property
    def url(self) -> str:
        return f"{self.root}/mcp"

    async def stats(self) -> dict[str, int]:
        async with httpx.AsyncClient() as client:
            data: dict[str, int] = (await client.get(f"{self.root}/test/stats")).json()
            return data

    async def revoke_access_tokens(self) -> None:
        async with httpx.AsyncClient() as client:
            (await client.post(f"{self.root}/test/revoke")).raise_for_status()


@pytest.fixture
async def oauth_server() -> AsyncIterator[OAuthServer]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        str(SERVERS / "oauth_server.py"),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        assert proc.stdout is not None
        async with asyncio.timeout(30):
            port = int(await proc.stdout.readline())  # printed once the socket listens
        yield OAuthServer(f"http://127.0.0.1:{port}")
    finally:
        proc.terminate()
        try:
            async with asyncio.timeout(10):
                await proc.wait()
        except TimeoutError:
            proc.kill()
            await proc.wait()


class Clock:
    """A clock the test moves forward instead of sleeping."""

    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


async def list_tool_names(auth: OAuth, url: str) -> set[str]:
    transport = StreamableHTTPTransport(url, name="oauth", auth=auth)
    async with ClientSession(transport, name="oauth") as session:
        await session.open(timeout=20)
        return {tool.name for tool in await session.list_tools()}


async def call_add(auth: OAuth, url: str) -> str:
    transport = StreamableHTTPTransport(url, name="oauth", auth=auth)
    async with ClientSession(transport, name="oauth") as session:
        await session.open(timeout=20)
        return (await session.call_tool("add", {"a": 20, "b": 22}, timeout=20)).text


async def test_a_401_leads_through_registration_and_authorization_to_the_tools(
    oauth_server: OAuthServer, tmp_path: Path
):
    store = TokenStore(tmp_path / "tokens.json")
    auth = OAuth(oauth_server.url, store=store, authorize=follow_redirect)
    async with asyncio.timeout(30):
        assert "add" in await list_tool_names(auth, oauth_server.url)
    stats = await oauth_server.stats()
    assert (stats["registrations"], stats["authorizations"], stats["tokens"]) == (1, 1, 1)
    assert auth.tokens is not None
    assert auth.tokens.scopes == ("mcp:tools",)  # from the resource's scopes_supported
    assert auth.tokens.resource == oauth_server.url


async def test_stored_tokens_are_reused_by_the_next_run_without_authorizing(
    oauth_server: OAuthServer, tmp_path: Path
):
    path = tmp_path / "tokens.json"
    first = OAuth(oauth_server.url, store=TokenStore(path), authorize=follow_redirect)
    async with asyncio.timeout(30):
        await list_tool_names(first, oauth_server.url)
        again = OAuth(oauth_server.url, store=TokenStore(path))  # no authorizer at all
        assert await call_add(again, oauth_server.url) == "42"
    assert (await oauth_server.stats())["authorizations"] == 1


async def test_an_expired_access_token_is_refreshed_before_the_request(
    oauth_server: OAuthServer, tmp_path: Path
):
    clock = Clock()
    auth = OAuth(
        oauth_server.url,
        store=TokenStore(tmp_path / "tokens.json"),
        authorize=follow_redirect,
        clock=clock,
    )
    async with asyncio.timeout(30):
        await list_tool_names(auth, oauth_server.url)
        before = auth.tokens
        assert before is not None and before.expires_at is not None
        clock.now = before.expires_at + 1
        assert await call_add(auth, oauth_server.url) == "42"
    stats = await oauth_server.stats()
    assert (stats["authorizations"], stats["refreshes"]) == (1, 1)
    assert auth.tokens is not None and auth.tokens.access_token != before.access_token


async def test_a_401_on_a_forgotten_token_is_answered_by_a_refresh(
    oauth_server: OAuthServer, tmp_path: Path
):
    auth = OAuth(
        oauth_server.url, store=TokenStore(tmp_path / "tokens.json"), authorize=follow_redirect
    )
    async with asyncio.timeout(30):
        await list_tool_names(auth, oauth_server.url)
        await oauth_server.revoke_access_tokens()
        assert await call_add(auth, oauth_server.url) == "42"
    stats = await oauth_server.stats()
    assert (stats["authorizations"], stats["refreshes"]) == (1, 1)


async def test_without_an_authorizer_the_error_says_how_to_log_in(
    oauth_server: OAuthServer,
):
    auth = OAuth(oauth_server.url, name="remote", store=TokenStore())
    with pytest.raises(MCPError, match="run `agent auth login remote`"):
        async with asyncio.timeout(30):
            await list_tool_names(auth, oauth_server.url)


async def test_configured_transports_carry_oauth_and_keep_tokens_private(
    oauth_server: OAuthServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    config = ServerConfig(url=oauth_server.url, transport="http", auth={"scopes": ["mcp:tools"]})
    transport = make_transport("remote", config, authorize=follow_redirect)
    async with asyncio.timeout(30), ClientSession(transport, name="remote") as session:
        await session.open(timeout=20)
        assert "add" in {tool.name for tool in await session.list_tools()}
    token_file = tmp_path / "data" / "agent" / "oauth" / "tokens.json"
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(token_file.parent.stat().st_mode) == 0o700
    saved: Any = TokenStore(token_file).tokens_for(oauth_server.url)
    assert saved is not None and saved.client.auth_method == "client_secret_basic"


async def test_login_authorizes_anew_even_with_tokens_in_the_store(
    oauth_server: OAuthServer, tmp_path: Path
):
    store = TokenStore(tmp_path / "tokens.json")
    auth = OAuth(oauth_server.url, store=store, authorize=follow_redirect)
    async with asyncio.timeout(30):
        first = await auth.login()
        second = await auth.login()
    assert first.access_token != second.access_token
    stats = await oauth_server.stats()
    assert (stats["registrations"], stats["authorizations"]) == (1, 2)  # registration cached


async def test_configured_scopes_replace_the_servers_suggestion(
    oauth_server: OAuthServer, tmp_path: Path
):
    settings = OAuthSettings(scopes=("mcp:tools",))
    auth = OAuth(oauth_server.url, settings=settings, store=TokenStore(), authorize=follow_redirect)
    async with asyncio.timeout(30):
        tokens = await auth.login()
    assert tokens.scopes == ("mcp:tools",)
