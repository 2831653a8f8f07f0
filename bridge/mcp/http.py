"""The Streamable HTTP transport (MCP 2025-03-26 and later), with legacy SSE fallback.

Every message is its own POST. A request's answer comes back as JSON or as an SSE stream
that may carry server requests and notifications first; a stream that drops before the
answer is resumed by GET with ``Last-Event-ID``. A lost session fails its requests with
``SessionLostError``: the session, not the transport, runs the handshake again. Each POST
carries the headers MCP mirrors from its message (``Mcp-Method``, ``Mcp-Name``, the
protocol version, a tool's ``Mcp-Param-*``). Requests are posted from their own tasks so
the engine's timeouts cover the whole wait.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Mapping
from typing import TYPE_CHECKING, Any

from bridge.errors import ConnectionClosedError, MCPError, ProtocolError, ServerStartError
from bridge.mcp.headers import PROTOCOL_VERSION, param_headers, standard_headers
from bridge.mcp.sse import Event, EventTooLarge, read_events
from bridge.mcp.tls import verify_setting
from bridge.mcp.transport import Message, ParamHeaderMaps, SessionLostError, TransportFailure
from config.secrets import mask

if TYPE_CHECKING:
    import httpx

    from bridge.mcp.legacy_sse import LegacySSETransport

__all__ = ["StreamableHTTPTransport"]

log = logging.getLogger(__name__)

FALLBACK_STATUSES = frozenset({400, 404, 405})
MAX_RESUMES = 5
MAX_BODY = 32 * 1024 * 1024  # a JSON answer or error body; a WebSocket frame has the same cap
DEFAULT_RETRY_MS = 1000
DRAIN_SECONDS = 5.0  # how long the rest of an answered stream is read before it is dropped

Inbox = asyncio.Queue[Message | list[Message] | TransportFailure | None]


class _Fallback(Exception):
    """The server does not speak Streamable HTTP; use the legacy SSE transport."""


class StreamableHTTPTransport:
    """One MCP endpoint URL spoken to over Streamable HTTP."""

    def __init__(
        self,
        url: str,
        *,
        name: str = "server",
        headers: Mapping[str, str] | None = None,
        auth: httpx.Auth | None = None,
        verify: bool = True,
        connect_timeout: float = 30.0,
        legacy_fallback: bool = False,
    ) -> None:
        self.name = name
        self.url = url
        self.headers = dict(headers or {})
        self.auth = auth
        self.verify = verify
        self.connect_timeout = connect_timeout
        self.legacy_fallback = legacy_fallback
        self.session_id: str | None = None
        self.protocol_version: str | None = None
        self._client: httpx.AsyncClient | None = None
        self._inbox: Inbox = asyncio.Queue()
        self._tasks: set[asyncio.Task[Any]] = set()
        self._posts: dict[Any, asyncio.Task[Any]] = {}
        self.stateless = False
        self._param_maps: ParamHeaderMaps = {}
        self._legacy: LegacySSETransport | None = None
        self._closed = False
        self._end = ""

    @property
    def kind(self) -> str:
        """The transport that won: ``sse`` once the legacy fallback took over, else ``http``."""
        return "sse" if self._legacy is not None else "http"

    # -- Transport -------------------------------------------------------------------

    async def start(self) -> None:
        import httpx

        self._client = httpx.AsyncClient(
            timeout=httpx.Timeout(self.connect_timeout, read=None),
            auth=self.auth,
            verify=verify_setting(self.verify),
            follow_redirects=True,
        )

    async def send(self, message: Message) -> None:
        if self._closed:
            raise ConnectionClosedError(f"the connection to {self.name!r} was closed")
        if self._legacy is not None:
            await self._legacy.send(message)
            return
        method = message.get("method")
        if "id" in message and isinstance(method, str):
            self._posts[message["id"]] = self._spawn(self._request(message))
            return
        if self.stateless and method is not None:
            # 2026-07-28 has no notifications from the client over HTTP: a cancellation
            # is said by closing the request's own stream.
            if method == "notifications/cancelled":
                params = message.get("params") or {}
                post = self._posts.get(params.get("requestId"))
                if post is not None:
                    post.cancel()
            return
        await self._notify(message)
        if method == "notifications/initialized":
            self._spawn(self._listen())

    async def receive(self) -> Message | list[Message] | TransportFailure | None:
        return await self._inbox.get()

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._legacy is not None:
            await self._legacy.close()
        if self._client is not None:
            if self.session_id is not None:
                with contextlib.suppress(Exception):  # best effort: the server may be gone
                    async with asyncio.timeout(5):
                        await self._client.delete(self.url, headers=self._headers())
            await self._client.aclose()
        self._inbox.put_nowait(None)

    def describe_end(self) -> str:
        return f" ({self._end})" if self._end else ""

    # -- WireHints ---------------------------------------------------------------------

    def negotiated(self, version: str, *, stateless: bool) -> None:
        """Mirror the session's protocol version on every later request."""
        self.protocol_version = version
        self.stateless = stateless
        if stateless:
            self.session_id = None  # 2026-07-28 has no sessions, whatever a server sends

    def route_params(self, maps: ParamHeaderMaps) -> None:
        """The ``Mcp-Param-*`` headers of each tool's calls."""
        self._param_maps = dict(maps)

    # -- requests ----------------------------------------------------------------------

    def _spawn(self, coro: Any) -> asyncio.Task[Any]:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def _headers(
        self, message: Message | None = None, *, stream_only: bool = False
    ) -> dict[str, str]:
        headers = dict(self.headers)
        headers["Accept"] = (
            "text/event-stream" if stream_only else "application/json, text/event-stream"
        )
        if self.session_id is not None:
            headers["Mcp-Session-Id"] = self.session_id
        if self.protocol_version is not None:
            headers[PROTOCOL_VERSION] = self.protocol_version
        if message is not None:
            # The message's own _meta version wins: a discover probe states its own.
            headers.update(standard_headers(message))
            params = message.get("params")
            if message.get("method") == "tools/call" and isinstance(params, dict):
                header_map = self._param_maps.get(str(params.get("name")))
                arguments = params.get("arguments")
                if header_map and isinstance(arguments, dict):
                    headers.update(param_headers(header_map, arguments))
        return headers

    async def _request(self, message: Message) -> None:
        import httpx

        try:
            answer = await self._exchange(message)
        except asyncio.CancelledError:
            if self._closed:
                raise
            # Cancelled by the session (stateless cancellation): the engine has moved on.
            return
        except _Fallback:
            await self._fall_back(message)
            return
        except MCPError as exc:
            self._inbox.put_nowait(TransportFailure(message["id"], exc))
            return
        except httpx.HTTPError as exc:
            error: MCPError = ConnectionClosedError(
                f"server {self.name!r} at {self.url}: {_describe(exc)}"
            )
            if message.get("method") == "initialize":
                error = ServerStartError(str(error))
            self._inbox.put_nowait(TransportFailure(message["id"], error))
            return
        finally:
            self._posts.pop(message["id"], None)
        self._inbox.put_nowait(answer)

    async def _exchange(self, message: Message) -> Message:
        """POST a request; deliver whatever comes before its answer; return the answer."""
        assert self._client is not None, "start() first"
        method = str(message.get("method"))
        stale = self.session_id
        request = self._client.build_request(
            "POST", self.url, json=message, headers=self._headers(message)
        )
        response = await self._client.send(request, stream=True)
        handed_off = False
        try:
            if response.status_code >= 400:
                body = (await _read_body(response, self.name)).decode("utf-8", "replace")
                if method == "initialize" and self.legacy_fallback:
                    if response.status_code in FALLBACK_STATUSES:
                        raise _Fallback
                if stale is not None and _session_lost(response.status_code, body):
                    self._lose_session(stale)
                    raise SessionLostError(f"server {self.name!r} lost the session")
                answer = _error_answer(body, message["id"])
                if answer is None:
                    raise _http_error(self.name, response.status_code, body)
                return answer  # a JSON-RPC error sent with an HTTP error status
            if method == "initialize":
                self.session_id = response.headers.get("mcp-session-id")
            answer, resume, handed_off = await self._read_answer(response, message["id"])
        finally:
            if not handed_off:
                await response.aclose()
        if answer is None:
            answer = await self._resume(message["id"], resume)
        return answer

    def _lose_session(self, stale: str) -> None:
        if self.session_id == stale:  # a newer session may already be in place
            self.session_id = None
            self.protocol_version = None

    async def _read_answer(
        self, response: httpx.Response, request_id: Any
    ) -> tuple[Message | None, tuple[str | None, int], bool]:
        """The answer from a JSON body or an SSE stream; else where to resume the stream.

        The last value says whether the response now belongs to a drain task.
        """
        content_type = response.headers.get("content-type", "")
        if content_type.startswith("application/json"):
            data = json.loads(await _read_body(response, self.name))
            for item in data if isinstance(data, list) else [data]:
                if isinstance(item, dict) and item.get("id") == request_id and "method" not in item:
                    return item, (None, DEFAULT_RETRY_MS), False
                self._inbox.put_nowait(item)
            raise ProtocolError(f"server {self.name!r} answered with JSON that is not the response")
        if content_type.startswith("text/event-stream"):
            events = read_events(response.aiter_bytes(), name=self.name)
            answer, resume = await self._read_stream(events, request_id)
            if answer is None:
                return None, resume, False
            # Read the stream to its end elsewhere, so the connection goes back to the pool.
            self._spawn(self._drain(response, events))
            return answer, resume, True
        raise ProtocolError(
            f"server {self.name!r} answered a request with {content_type or 'no content type'}"
            f" (HTTP {response.status_code})"
        )

    async def _read_stream(
        self, events: AsyncIterator[Event], request_id: Any
    ) -> tuple[Message | None, tuple[str | None, int]]:
        last_id: str | None = None
        retry = DEFAULT_RETRY_MS
        async for event in events:
            if event.id is not None:
                last_id = event.id
            if event.retry is not None:
                retry = event.retry
            item = self._decode(event.data)
            if item is None:
                continue
            if isinstance(item, dict) and item.get("id") == request_id and "method" not in item:
                return item, (last_id, retry)
            self._inbox.put_nowait(item)
        return None, (last_id, retry)

    def _decode(self, data: str) -> Any:
        if not data:
            return None  # the priming event
        try:
            return json.loads(data)
        except ValueError:
            log.warning("server %r sent an SSE event that is not JSON (skipped)", self.name)
            return None

    async def _drain(self, response: httpx.Response, events: AsyncIterator[Event]) -> None:
        """Deliver what follows an answer on its stream, then release the response."""
        import httpx

        try:
            async with asyncio.timeout(DRAIN_SECONDS):
                async for event in events:
                    item = self._decode(event.data)
                    if item is not None:
                        self._inbox.put_nowait(item)
        except (TimeoutError, httpx.HTTPError):
            pass  # the server kept the stream open or dropped it: nothing more to read
        finally:
            await response.aclose()

    async def _resume(self, request_id: Any, where: tuple[str | None, int]) -> Message:
        """Reconnect by GET with Last-Event-ID until the answer arrives (bounded)."""
        assert self._client is not None
        last_id, retry = where
        for _ in range(MAX_RESUMES):
            if last_id is None:
                break
            await asyncio.sleep(retry / 1000)  # the server asked us to wait this long
            headers = self._headers(stream_only=True)
            headers["Last-Event-ID"] = last_id
            async with self._client.stream("GET", self.url, headers=headers) as response:
                if response.status_code >= 400:
                    body = (await _read_body(response, self.name)).decode("utf-8", "replace")
                    raise _http_error(self.name, response.status_code, body)
                events = read_events(response.aiter_bytes(), name=self.name)
                answer, (new_id, retry) = await self._read_stream(events, request_id)
            if answer is not None:
                return answer
            last_id = new_id or last_id
        raise ConnectionClosedError(
            f"server {self.name!r} closed the stream before answering and it could not be resumed"
        )

    async def _notify(self, message: Message) -> None:
        """POST a notification or a response: 202 expected, nothing to read."""
        assert self._client is not None, "start() first"
        import httpx

        stale = self.session_id
        try:
            response = await self._client.post(
                self.url, json=message, headers=self._headers(message)
            )
        except httpx.HTTPError as exc:
            raise ConnectionClosedError(
                f"server {self.name!r} at {self.url}: {_describe(exc)}"
            ) from exc
        if response.status_code < 400:
            return
        if stale is not None and _session_lost(response.status_code, response.text):
            self._lose_session(stale)
            raise SessionLostError(f"server {self.name!r} lost the session")
        raise _http_error(self.name, response.status_code, response.text)

    # -- the server's own stream -------------------------------------------------------

    async def _listen(self) -> None:
        """The optional GET stream for server-initiated messages (405: the server has none)."""
        assert self._client is not None
        import httpx

        last_id: str | None = None
        retry = DEFAULT_RETRY_MS
        quiet_drops = 0
        while not self._closed and quiet_drops < MAX_RESUMES:
            headers = self._headers(stream_only=True)
            if last_id is not None:
                headers["Last-Event-ID"] = last_id
            got_any = False
            try:
                async with self._client.stream("GET", self.url, headers=headers) as response:
                    if response.status_code >= 400:
                        log.debug(
                            "server %r has no GET stream (%d)", self.name, response.status_code
                        )
                        return
                    async for event in read_events(response.aiter_bytes(), name=self.name):
                        last_id = event.id or last_id
                        retry = event.retry if event.retry is not None else retry
                        if event.data:
                            got_any = True
                            with contextlib.suppress(ValueError):
                                self._inbox.put_nowait(json.loads(event.data))
            except httpx.HTTPError as exc:
                log.debug("server %r: GET stream dropped: %s", self.name, exc)
            except EventTooLarge as exc:
                log.warning("%s; no longer listening for its messages", exc)
                return
            quiet_drops = 0 if got_any else quiet_drops + 1
            await asyncio.sleep(retry / 1000)  # reconnection delay the server asked for

    # -- legacy fallback ---------------------------------------------------------------

    async def _fall_back(self, initialize: Message) -> None:
        from bridge.mcp.legacy_sse import LegacySSETransport

        log.info("server %r does not speak Streamable HTTP; using legacy SSE", self.name)
        assert self._client is not None
        self._legacy = LegacySSETransport(
            self.url, name=self.name, client=self._client, headers=self.headers, inbox=self._inbox
        )
        try:
            await self._legacy.start()
            await self._legacy.send(initialize)
        except MCPError as exc:
            self._inbox.put_nowait(TransportFailure(initialize["id"], exc))


