"""The engine's side of one Streamable HTTP session: POSTs in, SSE streams out, each
stream's events kept so that a client that lost it can resume it (``Last-Event-ID``).
"""

from __future__ import annotations

import asyncio
from typing import Any

from bridge.mcp.jsonrpc import current_request_id
from bridge.mcp.transport import Message, TransportFailure

__all__ = ["SessionTransport", "Stream"]

_HISTORY = 1000  # events a stream keeps for a client that resumes it


class Stream:
    """The events of one SSE stream, kept so that a client can resume it."""

    def __init__(self, key: str) -> None:
        self.key = key
        self.events: list[tuple[int, Message]] = []
        self.count = 0
        self.finished = False
        self.changed = asyncio.Event()

    def put(self, message: Message, *, last: bool = False) -> None:
        self.count += 1
        self.events.append((self.count, message))
        del self.events[:-_HISTORY]
        self.finished = self.finished or last
        self.changed.set()

    def finish(self) -> None:
        self.finished = True
        self.changed.set()


class SessionTransport:
    """The engine's side of one HTTP session: POSTs in, streams out."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.inbox: asyncio.Queue[Message | None] = asyncio.Queue()
        self.streams: dict[str, Stream] = {}
        self.by_request: dict[Any, Stream] = {}
        self.standalone = Stream("get")
        self.streams["get"] = self.standalone
        self._ids = 0

    def open_stream(self, request_id: Any) -> Stream:
        self._ids += 1
        stream = Stream(f"s{self._ids}")
        self.streams[stream.key] = stream
        self.by_request[request_id] = stream
        return stream

    def forget(self, stream: Stream) -> None:
        self.streams.pop(stream.key, None)

    async def start(self) -> None:
        pass

    async def send(self, message: Message) -> None:
        if "method" not in message and "id" in message:  # a response ends its stream
            stream = self.by_request.pop(message["id"], None)
            if stream is not None:
                stream.put(message, last=True)
            return
        related = self.by_request.get(current_request_id.get())
        (related or self.standalone).put(message)

    def cancelled(self, request_id: Any) -> None:
        """The client cancelled a request: no response will come, so its stream ends."""
        stream = self.by_request.pop(request_id, None)
        if stream is not None:
            stream.finish()

    async def receive(self) -> Message | list[Message] | TransportFailure | None:
        return await self.inbox.get()

    async def close(self) -> None:
        self.inbox.put_nowait(None)
        for stream in self.streams.values():
            stream.finish()

    def describe_end(self) -> str:
        return ""
