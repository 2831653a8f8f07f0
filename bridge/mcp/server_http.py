"""The server side of Streamable HTTP, on asyncio and h11 (httpx's own HTTP/1.1 parser).

POST ``/mcp`` carries one message; a request is answered on its own SSE stream (progress
and the server's requests to the client travel on it first). Sessions start at
``initialize`` (``Mcp-Session-Id``); a request without a session that carries the
2026-07-28 ``_meta`` envelope is served statelessly. Every event has an id, so a dropped
stream is resumed by GET with ``Last-Event-ID``. GET ``/health`` answers load balancers.
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import h11

from bridge.errors import ConnectionClosedError
from bridge.mcp.negotiation import META_VERSION
from bridge.mcp.server import MCPServer, Peer
from bridge.mcp.server_checks import Refusal, check_request, status_of
from bridge.mcp.server_guard import HTTPLimits, Refused, check_origin, client_key
from bridge.mcp.server_streams import SessionTransport, Stream
from bridge.mcp.transport import Message

__all__ = ["HTTPLimits", "HTTPServer", "Refused", "check_origin", "client_key"]

log = logging.getLogger(__name__)

_encode = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode
_HOLD = 0.02  # seconds an answer's headers wait for its first event, to leave with it
_HEAD_BYTES = 64 * 1024  # of a request's line and headers
_LINGER, _LINGER_BYTES = 2.0, 8 * 1024 * 1024  # what a refused body may still send us


class _Session:
    def __init__(self, key: str, transport: SessionTransport, peer: Peer) -> None:
        self.key = key
        self.transport = transport
        self.peer = peer


class HTTPServer:
    """Streamable HTTP in front of an ``MCPServer``; ``start`` listens, ``aclose`` stops."""

    def __init__(
        self,
        server: MCPServer,
        limits: HTTPLimits | None = None,
        *,
        path: str = "/mcp",
        health: Callable[[], dict[str, Any]] | None = None,
    ) -> None:
        self.server = server
        self.limits = limits or HTTPLimits()
        self.path = path
        self.health = health or (lambda: {"status": "ok"})
        self.sessions: dict[str, _Session] = {}
        self._in_flight: dict[tuple[str, str], int] = {}  # (client, requests|streams)
        self._listener: asyncio.Server | None = None
        self._clients: set[asyncio.Task[Any]] = set()
        self._closing = False

    async def start(self, host: str, port: int) -> tuple[str, int]:
        """Listen on ``host:port`` (port 0 picks one); the address actually bound."""
        self._listener = await asyncio.start_server(self._client, host, port)
        address = self._listener.sockets[0].getsockname()
        return str(address[0]), int(address[1])

    async def aclose(self) -> None:
        self._closing = True
        if self._listener is not None:
            self._listener.close()
        for task in list(self._clients):
            task.cancel()
        await asyncio.gather(*self._clients, return_exceptions=True)
        for session in list(self.sessions.values()):
            await self.server.close(session.peer)
        self.sessions.clear()
        if self._listener is not None:
            await self._listener.wait_closed()

    # -- one TCP connection ------------------------------------------------------------

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._clients.add(task)
        peer = writer.get_extra_info("peername")
        address = str(peer[0]) if peer else "?"
        conn = h11.Connection(h11.SERVER, max_incomplete_event_size=_HEAD_BYTES)
        try:
            while True:
                event = await _next_event(conn, reader)
                if not isinstance(event, h11.Request):
                    return
                await _Exchange(self, conn, reader, writer, event, address).run()
                if conn.their_state is h11.SEND_BODY and conn.our_state is h11.DONE:
                    await _linger(reader, writer)
                    return
                if conn.our_state is not h11.DONE or conn.their_state is not h11.DONE:
                    return  # HTTP/1.0 or Connection: close
                conn.start_next_cycle()
        except (ConnectionError, h11.ProtocolError, asyncio.IncompleteReadError):
            return
        except asyncio.CancelledError:
            if not self._closing:
                raise
            # aclose() ends the connection: return, or asyncio logs the cancelled callback
            # task as an error with a traceback on the way out.
            return
        finally:
            self._clients.discard(task)
            writer.close()


async def _linger(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """End a connection whose request body we refused without reading it.

    Closing over unread bytes resets the connection, and a reset can destroy our answer
    (a 413) before the client reads it: say we are done, then drop what still comes, bounded.
    """
    if writer.can_write_eof():
        writer.write_eof()
    dropped = 0
    try:
        async with asyncio.timeout(_LINGER):
            while dropped < _LINGER_BYTES and (chunk := await reader.read(65536)):
                dropped += len(chunk)
    except TimeoutError:
        pass


async def _next_event(conn: h11.Connection, reader: asyncio.StreamReader) -> Any:
    while True:
        event = conn.next_event()
        if event is h11.NEED_DATA:
            conn.receive_data(await reader.read(65536))
            continue
        return event


class _Exchange:
    """One HTTP request and its response."""

    def __init__(
        self,
        http: HTTPServer,
        conn: h11.Connection,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        request: h11.Request,
        address: str,
    ) -> None:
        self.http = http
        self.conn = conn
        self.reader = reader
        self.writer = writer
        self.method = request.method.decode()
        self.target = request.target.decode("latin-1")
        self.headers = {k.decode().lower(): v.decode("latin-1") for k, v in request.headers}
        self.address = address
        self.started = time.perf_counter()
        self.client: str | None = None  # its token or address, once the request is let in
        self.status = 0
        self._response: h11.Response | None = None

    async def run(self) -> None:
        path = urlsplit(self.target).path
        try:
            if path == "/health" and self.method == "GET":
                await self._json(200, self.http.health())
                return
            if path != self.http.path:
                raise Refused(404, "not found; MCP is served at " + self.http.path)
            origin = check_origin(self.headers, self.http.limits)
            if self.method == "OPTIONS":
                await self._preflight(origin)
                return
            # A GET stream stays open for its session's life: streams get slots of their own,
            # or a client's sessions would use up the slots its requests need.
            self.client = client_key(self.headers, self.http.limits, self.address)
            slot = (self.client, "streams" if self.method == "GET" else "requests")
            in_flight = self.http._in_flight
            if in_flight.get(slot, 0) >= self.http.limits.max_concurrent:
                raise Refused(429, f"too many concurrent {slot[1]} from this client")
            in_flight[slot] = in_flight.get(slot, 0) + 1
            try:
                await self._mcp()
            finally:
                in_flight[slot] -= 1
                if not in_flight[slot]:
                    del in_flight[slot]  # or every address ever seen keeps an entry
        except Refused as refused:
            await self._drain_body()
            headers = refused.headers
            if self.conn.their_state is h11.SEND_BODY:  # a body left unread ends the connection
                headers = [*headers, ("connection", "close")]
            await self._json(refused.status, {"error": str(refused)}, headers)
        finally:
            log.info(
                "http %s %s %d %.1fms",
                self.method,
                path,
                self.status,
                (time.perf_counter() - self.started) * 1000,
            )

    # -- security ----------------------------------------------------------------------

    async def _preflight(self, origin: str | None) -> None:
        if not self.http.limits.cors or origin is None:
            raise Refused(405, "CORS is not enabled on this server")
        await self._respond(204, [], b"")

    def _cors(self) -> list[tuple[str, str]]:
        origin = self.headers.get("origin")
        if not self.http.limits.cors or origin is None:
            return []
        return [
            ("access-control-allow-origin", origin),
            (
                "access-control-allow-headers",
                "authorization, content-type, mcp-session-id, mcp-protocol-version, last-event-id",
            ),
            ("access-control-allow-methods", "GET, POST, DELETE, OPTIONS"),
            ("access-control-expose-headers", "mcp-session-id"),
        ]

    # -- MCP ----------------------------------------------------------------------------

    async def _mcp(self) -> None:
        key = self.headers.get("mcp-session-id")
        session = self.http.sessions.pop(key, None) if key else None
        if key and session is None:
            raise Refused(404, "unknown session; initialize again")
        if session is not None:
            self.http.sessions[session.key] = session  # the most recently used goes last
        if self.method == "DELETE":
            if session is None:
                raise Refused(400, "DELETE needs an Mcp-Session-Id")
            del self.http.sessions[session.key]
            await self.http.server.close(session.peer)
            await self._respond(200, [], b"")
            return
        if self.method == "GET":
            await self._get(session)
            return
        if self.method != "POST":
            raise Refused(405, "use POST, GET or DELETE")
        body = await self._body()
        try:
            message = json.loads(body)
        except ValueError:
            await self._json(400, _rpc_error(None, -32700, "Parse error: the body is not JSON"))
            return
        if not isinstance(message, dict):
            raise Refused(400, "send one JSON-RPC message per POST (batches are not accepted)")
        await self._post(session, message)

    async def _post(self, session: _Session | None, message: Message) -> None:
        is_request = isinstance(message.get("method"), str) and "id" in message
        stateless = False
        if session is None:
            if message.get("method") == "initialize" and not _enveloped(message):
                session = await self._new_session()
            elif is_request:
                # No session: a stateless (2026-07-28) request, which must stand alone.
                refusal = check_request(message, self.headers, self.http.server.tool_schema)
                if refusal is not None:
                    await self._refuse(message["id"], refusal)
                    return
                stateless = True
                session = await self._new_session(stateless=True)
            else:
                raise Refused(400, "no session: initialize first (or send the 2026-07-28 _meta)")
        transport = session.transport
        extra = [("mcp-session-id", session.key)] if not stateless else []
        if not is_request:
            if message.get("method") == "notifications/cancelled":
                params = message.get("params") or {}
                transport.cancelled(params.get("requestId") if isinstance(params, dict) else None)
            transport.inbox.put_nowait(message)
            await self._respond(202, extra, b"")
            return
        stream = transport.open_stream(message["id"])
        if stateless:
            session.peer.connection.feed(message)  # its only message: no reader task
        else:
            transport.inbox.put_nowait(message)
        try:
            await self._sse(stream, 0, extra, hold=True, stateless=stateless)
        finally:
            if stateless:
                await self.http.server.close(session.peer)
            elif stream.finished:
                transport.forget(stream)

    async def _new_session(self, *, stateless: bool = False) -> _Session:
        sessions = self.http.sessions
        while not stateless and len(sessions) >= self.http.limits.max_sessions:
            # The least recently used session ends: its client initializes again on its 404.
            oldest = sessions.pop(next(iter(sessions)))
            await self.http.server.close(oldest.peer)
        key = secrets.token_urlsafe(24)
        transport = SessionTransport(f"client-{key[:6]}")
        peer = self.http.server.open(transport, name=transport.name, read=not stateless)
        peer.client = self.client
        session = _Session(key, transport, peer)
        if not stateless:
            self.http.sessions[key] = session
        return session

    async def _get(self, session: _Session | None) -> None:
        if session is None:
            raise Refused(400, "GET needs an Mcp-Session-Id")
        if "text/event-stream" not in self.headers.get("accept", ""):
            raise Refused(406, "GET streams need Accept: text/event-stream")
        last = self.headers.get("last-event-id")
        stream, after = session.transport.standalone, session.transport.standalone.count
        if last:
            key, _, number = last.partition(":")
            found = session.transport.streams.get(key)
            if found is None or not number.isdigit():
                raise Refused(404, "that stream cannot be resumed")
            stream, after = found, int(number)
        await self._sse(stream, after, [("mcp-session-id", session.key)])

    async def _sse(
        self,
        stream: Stream,
        after: int,
        extra: list[tuple[str, str]],
        *,
        hold: bool = False,
        stateless: bool = False,
    ) -> None:
        """Send ``stream``'s events after number ``after`` until it finishes.

        With ``hold``, the headers wait for the first event (at most ``_HOLD`` seconds): an
        answer that comes first and alone goes as one JSON body when the client accepts
        one (cheaper for both sides than a stream), else headers, events and the end of
        the stream leave in one write. A ``stateless`` request's lone error answer sets the
        status (404 for a method not found, 400 for the revision's bad-request errors).
        """
        headers = [("content-type", "text/event-stream"), ("cache-control", "no-cache"), *extra]
        self._start(200, headers)
        flush = None
        if not hold:
            await self._write()  # the headers now: the client knows it is accepted
        elif not stateless:
            # Past _HOLD the headers go alone: a client of a long call learns it was accepted.
            # A stateless request's wait for its first event: its answer may set the status.
            flush = asyncio.get_running_loop().call_later(_HOLD, self._flush_headers)
        cursor = after
        gone: asyncio.Future[Any] | None = None  # watches the connection while we wait
        try:
            while True:
                stream.changed.clear()
                pending = [(n, m) for n, m in stream.events if n > cursor]
                if pending:
                    cursor = pending[-1][0]
                done = stream.finished and cursor >= stream.count
                if done and len(pending) == 1 and self._response is not None:
                    status = status_of(pending[0][1]) if stateless else 200
                    if self._json_ok():
                        body = _encode(pending[0][1]).encode()
                        json = [("content-type", "application/json"), *extra]
                        await self._respond(status, json, body)
                        return
                    self._start(status, headers)
                events: list[Any] = []
                if pending:
                    chunks = (f"id: {stream.key}:{n}\ndata: {_encode(m)}\n\n" for n, m in pending)
                    events.append(h11.Data(data="".join(chunks).encode()))
                if done:
                    events.append(h11.EndOfMessage())
                if events:
                    await self._write(*events)
                if done:
                    return
                gone = gone or asyncio.ensure_future(self._client_gone())
                changed: asyncio.Future[Any] = asyncio.ensure_future(stream.changed.wait())
                await asyncio.wait({changed, gone}, return_when=asyncio.FIRST_COMPLETED)
                changed.cancel()
                if gone.done():
                    return  # the client went away: the stream (kept to resume) is theirs no more
        finally:
            if gone is not None:
                # Ended before the connection's next read, which only one reader may wait on.
                gone.cancel()
                await asyncio.gather(gone, return_exceptions=True)
            if flush is not None:
                flush.cancel()

    async def _client_gone(self) -> None:
        """Return once the client has closed its end of the connection.

        While a response streams, a client sends nothing more on its connection but the
        next request (kept for h11 to read once this response is done), so an end of file
        means it went away: its stream stops holding a slot and a handler. So does a client
        that sends more than one request could hold (h11 buffers it all until we read it).
        """
        room = self.http.limits.max_body + _HEAD_BYTES
        while data := await self.reader.read(65536):
            room -= len(data)
            if room < 0:
                return
            self.conn.receive_data(data)

    async def _refuse(self, request_id: Any, refusal: Refusal) -> None:
        """A stateless request refused before it is served: its status and JSON-RPC error."""
        error: dict[str, Any] = {"code": refusal.code, "message": refusal.message}
        if refusal.data is not None:
            error["data"] = refusal.data
        await self._json(refusal.status, {"jsonrpc": "2.0", "id": request_id, "error": error})

    def _json_ok(self) -> bool:
        return "application/json" in self.headers.get("accept", "")

    # -- HTTP plumbing -----------------------------------------------------------------

    async def _body(self) -> bytes:
        limit = self.http.limits.max_body
        declared = self.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise Refused(413, f"the body is larger than {limit} bytes")
        chunks, size = [], 0
        while True:
            event = await _next_event(self.conn, self.reader)
            if isinstance(event, h11.Data):
                size += len(event.data)
                if size > limit:
                    raise Refused(413, f"the body is larger than {limit} bytes")
                chunks.append(bytes(event.data))
            elif isinstance(event, h11.EndOfMessage):
                return b"".join(chunks)
            else:
                raise ConnectionClosedError("the client went away mid-request")

    async def _drain_body(self) -> None:
        """Read what is left of a refused request's body, or give up the connection."""
        if self.conn.their_state is not h11.SEND_BODY:
            return
        declared = self.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.http.limits.max_body:
            return  # too big to read: the response closes the connection
        while self.conn.their_state is h11.SEND_BODY:
            event = await _next_event(self.conn, self.reader)
            if not isinstance(event, h11.Data | h11.EndOfMessage):
                return

    def _start(self, status: int, headers: list[tuple[str, str]]) -> None:
        self.status = status
        self._response = h11.Response(status_code=status, headers=[*headers, *self._cors()])

    async def _respond(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        self._start(status, [*headers, ("content-length", str(len(body)))])
        if body:
            await self._write(h11.Data(data=body), h11.EndOfMessage())
        else:
            await self._write(h11.EndOfMessage())

    async def _json(
        self, status: int, data: Any, headers: list[tuple[str, str]] | None = None
    ) -> None:
        body = _encode(data).encode()
        await self._respond(status, [("content-type", "application/json"), *(headers or [])], body)

    async def _write(self, *events: Any) -> None:
        """The pending headers (if not sent yet) and ``events``, in one write."""
        data = [self._headers(), *(self.conn.send(event) or b"" for event in events)]
        self.writer.write(b"".join(data))
        await self.writer.drain()

    def _headers(self) -> bytes:
        response, self._response = self._response, None
        if response is None:
            return b""
        return self.conn.send(response) or b""

    def _flush_headers(self) -> None:
        """Send the held headers alone (a timer's callback: no drain, they are small)."""
        if self._response is not None and not self.writer.is_closing():
            self.writer.write(self._headers())


def _enveloped(message: Message) -> bool:
    """Whether a message carries the 2026-07-28 envelope (so it is a stateless request)."""
    params = message.get("params")
    meta = params.get("_meta") if isinstance(params, dict) else None
    return isinstance(meta, dict) and META_VERSION in meta


def _rpc_error(request_id: Any, code: int, message: str) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": request_id, "error": {"code": code, "message": message}}
