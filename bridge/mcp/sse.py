"""Server-sent events: the parser both HTTP transports read their streams with."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

__all__ = ["Event", "parse_events"]


@dataclass(frozen=True, slots=True)
class Event:
    """One dispatched event; ``id`` and ``retry`` are None when the event set none."""

    event: str
    data: str
    id: str | None = None
    retry: int | None = None


async def parse_events(lines: AsyncIterator[str]) -> AsyncIterator[Event]:
    """Turn an SSE line stream into events (per the WHATWG rules, comments skipped)."""
    data: list[str] = []
    event, event_id, retry = "", None, None
    async for raw in lines:
        line = raw.rstrip("\r\n")
        if not line:
            if data or event_id is not None or retry is not None or event:
                yield Event(event or "message", "\n".join(data), event_id, retry)
            data = []
            event, event_id, retry = "", None, None
            continue
        if line.startswith(":"):
            continue
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if name == "data":
            data.append(value)
        elif name == "event":
            event = value
        elif name == "id" and "\0" not in value:
            event_id = value
        elif name == "retry" and value.isdigit():
            retry = int(value)
    if data:
        yield Event(event or "message", "\n".join(data), event_id, retry)