async def _read_body(response: httpx.Response, name: str) -> bytes:
    """A response body, up to ``MAX_BODY``: a server cannot make us hold an endless one."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        size += len(chunk)
        if size > MAX_BODY:
            raise ProtocolError(
                f"server {name!r} sent a response body over {MAX_BODY // 2**20} MiB; "
                "the request failed"
            )
        chunks.append(chunk)
    return b"".join(chunks)


def _error_answer(body: str, request_id: Any) -> Message | None:
    """The JSON-RPC error response in an HTTP error's body, when it answers this request."""
    try:
        data = json.loads(body)
    except ValueError:
        return None
    if isinstance(data, dict) and data.get("id") == request_id and "error" in data:
        return data
    return None


def _session_lost(status: int, body: str) -> bool:
    # 404 is the spec's answer; server-everything says 400 with a message about the session.
    return status == 404 or (status == 400 and "session" in body.lower())


def _http_error(name: str, status: int, body: str) -> MCPError:
    # Masked before the cut: a body that echoes our headers must not leave half a token.
    body = mask(body).strip()
    detail = body.splitlines()[0][:300] if body else ""
    hints = {
        401: "the server wants authorization: add an Authorization header or log in",
        403: "the server refused access with these credentials",
    }
    hint = f"; {hints[status]}" if status in hints else ""
    return ConnectionClosedError(
        f"server {name!r} answered HTTP {status}{': ' + detail if detail else ''}{hint}"
    )


def _describe(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__
