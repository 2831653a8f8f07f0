"""JSON-RPC 2.0 over a transport: one reader task per connection, futures keyed by request id.

Peer requests and notifications are dispatched to handlers in their own tasks, so a slow
handler never stalls the reader. The same engine serves our client and the toolbox server.
"""

from __future__ import annotations

import asyncio
import contextvars
import inspect
import itertools
import logging
import reprlib
from collections.abc import Awaitable, Callable
from typing import Any, TypeGuard

from bridge.errors import (
    ConnectionClosedError,
    MCPError,
    ProtocolError,
    RemoteError,
    RequestTimeoutError,
)
from bridge.mcp.transport import Message, Transport, TransportFailure
from bridge.mcp.types import Progress, ProgressCallback

__all__ = [
    "INTERNAL_ERROR",
    "INVALID_PARAMS",
    "INVALID_REQUEST",
    "METHOD_NOT_FOUND",
    "Connection",
    "NotificationHandler",
    "RequestHandler",
    "current_request_id",
    "json_kind",
]

log = logging.getLogger(__name__)

INVALID_REQUEST = -32600
METHOD_NOT_FOUND = -32601
INVALID_PARAMS = -32602
INTERNAL_ERROR = -32603
_NEVER_CANCELLED = frozenset({"initialize", "server/discover"})

# Bounded renderings of what a peer sent, for messages: a hostile value may be huge or deep.
_repr = reprlib.Repr()
_repr.maxlevel, _repr.maxstring, _repr.maxother = 3, 80, 80
_shown = _repr.repr


def _is_id(value: Any) -> TypeGuard[int | str]:
    """Whether ``value`` is a JSON-RPC id we can key by: a string or an integer (not a bool)."""
    return type(value) is str or type(value) is int


def json_kind(value: Any) -> str:
    """The JSON name of a value's type, for messages about what a peer sent."""
    if isinstance(value, bool):
        return "a boolean"
    return {dict: "an object", list: "an array", str: "a string", type(None): "null"}.get(
        type(value), "a number"
    )


current_request_id: contextvars.ContextVar[int | str | None] = contextvars.ContextVar(
    "current_request_id", default=None
)
"""The id of the peer's request a handler task answers: a server-side transport sends what
the handler sends meanwhile (progress, its own requests) on that request's stream."""

RequestHandler = Callable[[dict[str, Any]], Awaitable[Any]]
NotificationHandler = Callable[[dict[str, Any]], Awaitable[None] | None]


class _Pending:
    """A request of ours awaiting its response."""

    __slots__ = ("deadline", "future", "method", "on_progress", "timeout", "timer")

    def __init__(self, future: asyncio.Future[Any], method: str) -> None:
        self.future = future
        self.method = method
        self.on_progress: ProgressCallback | None = None
        self.timer: asyncio.TimerHandle | None = None
        self.timeout: float = 0.0
        self.deadline: float | None = None


