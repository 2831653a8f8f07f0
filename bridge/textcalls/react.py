"""The ReAct parser: `Action: f` then `Action Input: {...}`, as LangChain's agents write it.

ReAct takes one step per turn, so only the first action counts; an `Observation:` the
model wrote itself is invented and is removed with the call.
"""

from __future__ import annotations

import json
import re
from typing import Any

from bridge.textcalls.calls import Candidate, ToolSet, decode_arguments, decode_json_at, skip_space

_ACTION = re.compile(
    r"^[ \t]*Action:[ \t]*(?P<name>[^\n]*?)[ \t]*\n[ \t]*Action Input:[ \t]*",
    re.MULTILINE,
)
_OBSERVATION = re.compile(r"^[ \t]*Observation:", re.MULTILINE)
_FENCE = re.compile(r"```[\w-]*[ \t]*\n?(.*?)\n?```", re.DOTALL)
_NO_INPUT = frozenset({"", "none", "{}", "null"})


def parse_react(text: str, tools: ToolSet) -> list[Candidate]:
    """Read the first `Action:` / `Action Input:` pair.

    The input is a JSON object, a fenced JSON object, or plain text; plain text becomes
    the tool's only declared argument, or `{"input": text}` when there is not exactly one
    (a call the schema rejects goes back to the model, which can then fix it).
    """
    match = _ACTION.search(text) if "Action Input:" in text else None
    if match is None:
        return []
    name = match.group("name").strip("`'\" ")
    observation = _OBSERVATION.search(text, match.end())
    stop = observation.start() if observation else len(text)
    value, end = _read_input(text, match.end(), stop)
    if value is None or not name:
        return []
    arguments = _plain_input(value, name, tools) if isinstance(value, str) else value
    span = (match.start(), end)
    block = (match.start(), len(text) if observation else end)
    return [Candidate(name, arguments, span, block)]


def _read_input(text: str, pos: int, stop: int) -> tuple[dict[str, Any] | str | None, int]:
    """Return the action input (a JSON object, or the plain text) and where it ends."""
    pos = skip_space(text, pos)
    fenced = _FENCE.match(text, pos)
    if fenced is not None and fenced.end() <= stop:
        decoded = decode_json_at(fenced.group(1), 0)
        value = decode_arguments(decoded[0]) if decoded else None
        return value, fenced.end()
    if text.startswith("{", pos):
        decoded = decode_json_at(text, pos)
        if decoded is None or decoded[1] > stop:
            return None, pos
        return decode_arguments(decoded[0]), decoded[1]
    raw = text[pos:stop].rstrip()
    return raw, pos + len(raw)


def _plain_input(raw: str, name: str, tools: ToolSet) -> dict[str, Any]:
    value = raw.strip().strip("\"'`")
    if value.lower() in _NO_INPUT:
        return {}
    try:
        decoded = json.loads(value)
    except (json.JSONDecodeError, RecursionError):
        decoded = value
    properties = tools.property_names(name)
    if len(properties) == 1:
        return {properties[0]: decoded}
    return {"input": value}
