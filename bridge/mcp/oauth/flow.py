"""OAuth 2.1 for one remote MCP server, as an ``httpx.Auth`` the transports plug in.

Every request carries the current access token, if there is one (as ``Bearer``, or as
``DPoP`` with a fresh proof when the token is bound to our key). A token about to
expire is refreshed first. A 401 leads to a refresh or, failing that, to discovery and
a new grant, and the request is sent once more. A 403 ``insufficient_scope`` re-authorizes
with the union of scopes (step-up), a bounded number of times. A server that never
answers 401 costs one read of the token store, on its first request.

OAuth traffic (metadata, registration, tokens) goes through a short-lived client of its
own: it is rare, and it must not inherit the MCP endpoint's headers or streaming timeouts.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncGenerator, Callable
from typing import TYPE_CHECKING

import httpx

from bridge.errors import AuthorizationError
from bridge.mcp.oauth.challenge import Challenge, parse_challenge
from bridge.mcp.oauth.discovery import discover
from bridge.mcp.oauth.dpop import DpopKey, nonce_wanted
from bridge.mcp.oauth.grants import TokenSource
from bridge.mcp.oauth.scopes import select_scopes, union
from bridge.mcp.oauth.settings import OAuthSettings
from bridge.mcp.oauth.store import StoredTokens, TokenStore
from config.secrets import remember

if TYPE_CHECKING:
    from bridge.mcp.oauth.settings import Authorize

__all__ = ["MAX_STEP_UPS", "OAuth"]

log = logging.getLogger(__name__)

EXPIRY_MARGIN = 30.0
"""Seconds before ``expires_at`` at which a token counts as expired (clock skew, latency)."""
MAX_STEP_UPS = 2
"""Step-up re-authorizations in a row without a successful request in between."""

_PROBE = {"jsonrpc": "2.0", "id": "auth-probe", "method": "ping"}


class OAuth(httpx.Auth):
    """Bearer tokens for one MCP server URL, obtained and renewed as the server asks."""

    def __init__(
        self,
        server_url: str,
        *,
        name: str = "server",
        settings: OAuthSettings | None = None,
        store: TokenStore | None = None,
        authorize: Authorize | None = None,
        verify: bool = True,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.server_url = server_url
        self.name = name
        self.settings = settings or OAuthSettings()
        self.store = store if store is not None else TokenStore()
        self.verify = verify
        self.clock = clock
        self.source = TokenSource(server_url, self.settings, self.store, authorize, clock, name)
        self._tokens: StoredTokens | None = None
        self._loaded = False
        self._step_ups = 0
        self._lock = asyncio.Lock()
        self._keys: dict[str, DpopKey] = {}
        self._nonce: str | None = None  # the resource's latest DPoP nonce

    @property
    def tokens(self) -> StoredTokens | None:
        """The tokens in use (None before authorization)."""
        return self._tokens

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        sent = await self._usable_tokens()
        self._sign(request, sent)
        response = yield request
        if sent is not None and sent.dpop_key is not None and self._take_nonce(response):
            self._sign(request, sent)  # the resource wants its nonce in a fresh proof
            response = yield request
        if response.status_code == 401:
            sent, granted = await self._after_unauthorized(sent, _challenge(response))
            self._sign(request, sent)
            response = yield request
            if response.status_code == 401 and not granted:
                # A refreshed token refused as well: the resource may have moved to another
                # authorization server (SEP-2352). Discovery and a new grant find out.
                sent = await self._regrant(sent, _challenge(response))
                self._sign(request, sent)
                response = yield request
        for _ in range(MAX_STEP_UPS):
            challenge = _challenge(response) if response.status_code == 403 else None
            if challenge is None or not challenge.insufficient_scope:
                break
            stepped = await self._step_up(sent, challenge)
            if stepped is None:
                break
            sent = stepped
            self._sign(request, sent)
            response = yield request
        if response.status_code < 400:
            self._step_ups = 0

    async def login(self) -> StoredTokens:
        """Authorize now, ignoring tokens already held: probe the server, answer its 401."""
        async with httpx.AsyncClient(auth=self, verify=self.verify) as client:
            self._tokens, self._loaded = None, True
            response = await client.post(
                self.server_url,
                content=json.dumps(_PROBE),
                headers={
                    "Content-Type": "application/json",
                    "Accept": "application/json, text/event-stream",
                },
                timeout=30.0,
            )
        if self._tokens is None:
            raise AuthorizationError(
                f"server {self.name!r} answered HTTP {response.status_code} without asking "
                "for authorization; there is nothing to log in to"
            )
        return self._tokens

    # -- states ----------------------------------------------------------------------

    async def _usable_tokens(self) -> StoredTokens | None:
        if not self._loaded:
            self._loaded = True
            self._tokens = self.store.tokens_for(self.server_url)
        tokens = self._tokens
        if tokens is None or not self._expired(tokens) or tokens.refresh_token is None:
            return tokens  # an expired token without refresh goes out; its 401 renews it
        async with self._lock:
            if self._tokens is tokens:
                await self._refresh_or_drop(tokens)
            return self._tokens

    async def _after_unauthorized(
        self, sent: StoredTokens | None, challenge: Challenge | None
    ) -> tuple[StoredTokens, bool]:
        """Tokens to try again with, and whether they come from a new grant."""
        async with self._lock:
            current = self._tokens
            if current is not None and current is not sent:
                return current, False  # another request renewed them meanwhile
            if sent is not None and sent.refresh_token is not None:
                refreshed = await self._refresh_or_drop(sent)
                if refreshed is not None:
                    return refreshed, False
            return await self._obtain(challenge, ()), True

    async def _regrant(
        self, sent: StoredTokens | None, challenge: Challenge | None
    ) -> StoredTokens:
        async with self._lock:
            current = self._tokens
            if current is not None and current is not sent:
                return current
            return await self._obtain(challenge, ())

    async def _step_up(
        self, sent: StoredTokens | None, challenge: Challenge
    ) -> StoredTokens | None:
        async with self._lock:
            current = self._tokens
            if (
                current is not None
                and current is not sent
                and set(challenge.scopes) <= set(current.scopes)
            ):
                return current
            if self._step_ups >= MAX_STEP_UPS:
                log.warning("server %r: still insufficient scope; not asking again", self.name)
                return None
            self._step_ups += 1
            held = sent.scopes if sent is not None else ()
            return await self._obtain(challenge, union(held, challenge.scopes))

    async def _obtain(self, challenge: Challenge | None, scopes: tuple[str, ...]) -> StoredTokens:
        """Discovery, then a new grant; ``scopes`` (step-up) overrides the selection."""
        async with httpx.AsyncClient(verify=self.verify) as client:
            discovery = await discover(client, self.server_url, challenge)
            if not scopes:
                scopes = select_scopes(
                    configured=self.settings.scopes,
                    challenged=challenge.scopes if challenge is not None else (),
                    resource_supported=discovery.resource_scopes,
                    server_supported=discovery.server.scopes_supported,
                )
            self._tokens = await self.source.obtain(client, discovery, scopes)
        return self._tokens

    async def _refresh_or_drop(self, tokens: StoredTokens) -> StoredTokens | None:
        try:
            async with httpx.AsyncClient(verify=self.verify) as client:
                self._tokens = await self.source.refresh(client, tokens)
        except AuthorizationError as exc:
            log.info("server %r: refresh failed (%s); authorizing again", self.name, exc)
            self._tokens = None
        return self._tokens

    def _sign(self, request: httpx.Request, tokens: StoredTokens | None) -> None:
        if tokens is None:
            return
        # A server that echoes its request headers must not show the token to anyone.
        remember(tokens.access_token)
        remember(tokens.refresh_token)
        if tokens.dpop_key is None or tokens.token_type != "DPoP":
            request.headers["Authorization"] = f"Bearer {tokens.access_token}"
            return
        key = self._keys.get(tokens.dpop_key)
        if key is None:
            key = self._keys[tokens.dpop_key] = DpopKey(tokens.dpop_key)
        url = str(request.url.copy_with(query=None, fragment=None))
        request.headers["Authorization"] = f"DPoP {tokens.access_token}"
        request.headers["DPoP"] = key.proof(
            request.method, url, access_token=tokens.access_token, nonce=self._nonce
        )

    def _take_nonce(self, response: httpx.Response) -> bool:
        """Keep a nonce the resource sent; True when it refused the request for want of one."""
        fresh = response.headers.get("dpop-nonce")
        if fresh:
            wanted = nonce_wanted(response) is not None and fresh != self._nonce
            self._nonce = fresh
            return wanted
        return False

    def _expired(self, tokens: StoredTokens) -> bool:
        return tokens.expires_at is not None and self.clock() >= tokens.expires_at - EXPIRY_MARGIN


def _challenge(response: httpx.Response) -> Challenge | None:
    return parse_challenge(response.headers.get_list("www-authenticate"))
