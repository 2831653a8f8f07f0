"""Markdown fenced blocks: finding them, and the parser for calls written inside them.

```` ```json ```` / ```` ```tool_call ```` blocks hold call objects; ```` ```tool_code ````
holds Python calls (`print(default_api.f(x=1))`, Gemma's prompted format).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bridge.textcalls.calls import (
    Candidate,
    ToolSet,
    call_from_object,
    decode_json_at,
    decode_json_list,
    skip_space,
)
from bridge.textcalls.pythonic import calls_in_source

_OPEN = re.compile(r"^[ \t]{0,3}(`{3,}|~{3,})[ \t]*([^\s`]*)[^\n]*(?:\n|$)", re.MULTILINE)
_JSON_LANGUAGES = frozenset({"", "json", "tool_call", "tool_calls", "function_call"})
_PYTHON_LANGUAGES = frozenset({"tool_code"})


@dataclass(frozen=True)
class Fence:
    """One fenced block: its whole extent, its info-string language and its body."""

    start: int
    end: int
    language: str
    body: tuple[int, int]


def find_fences(text: str) -> list[Fence]:
    """Return the fenced blocks in order; an unclosed fence runs to the end of the text."""
    fences: list[Fence] = []
    pos = 0
    while (match := _OPEN.search(text, pos)) is not None:
        marker = match.group(1)
        closing = re.compile(
            rf"^[ \t]{{0,3}}{re.escape(marker[0])}{{{len(marker)},}}[ \t]*$", re.MULTILINE
        ).search(text, match.end())
        body_end = closing.start() if closing else len(text)
        end = closing.end() if closing else len(text)
        fences.append(Fence(match.start(), end, match.group(2).lower(), (match.end(), body_end)))
        pos = max(end, match.end() + 1)
    return fences


def parse_fenced(text: str, tools: ToolSet) -> list[Candidate]:
    """Calls in ```json / ```tool_call (call objects) and ```tool_code (Python) blocks.

    A block counts only when all of its content is calls; a block mixing a call with
    other code or data is left as text.
    """
    found: list[Candidate] = []
    for fence in find_fences(text):
        block = (fence.start, fence.end)
        if fence.language in _JSON_LANGUAGES:
            calls = _json_calls(text, *fence.body)
        elif fence.language in _PYTHON_LANGUAGES:
            start, end = fence.body
            calls = calls_in_source(text[start:end].strip(), skip_space(text, start), "exec")
        else:
            continue
        found.extend(Candidate(name, args, span, block) for name, args, span in calls or [])
    return found


def _json_calls(
    text: str, start: int, end: int
) -> list[tuple[str, dict[str, object], tuple[int, int]]] | None:
    """Read a body made only of call objects: one, a list, or several one after another."""
    body = text[:end]
    items: list[tuple[object, tuple[int, int]]] = []
    pos = skip_space(body, start)
    while pos < end:
        listed = decode_json_list(body, pos)
        if listed is not None:
            items.extend(listed[0])
            pos = listed[1]
        else:
            decoded = decode_json_at(body, pos)
            if decoded is None:
                return None
            items.append((decoded[0], (pos, decoded[1])))
            pos = decoded[1]
        pos = skip_space(body, pos)
        if body.startswith((",", ";"), pos):
            pos = skip_space(body, pos + 1)
    calls = []
    for item, span in items:
        call = call_from_object(item, require_arguments=True)
        if call is None:
            return None
        calls.append((call[0], call[1], span))
    return calls
