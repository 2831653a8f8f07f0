"""An authorizer for automated authorization servers (test suites, conformance harnesses).

Such servers approve at once and redirect: GET the authorization URL without following
the redirect and read ``code``, ``state`` and ``iss`` from its ``Location``. No person
involved.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from bridge.errors import AuthorizationError

__all__ = ["follow_redirect"]

TIMEOUT = 30.0


async def follow_redirect(url: str, redirect_uri: str) -> tuple[str, str, str | None]:
    """``(code, state, iss)`` from the redirect the authorization endpoint answers with."""
    import httpx

    async with httpx.AsyncClient(follow_redirects=False, timeout=TIMEOUT) as client:
        try:
            response = await client.get(url)
        except httpx.HTTPError as exc:
            raise AuthorizationError(f"the authorization endpoint failed: {exc}") from exc
    location = response.headers.get("location")
    if not response.is_redirect or not location:
        raise AuthorizationError(
            f"the authorization endpoint answered HTTP {response.status_code} instead of "
            "redirecting; it needs a person (use an interactive authorizer)"
        )
    query = {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}
    if "error" in query:
        raise AuthorizationError(
            f"authorization was refused: {query['error']} {query.get('error_description', '')}"
        )
    if "code" not in query:
        raise AuthorizationError("the authorization redirect carried no code")
    return query["code"], query.get("state", ""), query.get("iss")
