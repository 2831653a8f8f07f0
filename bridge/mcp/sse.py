"""Server-sent events: the parser both HTTP transports read their streams with.

Lines and events are bounded (``MAX_EVENT``): a server that sends a line with no end, or an
event of endless ``data:`` lines, fails the stream with :class:`EventTooLarge` instead of
growing our memory until the process dies.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterable, AsyncIterator
from dataclasses import dataclass

from bridge.errors import ProtocolError

__all__ = ["MAX_EVENT", "Event", "EventTooLarge", "parse_events", "read_events", "sse_lines"]

MAX_EVENT = 32 * 1024 * 1024
"""Characters of one SSE line or event: the cap a JSON body or WebSocket frame has too."""


_LINE_END = re.compile(rb"\r\n|\r|\n")


class EventTooLarge(ProtocolError):
    """A server's SSE line or event passed ``MAX_EVENT``."""


async def sse_lines(
    chunks: AsyncIterable[bytes], *, name: str, limit: int | None = None
) -> AsyncIterator[str]:
    """The lines of a byte stream (ended by CRLF, LF or CR), each at most ``limit`` bytes
    (``MAX_EVENT`` unless given)."""
    limit = MAX_EVENT if limit is None else limit
    buffer = bytearray()
    scanned = 0  # the buffer before this holds no line end
    async for chunk in chunks:
        buffer += chunk
        start = 0
        while found := _LINE_END.search(buffer, scanned):
            if found.group() == b"\r" and found.end() == len(buffer):
                break  # a CR at the end: an LF may follow in the next chunk
            yield buffer[start : found.start()].decode("utf-8", errors="replace")
            start = scanned = found.end()
        del buffer[:start]
        scanned = len(buffer) - 1 if buffer.endswith(b"\r") else len(buffer)
        if len(buffer) > limit:
            raise EventTooLarge(_too_large(name, limit))
    if buffer:
        yield buffer.rstrip(b"\r").decode("utf-8", errors="replace")


@dataclass(frozen=True, slots=True)
class Event:
    """One dispatched event; ``id`` and ``retry`` are None when the event set none."""

    event: str
    data: str
    id: str | None = None
    retry: int | None = None


async def parse_events(
    lines: AsyncIterator[str], *, name: str = "server", limit: int | None = None
) -> AsyncIterator[Event]:
    """Turn an SSE line stream into events (per the WHATWG rules, comments skipped), each
    at most ``limit`` characters of data (``MAX_EVENT`` unless given)."""
    limit = MAX_EVENT if limit is None else limit
    data: list[str] = []
    size = 0
    event, event_id, retry = "", None, None
    async for raw in lines:
        line = raw.rstrip("\r\n")
        if not line:
            if data or event_id is not None or retry is not None or event:
                yield Event(event or "message", "\n".join(data), event_id, retry)
            data = []
            size = 0
            event, event_id, retry = "", None, None
            continue
        if line.startswith(":"):
            continue
        field, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if field == "data":
            size += len(value) + 1
            if size > limit:
                raise EventTooLarge(_too_large(name, limit))
            data.append(value)
        elif field == "event":
            event = value
        elif field == "id" and "\0" not in value:
            event_id = value
        elif field == "retry" and value.isdigit():
            retry = int(value)
    if data:
        yield Event(event or "message", "\n".join(data), event_id, retry)


def read_events(chunks: AsyncIterable[bytes], *, name: str) -> AsyncIterator[Event]:
    """The bounded events of a server's SSE byte stream."""
    return parse_events(sse_lines(chunks, name=name), name=name)


def _too_large(name: str, limit: int) -> str:
    return f"server {name!r} sent an SSE line or event over {limit // 2**20} MiB; the stream failed"
