"""Small helpers the adapters share: argument parsing, call ids, settings merging."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from config.secrets import remember
from providers.types import ContentPart, ImagePart, TextPart, ToolCall, ToolSpec

__all__ = ["env_key", "function_tool", "images_of", "new_call_id", "result_text", "tool_call"]


def new_call_id(prefix: str = "call") -> str:
    """An id for APIs whose calls have none (Ollama, some Gemini models)."""
    return f"{prefix}_{uuid.uuid4().hex[:16]}"


def tool_call(call_id: str, name: str, arguments: str | Mapping[str, Any] | None) -> ToolCall:
    """Build a call, keeping the raw text when the arguments are not a JSON object."""
    if isinstance(arguments, Mapping):
        return ToolCall(call_id, name, dict(arguments))
    text = arguments or ""
    if not text.strip():
        return ToolCall(call_id, name, {})
    try:
        parsed = json.loads(text)
    except (ValueError, RecursionError):  # nested too deep to read is as bad as not JSON
        return ToolCall(call_id, name, {}, raw_arguments=text)
    if not isinstance(parsed, dict):
        return ToolCall(call_id, name, {}, raw_arguments=text)
    return ToolCall(call_id, name, parsed)


def result_text(parts: Iterable[ContentPart], is_error: bool) -> str:
    """The text of a tool result; errors say so, since most APIs have no error flag."""
    text = "\n".join(p.text for p in parts if isinstance(p, TextPart))
    return f"Error: {text}" if is_error else text


def images_of(parts: Iterable[ContentPart]) -> list[ImagePart]:
    return [p for p in parts if isinstance(p, ImagePart)]


def env_key(explicit: str | None, names: Iterable[str]) -> str | None:
    """The explicit key, else the first of the environment variables that is set.

    Either is remembered as a secret, so an endpoint that echoes it is masked.
    """
    if explicit:
        remember(explicit)
        return explicit
    for name in names:
        if value := os.environ.get(name):
            remember(value)
            return value
    return None


def function_tool(spec: ToolSpec) -> dict[str, Any]:
    """A tool in the Chat Completions shape (OpenAI and llama.cpp chat templates)."""
    function: dict[str, Any] = {
        "name": spec.name,
        "description": spec.description,
        "parameters": dict(spec.parameters),
    }
    if spec.strict:
        function["strict"] = True
    return {"type": "function", "function": function}
