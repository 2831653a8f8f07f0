"""Parsers for call objects written as plain JSON: Llama 3.x replies and bare JSON in prose.

Both need the object to name its arguments (`arguments` or `parameters`), since plain JSON
has no marker saying it is a call; only Llama's `<|python_tag|>` lifts that requirement.
"""

from __future__ import annotations

from bridge.textcalls.calls import (
    Candidate,
    ToolSet,
    call_from_object,
    consume,
    decode_json_at,
    decode_json_list,
    skip_space,
)

_PYTHON_TAG = "<|python_tag|>"
_LLAMA_ENDS = ("<|eom_id|>", "<|eot_id|>")


def parse_llama_json(text: str, tools: ToolSet) -> list[Candidate]:
    """Llama 3.1-3.3: `{"name": "f", "parameters": {...}}`, several joined by `;`.

    The objects follow `<|python_tag|>`, or, without the tag, open the reply.
    """
    tag = text.find(_PYTHON_TAG)
    start = tag if tag != -1 else skip_space(text, 0)
    pos = start + len(_PYTHON_TAG) if tag != -1 else start
    found: list[Candidate] = []
    while True:
        pos = skip_space(text, pos)
        decoded = decode_json_at(text, pos) if text.startswith("{", pos) else None
        if decoded is None:
            break
        call = call_from_object(decoded[0], require_arguments=tag == -1)
        if call is None:
            break
        found.append(Candidate(call[0], call[1], (pos, decoded[1])))
        pos = skip_space(text, decoded[1])
        if not text.startswith(";", pos):
            break
        pos += 1
    if not found:
        return []
    block = (start, consume(text, found[-1].span[1], ";", *_LLAMA_ENDS))
    return [Candidate(c.name, c.arguments, c.span, block) for c in found]


def parse_bare_json(text: str, tools: ToolSet) -> list[Candidate]:
    """`{"name": ..., "arguments"|"parameters": ...}` anywhere, alone or in a JSON list.

    JSON that is not a call is searched inside when it holds a `"name"` key, so a call
    nested in a wrapper object (`{"tool_calls": [...]}`) is still found.
    """
    found: list[Candidate] = []
    pos = 0
    while (pos := _next_opening(text, pos)) != -1:
        # Only `{"` and `[{` can open a call or a list of calls; skip other brackets cheaply.
        if not text.startswith('"' if text[pos] == "{" else "{", skip_space(text, pos + 1)):
            pos += 1
            continue
        calls, end = _calls_at(text, pos)
        found.extend(calls)
        if calls or (end is not None and text.find('"name"', pos + 1, end) == -1):
            pos = end if end is not None else pos + 1
        else:
            pos += 1
    return found


def _next_opening(text: str, pos: int) -> int:
    brace, bracket = text.find("{", pos), text.find("[", pos)
    return min(brace, bracket) if brace != -1 and bracket != -1 else max(brace, bracket)


def _calls_at(text: str, pos: int) -> tuple[list[Candidate], int | None]:
    """The call, or list of calls, opening at `pos`, and where that JSON value ends."""
    if text[pos] == "{":
        decoded = decode_json_at(text, pos)
        if decoded is None:
            return [], None
        call = call_from_object(decoded[0], require_arguments=True)
        found = [] if call is None else [Candidate(call[0], call[1], (pos, decoded[1]))]
        return found, decoded[1]
    listed = decode_json_list(text, pos)
    if listed is None:
        return [], None
    items, end = listed
    calls = [(call_from_object(item, require_arguments=True), span) for item, span in items]
    if not calls or any(call is None for call, _ in calls):
        return [], end
    return [Candidate(c[0], c[1], span, (pos, end)) for c, span in calls if c is not None], end
