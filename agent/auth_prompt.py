"""Asking a person to authorize in a browser, with a loopback redirect (RFC 8252).

``loopback_authorizer()`` returns the ``authorize(url, redirect_uri)`` callable the OAuth
client takes: it listens on the redirect URI's 127.0.0.1 port, opens the browser (or,
without one, prints the URL on stderr), and waits, bounded, for the redirect.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
from collections.abc import Awaitable, Callable
from urllib.parse import parse_qs, urlsplit

from agent.terminal import sanitize
from bridge.errors import AuthorizationError

__all__ = ["loopback_authorizer"]

DEFAULT_WAIT = 300.0
_PAGE = (
    "<!doctype html><meta charset=utf-8><title>agent</title>"
    "<p>{message}</p><p>You can close this window and return to the terminal.</p>"
)


def loopback_authorizer(
    *,
    wait: float = DEFAULT_WAIT,
    open_browser: bool | None = None,
) -> Callable[[str, str], Awaitable[tuple[str, str, str | None]]]:
    """An authorizer for people at this machine; ``open_browser=None`` guesses."""

    async def authorize(url: str, redirect_uri: str) -> tuple[str, str, str | None]:
        target = urlsplit(redirect_uri)
        if target.hostname not in ("127.0.0.1", "localhost") or target.port is None:
            raise AuthorizationError(f"cannot listen for the redirect to {redirect_uri}")
        answer: asyncio.Future[dict[str, str]] = asyncio.get_running_loop().create_future()

        async def on_connect(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await _serve_redirect(reader, writer, target.path or "/", answer)

        try:
            server = await asyncio.start_server(on_connect, "127.0.0.1", target.port)
        except OSError as exc:
            raise AuthorizationError(
                f"port {target.port} on 127.0.0.1 is busy ({exc.strerror}); free it or set "
                "another `auth.redirect_port` for this server"
            ) from exc
        async with server:
            _show(url, open_browser)
            try:
                async with asyncio.timeout(wait):
                    query = await answer
            except TimeoutError:
                raise AuthorizationError(
                    f"no authorization arrived within {wait:.0f} seconds; run the command again"
                ) from None
        if "error" in query:
            detail = query.get("error_description", "")
            raise AuthorizationError(f"authorization was refused: {query['error']} {detail}")
        if "code" not in query:
            raise AuthorizationError("the redirect carried no authorization code")
        # iss (RFC 9207) goes back with the code: the client checks who sent it.
        return query["code"], query.get("state", ""), query.get("iss")

    return authorize


async def _serve_redirect(
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    path: str,
    answer: asyncio.Future[dict[str, str]],
) -> None:
    """Answer one HTTP request; the first GET to ``path`` with a query settles ``answer``."""
    status, message = "404 Not Found", "Nothing here."
    try:
        async with asyncio.timeout(10):
            request_line = (await reader.readline()).decode("latin-1")
            while (await reader.readline()).strip():
                pass  # the headers: nothing in them matters here
        method, _, rest = request_line.partition(" ")
        target = urlsplit(rest.rsplit(" ", 1)[0])
        if method == "GET" and target.path == path and target.query:
            query = {k: v[0] for k, v in parse_qs(target.query).items()}
            if not answer.done():
                answer.set_result(query)
            ok = "error" not in query
            status = "200 OK"
            message = "Authorization complete." if ok else "Authorization was refused."
        body = _PAGE.format(message=message).encode()
        writer.write(
            f"HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
            + body
        )
        await writer.drain()
    except (TimeoutError, ConnectionError, UnicodeError):
        pass  # a stray or broken connection; keep waiting for the real redirect
    finally:
        writer.close()
        with contextlib.suppress(ConnectionError):
            await writer.wait_closed()


def _show(url: str, open_browser: bool | None) -> None:
    url = sanitize(url)  # built from the server's metadata: no escape sequence gets through
    if open_browser is None:
        open_browser = _has_display()
    opened = False
    if open_browser:
        import webbrowser

        with contextlib.suppress(webbrowser.Error):
            opened = webbrowser.open(url)
    if opened:
        print(
            f"agent: opened the browser to authorize; if it did not, visit:\n  {url}",
            file=sys.stderr,
        )
    else:
        print(f"agent: to authorize, open this URL in a browser:\n  {url}", file=sys.stderr)


def _has_display() -> bool:
    if sys.platform in ("darwin", "win32"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
