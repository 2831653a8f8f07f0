"""A scripted, recording HTTP server on 127.0.0.1, run by uvicorn in a thread.

Each wire format subclasses ``FakeModelServer`` with its routes and renderers. The socket
is bound before the thread starts, so ``url`` is valid at once and nothing waits for startup.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections import deque
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from typing import Any, Self

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from .script import Fail, Hang, Raw, Reply, Stream, Turn

__all__ = ["FakeModelServer", "Recorded", "free_port"]


@dataclass(frozen=True)
class Recorded:
    """One request as the server saw it; ``body`` is parsed JSON (None when empty)."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: Any
    at: float = field(default_factory=time.time)  # when it arrived (wall clock)


def free_port() -> int:
    """A port nothing listens on (for connection-refused tests)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


class FakeModelServer:
    """Plays scripted turns in order and records every request.

    ``url`` is what the SDK's base-URL option takes; ``root`` is scheme, host and port.
    """

    url_suffix = ""

    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self._turns: deque[Turn] = deque()
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(64)
        self.port: int = self._sock.getsockname()[1]
        app = Starlette(routes=self.routes())
        config = uvicorn.Config(
            app,
            log_level="warning",
            log_config=None,
            lifespan="off",
            ws="none",
            http="h11",
            timeout_graceful_shutdown=2,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._sock]}, daemon=True
        )
        self._thread.start()

    @property
    def root(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        return self.root + self.url_suffix

    def script(self, *turns: Turn) -> None:
        """Queue turns; each request to the model endpoint takes the next one."""
        with self._lock:
            self._turns.extend(turns)

    @property
    def bodies(self) -> list[Any]:
        return [r.body for r in self.requests]

    def close(self) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self._sock.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- for subclasses ----------------------------------------------------------------------

    def routes(self) -> list[Route]:
        raise NotImplementedError

    def render(self, reply: Reply, request: Recorded) -> Response:
        raise NotImplementedError

    def error_body(self, fail: Fail) -> Any:
        raise NotImplementedError

    async def record(self, request: Request) -> Recorded:
        raw = await request.body()
        recorded = Recorded(
            method=request.method,
            path=request.url.path,
            query=dict(request.query_params),
            headers={k.lower(): v for k, v in request.headers.items()},
            body=json.loads(raw) if raw else None,
        )
        with self._lock:
            self.requests.append(recorded)
        return recorded

    async def play(self, request: Request) -> Response:
        """Record the request and answer it with the next scripted turn."""
        recorded = await self.record(request)
        with self._lock:
            turn = self._turns.popleft() if self._turns else None
        if turn is None:
            message = f"fake model server: no scripted turn left for {recorded.path}"
            return JSONResponse(self.error_body(Fail(500, message)), status_code=500)
        if isinstance(turn, Fail):
            return JSONResponse(self.error_body(turn), turn.status, headers=turn.headers)
        if isinstance(turn, Raw):
            return Response(turn.body, turn.status, turn.headers, media_type=turn.content_type)
        if isinstance(turn, Hang):
            await self._hang()
            return Response(status_code=504)
        if isinstance(turn, Stream):
            return StreamingResponse(self._play_stream(turn), media_type=turn.content_type)
        return self.render(turn, recorded)

    async def _play_stream(self, turn: Stream) -> AsyncIterator[bytes]:
        for line in turn.lines:
            yield line.encode()
        if turn.stall:
            await self._hang()
        while turn.forever is not None:  # until the client disconnects and we are cancelled
            yield turn.forever.encode()
            await asyncio.sleep(0)

    async def _hang(self) -> None:
        self._loop = asyncio.get_running_loop()
        if self._stop is None:
            self._stop = asyncio.Event()
        try:
            async with asyncio.timeout(60):
                await self._stop.wait()
        except TimeoutError:
            pass

    @staticmethod
    def stream(lines: Iterable[str], media_type: str) -> StreamingResponse:
        async def body() -> AsyncIterator[bytes]:
            for line in lines:
                yield line.encode()

        return StreamingResponse(body(), media_type=media_type)
