"""JSON-RPC 2.0 over a transport: one reader task per connection, futures keyed by request id.

Peer requests and notifications are dispatched to handlers in their own tasks, so a slow
handler never stalls the reader. The same engine serves our client and the toolbox server.
"""

from __future__ import annotations

import asyncio
import inspect
import itertools
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from bridge.errors import (
    ConnectionClosedError,
    MCPError,
    RemoteError,
    RequestTimeoutError,
)
from bridge.mcp.transport import Message, Transport, TransportFailure
from bridge.mcp.types import Progress, ProgressCallback

__all__ = [
    "INTERNAL_ERROR",
    "INVALID_PARAMS",
    "METHOD_NOT_FOUND",
    "Connection",
    "NotificationHandler",
    "RequestHandler",
]

log = logging.getLogger(__name__)

METHOD_NOT_FOUND = -32601
INVALID_PARAMS = -32602
INTERNAL_ERROR = -32603

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

    def _expire(self, request_id: int) -> None:
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

    def _cancel_remote(self, request_id: int, method: str, reason: str) -> None:
        if method == "initialize" or self._error is not None or self._closing:
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
        elif "id" in message:
            self._on_response(message)
        else:
            log.warning("%s: ignored a message with neither method nor id", self.name)

    def _on_response(self, message: Message) -> None:
        request_id = message["id"]
        pending = self._pending.get(request_id)
        if pending is None and isinstance(request_id, str) and request_id.isdigit():
            pending = self._pending.get(int(request_id))
        if pending is None or pending.future.done():
            log.debug("%s: ignored a response to unknown id %r", self.name, request_id)
            return
        error = message.get("error")
        if error is not None:
            if not isinstance(error, dict):
                error = {"code": INTERNAL_ERROR, "message": str(error)}
            pending.future.set_exception(
                RemoteError(
                    int(error.get("code", INTERNAL_ERROR)),
                    str(error.get("message", "")),
                    error.get("data"),
                    server=self.name,
                )
            )
        else:
            pending.future.set_result(message.get("result"))

    def _on_notification(self, method: str, params: Any) -> None:
        params = params if isinstance(params, dict) else {}
        if method == "notifications/progress":
            self._on_progress(params)
            return
        if method == "notifications/cancelled":
            task = self._handling.get(params.get("requestId"))
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
        pending = self._pending.get(params.get("progressToken"))  # type: ignore[arg-type]
        if pending is None or pending.on_progress is None:
            return
        if pending.timer is not None and pending.deadline is not None:
            loop = asyncio.get_running_loop()
            pending.timer.cancel()
            pending.timer = loop.call_at(
                min(loop.time() + pending.timeout, pending.deadline),
                self._expire,
                params["progressToken"],
            )
        try:
            progress = Progress(
                progress=float(params.get("progress", 0)),
                total=float(params["total"]) if params.get("total") is not None else None,
                message=params.get("message"),
            )
        except (TypeError, ValueError):
            log.debug("%s: ignored malformed progress %r", self.name, params)
            return
        pending.on_progress(progress)

    def _start_handler(self, request_id: Any, method: str, params: Any) -> None:
        task = asyncio.get_running_loop().create_task(
            self._handle_request(request_id, method, params if isinstance(params, dict) else {})
        )
        key = request_id if isinstance(request_id, int | str) else str(request_id)
        self._handling[key] = task
        task.add_done_callback(lambda _t: self._handling.pop(key, None))

    async def _handle_request(self, request_id: Any, method: str, params: dict[str, Any]) -> None:
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
