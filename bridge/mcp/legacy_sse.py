"""The legacy HTTP+SSE transport (MCP 2024-11-05): GET a stream, POST to its endpoint.

The first event on the stream is ``endpoint`` with the URI to POST messages to; every
answer comes back on the stream as a ``message`` event.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin

from bridge.errors import ConnectionClosedError, MCPError, ServerStartError
from bridge.mcp.sse import EventTooLarge, read_events
from bridge.mcp.tls import verify_setting
from bridge.mcp.transport import Message, TransportFailure
from config.secrets import mask

if TYPE_CHECKING:
    import httpx

__all__ = ["LegacySSETransport"]

log = logging.getLogger(__name__)

Inbox = asyncio.Queue[Message | list[Message] | TransportFailure | None]


class LegacySSETransport:
    """A server that speaks the 2024-11-05 HTTP+SSE transport."""

    def __init__(
        self,
        url: str,
        *,
        name: str = "server",
        headers: Mapping[str, str] | None = None,
        client: httpx.AsyncClient | None = None,
        inbox: Inbox | None = None,
        auth: httpx.Auth | None = None,
        verify: bool = True,
        connect_timeout: float = 30.0,
    ) -> None:
        self.name = name
        self.url = url
        self.headers = dict(headers or {})
        self.endpoint: str | None = None
        self._client = client
        self._owns_client = client is None
        self._auth = auth
        self._verify = verify
        self._connect_timeout = connect_timeout
        self._inbox: Inbox = inbox if inbox is not None else asyncio.Queue()
        self._stream: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()
        self._end = ""

    async def start(self) -> None:
        if self._client is None:
            import httpx

            self._client = httpx.AsyncClient(
                timeout=httpx.Timeout(self._connect_timeout, read=None),
                auth=self._auth,
                verify=verify_setting(self._verify),
                follow_redirects=True,
            )
        self._stream = asyncio.get_running_loop().create_task(self._read_stream())
        async with asyncio.timeout(self._connect_timeout):
            await self._ready.wait()
        if self.endpoint is None:
            raise ServerStartError(
                f"server {self.name!r} at {self.url} did not open an SSE stream"
                f"{self.describe_end()}"
            )

    async def send(self, message: Message) -> None:
        assert self._client is not None and self.endpoint is not None, "start() first"
        import httpx

        try:
            response = await self._client.post(
                self.endpoint, json=message, headers=dict(self.headers)
            )
        except httpx.HTTPError as exc:
            error: MCPError = ConnectionClosedError(f"server {self.name!r}: {exc}")
        else:
            if response.status_code < 400:
                return
            body = mask(response.text)[:300]  # masked before the cut (it may echo a header)
            error = ConnectionClosedError(
                f"server {self.name!r} answered HTTP {response.status_code}: {body}"
            )
        if "id" in message and "method" in message:
            self._inbox.put_nowait(TransportFailure(message["id"], error))
        else:
            raise error

    async def receive(self) -> Message | list[Message] | TransportFailure | None:
        return await self._inbox.get()

    async def close(self) -> None:
        if self._stream is not None:
            self._stream.cancel()
            await asyncio.gather(self._stream, return_exceptions=True)
        if self._owns_client and self._client is not None:
            await self._client.aclose()
        self._inbox.put_nowait(None)

    def describe_end(self) -> str:
        return f" ({self._end})" if self._end else ""

    async def _read_stream(self) -> None:
        assert self._client is not None
        import httpx

        headers = dict(self.headers, Accept="text/event-stream")
        try:
            async with self._client.stream("GET", self.url, headers=headers) as response:
                if response.status_code >= 400:
                    self._end = f"HTTP {response.status_code} on the SSE stream"
                    return
                async for event in read_events(response.aiter_bytes(), name=self.name):
                    self._dispatch(event.event, event.data)
            self._end = "the server closed the SSE stream"
        except httpx.HTTPError as exc:
            self._end = str(exc) or type(exc).__name__
        except EventTooLarge as exc:
            self._end = str(exc)
        finally:
            self._ready.set()
            if self.endpoint is not None:
                self._inbox.put_nowait(None)  # the connection is over

    def _dispatch(self, event: str, data: str) -> None:
        if event == "endpoint":
            self.endpoint = urljoin(self.url, data.strip())
            self._ready.set()
            return
        if event != "message" or not data:
            return
        message: Any = None
        with contextlib.suppress(ValueError):
            message = json.loads(data)
        if isinstance(message, dict | list):
            self._inbox.put_nowait(message)
        else:
            log.warning("server %r sent an SSE message that is not JSON (skipped)", self.name)
