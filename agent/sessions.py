"""Saved chats: one JSONL transcript per session, one neutral message per line.

Sessions live under ``$XDG_DATA_HOME/agent/sessions/`` (``~/.local/share/agent/sessions/``
without it). A file is written only once the chat has a message, and only appended to,
so a crash loses at most the turn in flight. Secrets are masked before a line is written.
An answer the person cancelled is kept as a ``CancelledAnswer`` (``"cancelled": true``).
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from agent.errors import UsageError
from config.secrets import mask_data
from providers.types import (
    AssistantMessage,
    AudioPart,
    ContentPart,
    ImagePart,
    Message,
    SystemMessage,
    TextPart,
    ToolCall,
    ToolResultMessage,
    UserMessage,
)

__all__ = [
    "CancelledAnswer",
    "SessionFile",
    "SessionInfo",
    "decode_message",
    "encode_message",
    "keep_partial",
    "list_sessions",
    "sessions_dir",
]

SUFFIX = ".jsonl"


@dataclass(frozen=True, slots=True)
class CancelledAnswer(AssistantMessage):
    """The part of an answer the model had sent when the person cancelled the turn.

    It is an ``AssistantMessage`` to the providers (the model sees what it had said); the
    chat marks it as cut short, on screen and in the session file.
    """


def keep_partial(messages: list[Message], text: str) -> None:
    """Record the answer a cancel cut short, marked as such, unless the loop already did.

    The loop saves it only when the cancel lands inside the provider's stream; a cancel
    that lands while the screen renders an event must not lose it either.
    """
    if not text:
        return  # the cut turn had shown no text (it was cancelled in its calls)
    last = messages[-1] if messages else None
    if isinstance(last, AssistantMessage) and not last.tool_calls:
        messages[-1] = CancelledAnswer(last.text)  # the loop's copy, now marked
    else:
        messages.append(CancelledAnswer(text))


def sessions_dir(env: Mapping[str, str] | None = None) -> Path:
    """Where sessions are kept: the XDG data dir, or ``~/.local/share``."""
    env = os.environ if env is None else env
    base = env.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "agent" / "sessions"


# -- messages <-> JSON ------------------------------------------------------------------------


def _encode_part(part: ContentPart) -> dict[str, Any]:
    if isinstance(part, TextPart):
        return {"type": "text", "text": part.text}
    kind = "image" if isinstance(part, ImagePart) else "audio"
    return {"type": kind, "data": part.data, "mime_type": part.mime_type}


def _is_media(part: Mapping[str, Any]) -> bool:
    return part.get("type") in ("image", "audio") and "mime_type" in part


def _decode_part(data: Mapping[str, Any]) -> ContentPart:
    kind = data.get("type")
    if kind == "image":
        return ImagePart(str(data["data"]), str(data["mime_type"]))
    if kind == "audio":
        return AudioPart(str(data["data"]), str(data["mime_type"]))
    return TextPart(str(data.get("text", "")))


def _json_ready(value: Any) -> bool:
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return False
    return True


def encode_message(message: Message) -> dict[str, Any]:
    """One message as a JSON object (``provider_state`` kept when it is JSON-ready)."""
    if isinstance(message, SystemMessage):
        return {"role": "system", "text": message.text}
    if isinstance(message, UserMessage):
        content: Any = message.content
        if not isinstance(content, str):
            content = [_encode_part(part) for part in content]
        return {"role": "user", "content": content}
    if isinstance(message, AssistantMessage):
        line: dict[str, Any] = {"role": "assistant", "text": message.text}
        if isinstance(message, CancelledAnswer):
            line["cancelled"] = True
        if message.tool_calls:
            line["tool_calls"] = [
                {
                    "id": c.id,
                    "name": c.name,
                    "arguments": dict(c.arguments),
                    "raw_arguments": c.raw_arguments,
                }
                for c in message.tool_calls
            ]
        if message.provider_state is not None and _json_ready(message.provider_state):
            line["provider_state"] = message.provider_state
        return line
    return {
        "role": "tool",
        "call_id": message.call_id,
        "tool_name": message.tool_name,
        "content": [_encode_part(part) for part in message.content],
        "is_error": message.is_error,
    }


def decode_message(data: Mapping[str, Any]) -> Message:
    """The message a line of a session file holds."""
    role = data.get("role")
    if role == "system":
        return SystemMessage(str(data.get("text", "")))
    if role == "user":
        content = data.get("content", "")
        if isinstance(content, list):
            return UserMessage(tuple(_decode_part(part) for part in content))
        return UserMessage(str(content))
    if role == "assistant":
        calls = tuple(
            ToolCall(str(c["id"]), str(c["name"]), c.get("arguments") or {}, c.get("raw_arguments"))
            for c in data.get("tool_calls") or ()
        )
        kind = CancelledAnswer if data.get("cancelled") is True else AssistantMessage
        return kind(str(data.get("text", "")), calls, data.get("provider_state"))
    if role == "tool":
        parts = tuple(_decode_part(part) for part in data.get("content") or ())
        return ToolResultMessage(
            str(data["call_id"]), str(data["tool_name"]), parts, bool(data.get("is_error"))
        )
    raise ValueError(f"unknown message role {role!r}")


# -- files ------------------------------------------------------------------------------------


def _new_id() -> str:
    return f"{datetime.now():%Y%m%d-%H%M%S}-{secrets.token_hex(2)}"


class SessionFile:
    """One session's transcript; ``save`` appends the messages not written yet."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.written = 0

    @property
    def id(self) -> str:
        return self.path.name.removesuffix(SUFFIX)

    @classmethod
    def create(cls, directory: Path) -> SessionFile:
        """A new session (its file appears with the first saved message)."""
        return cls(directory / f"{_new_id()}{SUFFIX}")

    @classmethod
    def find(cls, directory: Path, session_id: str | None = None) -> SessionFile:
        """An existing session by id (or unique id prefix); the latest one without an id."""
        sessions = list_sessions(directory)
        if not sessions:
            raise UsageError(f"there is no saved session in {directory}; start one: agent chat")
        if session_id is None:
            return cls(sessions[0].path)
        matches = [s for s in sessions if s.id == session_id] or [
            s for s in sessions if s.id.startswith(session_id)
        ]
        if len(matches) != 1:
            what = "no" if not matches else "more than one"
            raise UsageError(
                f"{what} session matches {session_id!r}; `agent sessions` lists their ids"
            )
        return cls(matches[0].path)

    def load(self) -> list[Message]:
        """Every message of the file; later saves append after them."""
        with self.path.open(encoding="utf-8") as lines:
            messages = [decode_message(json.loads(line)) for line in lines if line.strip()]
        self.written = len(messages)
        return messages

    def save(self, messages: Sequence[Message]) -> None:
        """Append the messages past those already written (all of them after a rewind)."""
        if len(messages) < self.written:
            self.written = 0
            self.path.unlink(missing_ok=True)
        new = messages[self.written :]
        if not new:
            return
        # Chats may hold anything the person or a tool said: only the user may read them.
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        descriptor = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        with open(descriptor, "a", encoding="utf-8") as out:
            for message in new:
                # No secret reaches the disk; base64 media is kept whole.
                line = mask_data(encode_message(message), keep=_is_media)
                out.write(json.dumps(line, ensure_ascii=False) + "\n")
        self.written = len(messages)


@dataclass(frozen=True)
class SessionInfo:
    """One row of ``agent sessions``."""

    id: str
    path: Path
    modified: datetime
    first_line: str
    count: int


def _info(path: Path) -> SessionInfo:
    first, count = "", 0
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            if not line.strip():
                continue
            count += 1
            if not first:
                data = json.loads(line)
                if data.get("role") == "user":
                    text = decode_message(data)
                    assert isinstance(text, UserMessage)
                    first = next(iter(text.text.strip().splitlines()), "")
    modified = datetime.fromtimestamp(path.stat().st_mtime)
    return SessionInfo(path.name.removesuffix(SUFFIX), path, modified, first, count)


def list_sessions(directory: Path) -> list[SessionInfo]:
    """Every saved session, the most recently written first."""
    if not directory.is_dir():
        return []
    rows = [_info(path) for path in directory.glob(f"*{SUFFIX}")]
    return sorted(rows, key=lambda row: (row.modified, row.id), reverse=True)
