"""The loopback authorizer: it listens for the redirect and hands back code and state."""

from __future__ import annotations

import asyncio
import socket

import httpx
import pytest

from agent.auth_prompt import loopback_authorizer
from bridge.errors import AuthorizationError


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def redirect_when_listening(url: str) -> httpx.Response:
    """Play the browser: GET the redirect URI as soon as the authorizer listens."""
    async with httpx.AsyncClient() as client:
        for _ in range(500):  # bounded: the listener starts within one loop iteration or two
            try:
                return await client.get(url)
            except httpx.ConnectError:
                await asyncio.sleep(0)  # yield to the authorizer task; no timed wait
        raise AssertionError("the authorizer never listened")


async def test_the_redirect_delivers_code_and_state_and_the_page_says_done(capsys):
    port = free_port()
    redirect = f"http://127.0.0.1:{port}/callback"
    authorize = loopback_authorizer(wait=10, open_browser=False)
    async with asyncio.timeout(10):
        waiting = asyncio.create_task(authorize("https://auth.example/authorize?x=1", redirect))
        page = await redirect_when_listening(f"{redirect}?code=abc&state=xyz")
        assert await waiting == ("abc", "xyz", None)
    assert page.status_code == 200 and "Authorization complete" in page.text
    assert "https://auth.example/authorize?x=1" in capsys.readouterr().err


async def test_the_redirect_hands_back_the_issuer_it_names_for_the_rfc_9207_check():
    port = free_port()
    redirect = f"http://127.0.0.1:{port}/callback"
    authorize = loopback_authorizer(wait=10, open_browser=False)
    async with asyncio.timeout(10):
        waiting = asyncio.create_task(authorize("https://auth.example/authorize", redirect))
        await redirect_when_listening(f"{redirect}?code=abc&state=xyz&iss=https%3A%2F%2Fas.example")
        assert await waiting == ("abc", "xyz", "https://as.example")


async def test_a_refusal_in_the_redirect_becomes_an_authorization_error():
    port = free_port()
    redirect = f"http://127.0.0.1:{port}/callback"
    authorize = loopback_authorizer(wait=10, open_browser=False)
    async with asyncio.timeout(10):
        waiting = asyncio.create_task(authorize("https://auth.example/authorize", redirect))
        await redirect_when_listening(f"{redirect}?error=access_denied&state=xyz")
        with pytest.raises(AuthorizationError, match="access_denied"):
            await waiting


async def test_no_redirect_within_the_wait_ends_with_a_clear_error():
    redirect = f"http://127.0.0.1:{free_port()}/callback"
    authorize = loopback_authorizer(wait=0.05, open_browser=False)
    with pytest.raises(AuthorizationError, match="no authorization arrived"):
        async with asyncio.timeout(10):
            await authorize("https://auth.example/authorize", redirect)