class Connection:
    """A JSON-RPC peer over one transport.

    ``request`` sends and awaits the matching response; ``notify`` sends a notification.
    Handlers answer the peer's requests; :class:`RemoteError` raised by a handler becomes a
    JSON-RPC error response, anything else becomes -32603.
    """

    def __init__(
        self,
        transport: Transport,
        *,
        name: str,
        request_handlers: dict[str, RequestHandler] | None = None,
        notification_handlers: dict[str, NotificationHandler] | None = None,
    ) -> None:
        self.transport = transport
        self.name = name
        self.request_handlers: dict[str, RequestHandler] = dict(request_handlers or {})
        self.notification_handlers: dict[str, NotificationHandler] = dict(
            notification_handlers or {}
        )
        self._ids = itertools.count(1)
        self._pending: dict[int | str, _Pending] = {}
        self._handling: dict[int | str, asyncio.Task[None]] = {}
        self._background: set[asyncio.Task[Any]] = set()
        self._reader: asyncio.Task[None] | None = None
        self._closing = False
        self._error: MCPError | None = None
        self.closed = asyncio.Event()

    # -- lifecycle -------------------------------------------------------------------

    def start(self) -> None:
        """Start the reader task; the transport must be started already."""
        self._reader = asyncio.get_running_loop().create_task(
            self._read_loop(), name=f"mcp-reader:{self.name}"
        )
        self._reader.add_done_callback(self._reader_done)

    def feed(self, message: Message) -> None:
        """Dispatch a message handed over rather than read: a stateless HTTP request comes
        with its own connection, which needs no reader task for one message."""
        self._dispatch(message)

    def _reader_done(self, task: asyncio.Task[None]) -> None:
        # Defence in depth: however the reader ends, nothing pending may wait for a timeout.
        if task.cancelled():
            self._finish(ConnectionClosedError(f"the connection to {self.name!r} was closed"))
            return
        exc = task.exception()
        if exc is None:
            return  # the reader finished the connection itself
        log.debug("%s: the reader failed", self.name, exc_info=exc)
        self._finish(
            ProtocolError(
                f"the connection to {self.name!r} failed: its reader stopped on "
                f"{type(exc).__name__}: {str(exc)[:200]}"
            )
        )

    @property
    def error(self) -> MCPError | None:
        """Why the connection ended, once it has."""
        return self._error

    async def aclose(self) -> None:
        """Close the transport, fail what is pending, and stop every task we own."""
        self._closing = True
        try:
            await self.transport.close()
        finally:
            if self._reader is not None and not self._reader.done():
                self._reader.cancel()
            if self._reader is not None:
                await asyncio.gather(self._reader, return_exceptions=True)
            self._finish(ConnectionClosedError(f"the connection to {self.name!r} was closed"))
            for task in [*self._handling.values(), *self._background]:
                task.cancel()
            await asyncio.gather(
                *self._handling.values(), *self._background, return_exceptions=True
            )

    # -- outgoing --------------------------------------------------------------------

    async def request(
        self,
        method: str,
        params: dict[str, Any] | None = None,
        *,
        timeout: float | None = None,  # noqa: ASYNC109 - progress pushes it back
        max_timeout: float | None = None,
        on_progress: ProgressCallback | None = None,
    ) -> Any:
        """Send a request and return its result.

        ``timeout`` bounds the wait; with ``on_progress``, each progress notification
        pushes the deadline back by ``timeout`` but never past ``max_timeout`` from the
        start. A timeout or a cancellation sends ``notifications/cancelled``.
        """
        if self._error is not None:
            raise self._error
        loop = asyncio.get_running_loop()
        request_id = next(self._ids)
        message: Message = {"jsonrpc": "2.0", "id": request_id, "method": method}
        pending = _Pending(loop.create_future(), method)
        if on_progress is not None:
            params = dict(params or {})
            meta = dict(params.get("_meta") or {})
            meta["progressToken"] = request_id
            params["_meta"] = meta
            pending.on_progress = on_progress
        if params is not None:
            message["params"] = params
        self._pending[request_id] = pending
        try:
            await self.transport.send(message)
            if timeout is not None:
                # A bare timer handle: asyncio.timeout() costs a third of a fast round trip.
                now = loop.time()
                pending.timeout = timeout
                if max_timeout is not None:
                    pending.deadline = now + max(max_timeout, timeout)
                pending.timer = loop.call_at(now + timeout, self._expire, request_id)
            return await pending.future
        except asyncio.CancelledError:
            self._cancel_remote(request_id, method, "cancelled by the client")
            raise
        finally:
            if pending.timer is not None:
                pending.timer.cancel()
            self._pending.pop(request_id, None)

    def _expire(self, request_id: int | str) -> None:
        pending = self._pending.get(request_id)
        if pending is None or pending.future.done():
            return
        pending.future.set_exception(
            RequestTimeoutError(
                f"server {self.name!r} did not answer {pending.method} within {pending.timeout:g}s"
            )
        )
        self._cancel_remote(request_id, pending.method, "timed out")

    async def notify(self, method: str, params: dict[str, Any] | None = None) -> None:
        """Send a notification (no response expected)."""
        if self._error is not None:
            raise self._error
        message: Message = {"jsonrpc": "2.0", "method": method}
        if params is not None:
            message["params"] = params
        await self.transport.send(message)

    def _cancel_remote(self, request_id: int | str, method: str, reason: str) -> None:
        # The spec forbids cancelling the negotiation itself.
        if method in _NEVER_CANCELLED or self._error is not None or self._closing:
            return
        self._spawn(
            self.notify("notifications/cancelled", {"requestId": request_id, "reason": reason}),
            swallow=True,
        )

    def _spawn(self, coro: Awaitable[Any], *, swallow: bool = False) -> None:
        async def run() -> None:
            try:
                await coro
            except MCPError as exc:
                if not swallow:
                    raise
                log.debug("%s: background send failed: %s", self.name, exc)

        task = asyncio.get_running_loop().create_task(run())
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    # -- incoming --------------------------------------------------------------------

    async def _read_loop(self) -> None:
        error: MCPError | None = None
        try:
            while True:
                message = await self.transport.receive()
                if message is None:
                    break
                if isinstance(message, list):
                    for item in message:
                        self._dispatch(item)
                elif isinstance(message, TransportFailure):
                    self._fail_one(message)
                else:
                    self._dispatch(message)
        except MCPError as exc:
            error = exc
        if error is None:
            if self._closing:
                error = ConnectionClosedError(f"the connection to {self.name!r} was closed")
            else:
                error = ConnectionClosedError(
                    f"server {self.name!r} closed the connection{self.transport.describe_end()}"
                )
        self._finish(error)

    def _finish(self, error: MCPError) -> None:
        if self._error is None:
            self._error = error
        for pending in self._pending.values():
            if not pending.future.done():
                pending.future.set_exception(self._error)
                # The caller may already be gone; mark the exception as seen.
                pending.future.exception()
        self.closed.set()

    def _fail_one(self, failure: TransportFailure) -> None:
        pending = self._pending.get(failure.request_id)
        if pending is not None and not pending.future.done():
            pending.future.set_exception(failure.error)

    def _dispatch(self, message: Any) -> None:
        if not isinstance(message, dict):
            log.warning("%s: ignored a message that is not an object", self.name)
            return
        method = message.get("method")
        if isinstance(method, str):
            if "id" in message:
                self._start_handler(message["id"], method, message.get("params"))
            else:
                self._on_notification(method, message.get("params"))
        elif "method" in message:
            self._invalid(message, f"its method is {json_kind(method)}, not a string")
        elif "id" in message:
            self._on_response(message)
        else:
            log.warning("%s: ignored a message with neither method nor id", self.name)

    def _invalid(self, message: dict[str, Any], why: str) -> None:
        """Answer a request we cannot read with -32600; drop such a notification."""
        log.warning("%s: invalid request (%s): %s", self.name, why, _shown(message))
        if "id" not in message:
            return
        request_id = message["id"] if _is_id(message["id"]) else None
        response: Message = {
            "jsonrpc": "2.0",
            "id": request_id,
            "error": {"code": INVALID_REQUEST, "message": f"Invalid Request: {why}"},
        }
        self._spawn(self.transport.send(response), swallow=True)

    def _on_response(self, message: Message) -> None:
        request_id = message["id"]
        if request_id is None:
            # The peer could not read something we sent; nothing says which request it was.
            log.warning("%s: the server answered null: %s", self.name, _shown(message))
            return
        if not _is_id(request_id):
            # Which call it answers cannot be told, so that call would wait out its timeout:
            # end the connection now, with the reason.
            raise ProtocolError(
                f"server {self.name!r} sent a response whose id is {json_kind(request_id)} "
                f"({_shown(request_id)}); JSON-RPC ids are strings or integers"
            )
        pending = self._pending.get(request_id)
        if pending is None and isinstance(request_id, str) and _is_decimal(request_id):
            pending = self._pending.get(int(request_id))
        if pending is None or pending.future.done():
            log.debug("%s: ignored a response to unknown id %r", self.name, request_id)
            return
        error = message.get("error")
        if error is not None:
            pending.future.set_exception(self._remote_error(pending.method, error))
        elif "result" in message:
            pending.future.set_result(message["result"])
        else:
            pending.future.set_exception(
                ProtocolError(
                    f"server {self.name!r} answered {pending.method} with neither a result "
                    "nor an error"
                )
            )

    def _remote_error(self, method: str, error: Any) -> MCPError:
        """The error a response carries, or a ProtocolError saying how it is malformed."""
        if not isinstance(error, dict):
            return self._malformed(method, f"the error is {json_kind(error)}, not an object", error)
        code, text = error.get("code"), error.get("message", "")
        if isinstance(code, float) and code.is_integer() and abs(code) < 2**53:
            code = int(code)
        if type(code) is not int:
            return self._malformed(
                method, f"its code is {json_kind(code)} ({_shown(code)}), not an integer", error
            )
        if not isinstance(text, str):
            return self._malformed(method, f"its message is {json_kind(text)}, not a string", error)
        return RemoteError(code, text, error.get("data"), server=self.name)

    def _malformed(self, method: str, why: str, error: Any) -> ProtocolError:
        return ProtocolError(
            f"server {self.name!r} answered {method} with a malformed error ({why}): "
            f"{_shown(error)}"
        )

    def _on_notification(self, method: str, params: Any) -> None:
        params = params if isinstance(params, dict) else {}
        if method == "notifications/progress":
            self._on_progress(params)
            return
        if method == "notifications/cancelled":
            request_id = params.get("requestId")
            if not _is_id(request_id):
                log.debug("%s: ignored a cancellation of id %s", self.name, _shown(request_id))
                return
            task = self._handling.get(request_id)
            if task is not None:
                task.cancel()
            return
        handler = self.notification_handlers.get(method)
        if handler is None:
            log.debug("%s: no handler for notification %s", self.name, method)
            return
        outcome = handler(params)
        if inspect.isawaitable(outcome):
            self._spawn(outcome)

    def _on_progress(self, params: dict[str, Any]) -> None:
        token = params.get("progressToken")
        if not _is_id(token):
            log.debug("%s: ignored progress for token %s", self.name, _shown(token))
            return
        pending = self._pending.get(token)
        if pending is None or pending.on_progress is None:
            return
        try:
            total = params.get("total")
            message = params.get("message")
            progress = Progress(
                progress=_number(params.get("progress", 0)),
                total=_number(total) if total is not None else None,
                message=message if isinstance(message, str) else None,
            )
        except (TypeError, ValueError, OverflowError):
            log.debug("%s: ignored malformed progress %s", self.name, _shown(params))
            return
        if pending.timer is not None and pending.deadline is not None:
            loop = asyncio.get_running_loop()
            pending.timer.cancel()
            pending.timer = loop.call_at(
                min(loop.time() + pending.timeout, pending.deadline), self._expire, token
            )
        pending.on_progress(progress)

    def _start_handler(self, request_id: Any, method: str, params: Any) -> None:
        if not _is_id(request_id):
            self._invalid({"id": request_id}, f"its id is {json_kind(request_id)}")
            return
        task = asyncio.get_running_loop().create_task(
            self._handle_request(request_id, method, params if isinstance(params, dict) else {})
        )
        self._handling[request_id] = task
        task.add_done_callback(lambda _t: self._handling.pop(request_id, None))

    async def _handle_request(self, request_id: Any, method: str, params: dict[str, Any]) -> None:
        current_request_id.set(request_id)  # this task's own context: nothing leaks out
        handler = self.request_handlers.get(method)
        response: Message = {"jsonrpc": "2.0", "id": request_id}
        if handler is None:
            response["error"] = {"code": METHOD_NOT_FOUND, "message": f"Method not found: {method}"}
        else:
            try:
                response["result"] = await handler(params)
            except RemoteError as exc:
                response["error"] = {"code": exc.code, "message": exc.message}
                if exc.data is not None:
                    response["error"]["data"] = exc.data
            except asyncio.CancelledError:
                return  # the peer cancelled it: no response is sent
            except Exception as exc:  # a handler's bug must not take the connection down
                log.exception("%s: handler for %s failed", self.name, method)
                response["error"] = {"code": INTERNAL_ERROR, "message": str(exc) or repr(exc)}
        try:
            await self.transport.send(response)
        except MCPError as exc:
            log.debug("%s: could not answer %s: %s", self.name, method, exc)


def _is_decimal(text: str) -> bool:
    """Whether ``text`` is an id of ours sent back as a string ("7" for 7)."""
    return 0 < len(text) < 20 and text.isascii() and text.isdigit()


def _number(value: Any) -> float:
    """A progress figure as a float; booleans and non-finite values are malformed."""
    if isinstance(value, bool):
        raise TypeError("a boolean is not a progress figure")
    number = float(value)
    if number != number or number in (float("inf"), float("-inf")):
        raise ValueError("progress figures are finite")
    return number
