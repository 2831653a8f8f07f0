"""The turns a fake model server plays back, in one vocabulary for every wire format."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["Call", "Fail", "Hang", "Raw", "Reply", "Stream", "Turn", "calls", "text"]


@dataclass(frozen=True)
class Call:
    """A tool call the fake model makes.

    ``arguments`` may be a string to send malformed JSON (OpenAI only); ``thought_signature``
    is base64 and only Gemini sends it.
    """

    name: str
    arguments: dict[str, Any] | str = field(default_factory=dict)
    id: str | None = None
    thought_signature: str | None = None


@dataclass(frozen=True)
class Reply:
    """A successful model turn: text, tool calls, or both.

    ``chunks`` is how many pieces the text and each call's arguments are streamed in;
    ``finish`` overrides the wire's finish reason; ``thinking`` is reasoning text.
    """

    text: str = ""
    calls: tuple[Call, ...] = ()
    usage: tuple[int, int] = (11, 7)
    finish: str | None = None
    chunks: int = 3
    thinking: str = ""
    text_signature: str | None = None


@dataclass(frozen=True)
class Fail:
    """An error response in the provider's own error shape.

    ``code`` is OpenAI's ``error.code`` or Gemini's ``error.status`` (defaults from status).
    """

    status: int
    message: str
    code: str | None = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Hang:
    """Never answer (until the server stops): for client timeouts."""


@dataclass(frozen=True)
class Raw:
    """An exact response, for wire details the other turns cannot express."""

    body: str
    status: int = 200
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Stream:
    """A raw streamed body: ``lines`` as given, then ``forever`` sent again and again until
    the client leaves, or ``stall`` (hang after the lines, until the server stops)."""

    lines: tuple[str, ...] = ()
    forever: str | None = None
    stall: bool = False
    content_type: str = "text/event-stream"


Turn = Reply | Fail | Hang | Raw | Stream


def text(answer: str, **kwargs: Any) -> Reply:
    return Reply(text=answer, **kwargs)


def calls(*items: Call, **kwargs: Any) -> Reply:
    return Reply(calls=items, **kwargs)


def split(value: str, pieces: int) -> list[str]:
    """Cut ``value`` into at most ``pieces`` non-empty parts (at least one, maybe empty)."""
    if not value:
        return [""]
    size = max(1, -(-len(value) // max(1, pieces)))
    return [value[i : i + size] for i in range(0, len(value), size)]
