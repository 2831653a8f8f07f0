"""Enterprise-managed authorization (SEP-990): an ID token from the organization's
identity provider is exchanged (RFC 8693) for an identity assertion grant (ID-JAG), which
the MCP server's authorization server takes in the RFC 7523 jwt-bearer grant.

``IdentityAssertion`` is an ``AssertionSource`` for ``OAuthSettings(grant="jwt_bearer")``.
"""

from __future__ import annotations

import json

from bridge.errors import AuthorizationError

__all__ = ["IdentityAssertion"]

TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"
ID_TOKEN = "urn:ietf:params:oauth:token-type:id_token"
ID_JAG = "urn:ietf:params:oauth:token-type:id-jag"
TIMEOUT = 30.0


class IdentityAssertion:
    """Exchanges ``id_token`` at the identity provider for an ID-JAG per request."""

    def __init__(self, token_endpoint: str, id_token: str, *, client_id: str | None = None) -> None:
        self.token_endpoint = token_endpoint
        self.id_token = id_token
        self.client_id = client_id

    def __repr__(self) -> str:
        return f"IdentityAssertion({self.token_endpoint!r}, client_id={self.client_id!r})"

    async def __call__(self, issuer: str, resource: str, scopes: tuple[str, ...]) -> str:
        import httpx

        form = {
            "grant_type": TOKEN_EXCHANGE,
            "requested_token_type": ID_JAG,
            "subject_token": self.id_token,
            "subject_token_type": ID_TOKEN,
            "audience": issuer,
            "resource": resource,
        }
        if scopes:
            form["scope"] = " ".join(scopes)
        if self.client_id is not None:
            form["client_id"] = self.client_id
        async with httpx.AsyncClient(timeout=TIMEOUT) as client:
            try:
                response = await client.post(self.token_endpoint, data=form)
            except httpx.HTTPError as exc:
                raise AuthorizationError(
                    f"the identity provider at {self.token_endpoint} cannot be reached: {exc}"
                ) from exc
        try:
            data = json.loads(response.content)
        except ValueError:
            data = None
        token = data.get("access_token") if isinstance(data, dict) else None
        if response.status_code != 200 or not isinstance(token, str):
            raise AuthorizationError(
                f"the identity provider refused the token exchange (HTTP {response.status_code})"
            )
        return token
