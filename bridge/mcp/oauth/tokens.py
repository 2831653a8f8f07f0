"""Token endpoint requests: the grant's form, client authentication, and the answer.

Client authentication follows the method registered for the client, else the best one
the authorization server lists: ``client_secret_basic``, ``client_secret_post``,
``private_key_jwt`` or ``none`` for a public client.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import quote

from bridge.errors import AuthorizationError
from bridge.mcp.oauth.assertion import ASSERTION_TYPE, client_assertion
from bridge.mcp.oauth.dpop import DpopKey, nonce_wanted

if TYPE_CHECKING:
    import httpx

    from bridge.mcp.oauth.metadata import AuthServer
    from bridge.mcp.oauth.store import ClientInfo

__all__ = ["TokenAnswer", "choose_auth_method", "request_token"]

TOKEN_TIMEOUT = 30.0


@dataclass(frozen=True)
class TokenAnswer:
    """A successful token response."""

    access_token: str
    refresh_token: str | None
    expires_in: float | None
    scopes: tuple[str, ...] | None
    """The granted scopes when the server said; None means "as requested"."""
    token_type: str = "Bearer"

    def __repr__(self) -> str:
        return f"TokenAnswer(expires_in={self.expires_in!r}, scopes={self.scopes!r})"


def choose_auth_method(
    supported: Sequence[str] | None, *, has_secret: bool, has_key: bool = False
) -> str:
    """How to authenticate at the token endpoint, given what the server lists."""
    # RFC 8414: an absent list means client_secret_basic only.
    methods = tuple(supported) if supported is not None else ("client_secret_basic",)
    if has_key and "private_key_jwt" in methods:
        return "private_key_jwt"
    if has_secret:
        for method in ("client_secret_basic", "client_secret_post"):
            if method in methods:
                return method
        return "client_secret_basic"
    return "none"


async def request_token(
    client: httpx.AsyncClient,
    server: AuthServer,
    identity: ClientInfo,
    form: dict[str, str],
    *,
    private_key_pem: str | None = None,
    dpop: DpopKey | None = None,
) -> TokenAnswer:
    """POST ``form`` to the token endpoint with the client's authentication.

    With ``dpop`` every attempt carries a fresh proof, and a ``use_dpop_nonce`` answer
    is followed once by the same request with the server's nonce.
    """
    import httpx

    # client_id goes in the body with every method: it identifies, it does not authenticate,
    # and some servers (the `mcp` SDK's among them) look for it there even with Basic.
    form = {k: v for k, v in form.items() if v} | {"client_id": identity.client_id}
    headers = {"Accept": "application/json"}
    method = identity.auth_method
    if method == "client_secret_basic" and identity.client_secret is not None:
        # RFC 6749 2.3.1: form-encode id and secret before joining them.
        pair = f"{quote(identity.client_id, safe='')}:{quote(identity.client_secret, safe='')}"
        headers["Authorization"] = "Basic " + base64.b64encode(pair.encode()).decode("ascii")
    elif method == "client_secret_post" and identity.client_secret is not None:
        form["client_secret"] = identity.client_secret
    elif method == "private_key_jwt":
        if private_key_pem is None:
            raise AuthorizationError("private_key_jwt needs the client's private key")
        form["client_assertion_type"] = ASSERTION_TYPE
        form["client_assertion"] = client_assertion(
            identity.client_id, server.issuer, private_key_pem
        )
    nonce: str | None = None
    for _ in range(2):
        if dpop is not None:
            headers["DPoP"] = dpop.proof("POST", server.token_endpoint, nonce=nonce)
        try:
            response = await client.post(
                server.token_endpoint, data=form, headers=headers, timeout=TOKEN_TIMEOUT
            )
        except httpx.HTTPError as exc:
            raise AuthorizationError(
                f"the token endpoint {server.token_endpoint} cannot be reached: {exc}"
            ) from exc
        nonce = nonce_wanted(response) if dpop is not None and nonce is None else None
        if nonce is None:
            break
    return _answer(server.token_endpoint, response)


def _answer(endpoint: str, response: httpx.Response) -> TokenAnswer:
    try:
        data = json.loads(response.content)
    except ValueError:
        data = None
    if response.status_code != 200 or not isinstance(data, dict):
        error = ""
        if isinstance(data, dict) and data.get("error"):
            error = f": {data['error']}"
            if data.get("error_description"):
                error += f" ({data['error_description']})"
        raise AuthorizationError(
            f"the token endpoint {endpoint} refused the request (HTTP {response.status_code}"
            f"{error})"
        )
    token = data.get("access_token")
    if not isinstance(token, str) or not token:
        raise AuthorizationError(f"the token endpoint {endpoint} returned no access_token")
    expires = data.get("expires_in")
    scope = data.get("scope")
    refresh = data.get("refresh_token")
    kind = data.get("token_type")
    return TokenAnswer(
        access_token=token,
        refresh_token=refresh if isinstance(refresh, str) and refresh else None,
        expires_in=float(expires) if isinstance(expires, int | float) else None,
        scopes=tuple(scope.split()) if isinstance(scope, str) else None,
        # RFC 9449: a bound token says so; the scheme is case-insensitive.
        token_type="DPoP" if isinstance(kind, str) and kind.lower() == "dpop" else "Bearer",
    )
