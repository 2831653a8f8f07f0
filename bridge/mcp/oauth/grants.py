"""Getting tokens once the authorization server is known: each grant, and refresh.

Authorization code with PKCE (S256), ``state`` and the RFC 8707 ``resource``; client
credentials for headless clients; the RFC 7523 jwt-bearer grant for assertions from an
identity provider; refresh tokens. Every result is saved to the store.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import Callable
from typing import TYPE_CHECKING
from urllib.parse import urlencode, urlsplit

from bridge.errors import AuthorizationError
from bridge.mcp.oauth.dpop import DpopKey, supports_dpop
from bridge.mcp.oauth.metadata import AuthServer
from bridge.mcp.oauth.pkce import Pkce, new_state
from bridge.mcp.oauth.registration import identify
from bridge.mcp.oauth.store import ClientInfo, StoredTokens
from bridge.mcp.oauth.tokens import TokenAnswer, choose_auth_method, request_token

if TYPE_CHECKING:
    import httpx

    from bridge.mcp.oauth.metadata import Discovery
    from bridge.mcp.oauth.settings import Authorize, OAuthSettings
    from bridge.mcp.oauth.store import TokenStore

__all__ = ["JWT_BEARER", "TokenSource", "check_issuer"]

log = logging.getLogger(__name__)

JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
AUTHORIZE_TIMEOUT = 900.0  # a person may take a while; the authorizer bounds its own wait
LOOPBACK = "127.0.0.1"


def check_issuer(server: AuthServer, iss: str | None) -> None:
    """RFC 9207: the authorization response came from the server we sent the person to.

    Compared as exact strings, with no URL normalization: a mix-up attack would hide in
    the difference. A server that says it always sends ``iss`` must send it.
    """
    if iss is None:
        if server.iss_parameter_supported:
            raise AuthorizationError(
                f"the authorization server {server.issuer} promises an 'iss' in its "
                "responses, but this one had none; refusing it (possible mix-up attack)"
            )
        return
    if iss != server.issuer:
        raise AuthorizationError(
            f"the authorization response names the issuer {iss[:200]!r}, not "
            f"{server.issuer!r}; refusing it (possible mix-up attack)"
        )


def _dpop_for(server: AuthServer) -> DpopKey | None:
    """A new key to bind the tokens to, when the authorization server can bind them."""
    return DpopKey() if supports_dpop(server.dpop_algorithms) else None


class TokenSource:
    """Obtains and refreshes the tokens of one MCP server."""

    def __init__(
        self,
        server_url: str,
        settings: OAuthSettings,
        store: TokenStore,
        authorize: Authorize | None,
        clock: Callable[[], float],
        name: str,
    ) -> None:
        self.server_url = server_url
        self.settings = settings
        self.store = store
        self.authorize = authorize
        self.clock = clock
        self.name = name

    async def obtain(
        self, http: httpx.AsyncClient, discovery: Discovery, scopes: tuple[str, ...]
    ) -> StoredTokens:
        """New tokens through the configured grant."""
        grant = self.settings.grant
        if grant == "client_credentials":
            identity = self._configured_identity(discovery.server, grant)
            form = {"grant_type": "client_credentials"}
        elif grant == "jwt_bearer":
            identity = self._configured_identity(discovery.server, grant)
            if self.settings.assertion is None:
                raise AuthorizationError("the jwt_bearer grant needs an assertion source")
            assertion = await self.settings.assertion(
                discovery.server.issuer, discovery.resource, scopes
            )
            form = {"grant_type": JWT_BEARER, "assertion": assertion}
        else:
            return await self._authorization_code(http, discovery, scopes)
        form |= {"resource": discovery.resource, "scope": " ".join(scopes)}
        dpop = _dpop_for(discovery.server)
        answer = await request_token(
            http,
            discovery.server,
            identity,
            form,
            private_key_pem=self.settings.private_key_pem,
            dpop=dpop,
        )
        return self._keep(discovery, identity, answer, scopes, dpop)

    async def refresh(self, http: httpx.AsyncClient, tokens: StoredTokens) -> StoredTokens:
        """Trade the refresh token for new tokens (the old refresh token stays if no new one)."""
        assert tokens.refresh_token is not None
        server = AuthServer(tokens.issuer, None, tokens.token_endpoint)
        form = {
            "grant_type": "refresh_token",
            "refresh_token": tokens.refresh_token,
            "resource": tokens.resource,
        }
        # A bound token is refreshed with proofs by the same key (RFC 9449 section 5).
        dpop = DpopKey(tokens.dpop_key) if tokens.dpop_key is not None else None
        answer = await request_token(
            http,
            server,
            tokens.client,
            form,
            private_key_pem=self.settings.private_key_pem,
            dpop=dpop,
        )
        refreshed = StoredTokens(
            server_url=tokens.server_url,
            issuer=tokens.issuer,
            resource=tokens.resource,
            token_endpoint=tokens.token_endpoint,
            client=tokens.client,
            access_token=answer.access_token,
            refresh_token=answer.refresh_token or tokens.refresh_token,
            expires_at=self._expiry(answer),
            scopes=answer.scopes if answer.scopes is not None else tokens.scopes,
            token_type=answer.token_type,
            dpop_key=tokens.dpop_key if answer.token_type == "DPoP" else None,
        )
        self.store.save_tokens(refreshed)
        log.info("server %r: access token refreshed", self.name)
        return refreshed

    # -- the grants ------------------------------------------------------------------

    async def _authorization_code(
        self, http: httpx.AsyncClient, discovery: Discovery, scopes: tuple[str, ...]
    ) -> StoredTokens:
        if self.authorize is None:
            raise AuthorizationError(
                f"server {self.name!r} needs you to authorize this client in a browser; "
                f"run `agent auth login {self.name}` and start again"
            )
        server = discovery.server
        if server.authorization_endpoint is None:
            raise AuthorizationError(
                f"the authorization server {server.issuer} has no authorization endpoint; "
                "use `grant: client_credentials` with a client_id and secret instead"
            )
        if server.code_challenge_methods is not None and "S256" not in (
            server.code_challenge_methods
        ):
            raise AuthorizationError(
                f"the authorization server {server.issuer} does not support PKCE with S256, "
                "which MCP requires; refusing to authorize"
            )
        redirect_uri = self._redirect_uri(server.issuer)
        identity = await identify(http, self.settings, server, self.store, redirect_uri)
        pkce, state = Pkce(), new_state()
        params = {
            "response_type": "code",
            "client_id": identity.client_id,
            "redirect_uri": redirect_uri,
            "code_challenge": pkce.challenge,
            "code_challenge_method": pkce.method,
            "state": state,
            "resource": discovery.resource,
        }
        if scopes:
            params["scope"] = " ".join(scopes)
        endpoint = server.authorization_endpoint
        url = f"{endpoint}{'&' if '?' in endpoint else '?'}{urlencode(params)}"
        async with asyncio.timeout(AUTHORIZE_TIMEOUT):
            response = await self.authorize(url, redirect_uri)
        code, returned_state = response[0], response[1]
        if returned_state != state:
            raise AuthorizationError(
                "the authorization response carried a different state than the request; "
                "refusing it (possible cross-site request forgery)"
            )
        check_issuer(server, response[2] if len(response) > 2 else None)
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "code_verifier": pkce.verifier,
            "resource": discovery.resource,
        }
        dpop = _dpop_for(server)
        answer = await request_token(
            http, server, identity, form, private_key_pem=self.settings.private_key_pem, dpop=dpop
        )
        return self._keep(discovery, identity, answer, scopes, dpop)

    def _configured_identity(self, server: AuthServer, grant: str) -> ClientInfo:
        settings = self.settings
        if (
            grant == "jwt_bearer"
            and settings.client_id is not None
            and (settings.client_secret is None and settings.private_key_pem is None)
        ):
            # A public client: the assertion is what proves the workload (SEP-1933).
            return ClientInfo(settings.client_id, None, "none")
        if settings.client_id is None or (
            settings.client_secret is None and settings.private_key_pem is None
        ):
            raise AuthorizationError(
                f"the {grant} grant for server {self.name!r} needs `auth.client_id` and "
                "`auth.client_secret` (or `auth.private_key_file`) in the config"
            )
        method = choose_auth_method(
            server.auth_methods_supported,
            has_secret=settings.client_secret is not None,
            has_key=settings.private_key_pem is not None,
        )
        if settings.client_secret is None:
            method = "private_key_jwt"
        return ClientInfo(settings.client_id, settings.client_secret, method)

    # -- helpers ---------------------------------------------------------------------

    def _redirect_uri(self, issuer: str) -> str:
        """A loopback redirect: the configured port, an earlier registration's, or a free one."""
        if self.settings.redirect_port is not None:
            return f"http://{LOOPBACK}:{self.settings.redirect_port}/callback"
        earlier = self.store.registered_redirect(issuer)
        if earlier is not None and urlsplit(earlier).hostname == LOOPBACK:
            return earlier
        with socket.socket() as probe:  # the authorizer binds it again right away
            probe.bind((LOOPBACK, 0))
            port = probe.getsockname()[1]
        return f"http://{LOOPBACK}:{port}/callback"

    def _expiry(self, answer: TokenAnswer) -> float | None:
        return None if answer.expires_in is None else self.clock() + answer.expires_in

    def _keep(
        self,
        discovery: Discovery,
        identity: ClientInfo,
        answer: TokenAnswer,
        scopes: tuple[str, ...],
        dpop: DpopKey | None,
    ) -> StoredTokens:
        tokens = StoredTokens(
            server_url=self.server_url,
            issuer=discovery.server.issuer,
            resource=discovery.resource,
            token_endpoint=discovery.server.token_endpoint,
            client=identity,
            access_token=answer.access_token,
            refresh_token=answer.refresh_token,
            expires_at=self._expiry(answer),
            scopes=answer.scopes if answer.scopes is not None else scopes,
            token_type=answer.token_type,
            dpop_key=dpop.pem() if dpop is not None and answer.token_type == "DPoP" else None,
        )
        self.store.save_tokens(tokens)
        log.info(
            "server %r: authorized by %s (scopes: %s)",
            self.name,
            tokens.issuer,
            " ".join(tokens.scopes) or "none",
        )
        return tokens
