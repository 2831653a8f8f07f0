"""The table of text tool-call formats and `extract`, which applies them to a reply.

Formats are tried in table order, the most specific markers first and bare JSON last;
the first format that yields an accepted call supplies all of the reply's calls.
"""

from __future__ import annotations

import heapq
from collections.abc import Collection, Mapping, Sequence
from typing import Any

from bridge.textcalls.calls import Candidate, Extraction, Parser, Schema, TextToolCall, ToolSet
from bridge.textcalls.examples import QuotedRegions
from bridge.textcalls.fenced import parse_fenced
from bridge.textcalls.gemma import parse_functiongemma, parse_gemma4
from bridge.textcalls.plain_json import parse_bare_json, parse_llama_json
from bridge.textcalls.pythonic import parse_llama_builtin, parse_pythonic
from bridge.textcalls.react import parse_react
from bridge.textcalls.tagged_json import (
    parse_deepseek,
    parse_function_tag,
    parse_harmony,
    parse_hermes,
    parse_mistral,
    parse_mistral_v11,
)
from bridge.textcalls.xmlish import parse_qwen3_coder

# Order matters: a format that needs a special token is more certain than one that
# recognises plain text, and Qwen3-Coder must see `<tool_call><function=...>` before
# bare JSON or ReAct could claim pieces of it.
PARSERS: Mapping[str, Parser] = {
    "hermes": parse_hermes,
    "qwen3_coder": parse_qwen3_coder,
    "function_tag": parse_function_tag,
    "mistral": parse_mistral,
    "mistral_v11": parse_mistral_v11,
    "deepseek": parse_deepseek,
    "functiongemma": parse_functiongemma,
    "gemma4": parse_gemma4,
    "harmony": parse_harmony,
    "llama_builtin": parse_llama_builtin,
    "llama_json": parse_llama_json,
    "fenced": parse_fenced,
    "pythonic": parse_pythonic,
    "react": parse_react,
    "bare_json": parse_bare_json,
}


def extract(
    text: str,
    tools: Mapping[str, Schema] | Collection[str],
    formats: Sequence[str] | None = None,
) -> Extraction:
    """Find the tool calls written in a model's reply.

    `tools` maps each callable tool name to its input JSON Schema (used to type argument
    values written as bare text), or just lists the names. A call is accepted when its
    name is one of them and it is not a quoted example (see `examples`). Formats are
    tried in `formats` order (default: every format, in `PARSERS` order); the first one
    with an accepted call supplies every call, so one reply never mixes formats.
    """
    toolset = _toolset(tools)
    names = list(PARSERS) if formats is None else list(formats)
    unknown = [name for name in names if name not in PARSERS]
    if unknown:
        raise ValueError(f"unknown text tool-call formats {unknown}; known: {list(PARSERS)}")
    regions: QuotedRegions | None = None
    for name in names:
        candidates = sorted(PARSERS[name](text, toolset), key=lambda c: c.span)
        if not candidates:
            continue
        regions = regions or QuotedRegions.of(text)
        accepted = _accepted(candidates, toolset, regions, fenced=name == "fenced")
        if accepted:
            calls = [TextToolCall(c.name, c.arguments, name, c.span) for c in accepted]
            return Extraction(calls, _without(text, [c.removal for c in accepted]))
    return Extraction([], text.strip())


def _toolset(tools: Mapping[str, Schema] | Collection[str]) -> ToolSet:
    if isinstance(tools, str):
        raise TypeError("tools must be a collection of names or a mapping, not one string")
    if isinstance(tools, Mapping):
        return ToolSet({name: _schema(schema) for name, schema in tools.items()})
    return ToolSet({name: {} for name in tools})


def _schema(schema: object) -> Mapping[str, Any]:
    return schema if isinstance(schema, Mapping) else {}


def _accepted(
    candidates: list[Candidate], tools: ToolSet, regions: QuotedRegions, fenced: bool
) -> list[Candidate]:
    accepted: list[Candidate] = []
    # The lead-in starts after the markup of earlier calls (ends waiting in `ends` until a
    # call starts past them), so calls sharing one block share its lead-in.
    ends: list[int] = []
    floor = 0
    for candidate in candidates:
        start = candidate.removal[0]
        while ends and ends[0] <= start:
            floor = max(floor, heapq.heappop(ends))
        heapq.heappush(ends, candidate.removal[1])
        if candidate.name not in tools:
            continue
        if regions.is_example(candidate.span, candidate.removal, fenced, floor):
            regions.mark_example(candidate.removal)
        else:
            accepted.append(candidate)
    return accepted


def _without(text: str, blocks: list[tuple[int, int]]) -> str:
    """Remove the blocks from the text, leaving at most one blank line where each was."""
    pieces: list[str] = []
    pos = 0
    for start, end in sorted(set(blocks)):
        if end <= pos:
            continue
        pieces.append(text[pos : max(start, pos)])
        pos = end
    pieces.append(text[pos:])
    result = pieces[0]
    for piece in pieces[1:]:
        left = result.rstrip()
        gap = result[len(left) :] + piece[: len(piece) - len(piece.lstrip())]
        newlines = gap.count("\n")
        joint = "\n\n" if newlines > 1 else "\n" if newlines else " " if gap else ""
        result = left + joint + piece.lstrip()
    return result.strip()
