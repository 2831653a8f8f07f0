"""The Qwen3-Coder parser: `<function=f><parameter=k>v</parameter></function>`.

Values are bare text, converted by the argument's schema type (see `coerce`).
"""

from __future__ import annotations

import re
from typing import Any

from bridge.textcalls.calls import Candidate, ToolSet, consume, skip_space
from bridge.textcalls.coerce import coerce_text

_FUNCTION = re.compile(r"<function=([^>\s]+)>")
_PARAMETER = re.compile(r"<parameter=([^>]+)>")
_VALUE_ENDS = ("</parameter>", "<parameter=", "</function>")


def parse_qwen3_coder(text: str, tools: ToolSet) -> list[Candidate]:
    """Read each `<function=f>` made of `<parameter=k>` elements (optionally in `<tool_call>`).

    A missing `</parameter>` ends at the next parameter; a missing `</function>` at the
    end of the text is tolerated, as models stop generating there.
    """
    found: list[Candidate] = []
    for match in _FUNCTION.finditer(text):
        pos = skip_space(text, match.end())
        if not (text.startswith("<parameter=", pos) or text.startswith("</function>", pos)):
            continue  # a JSON body: the `function_tag` format's business
        name = match.group(1)
        arguments: dict[str, Any] = {}
        while True:
            parameter = _PARAMETER.match(text, skip_space(text, pos))
            if parameter is None:
                break
            key = parameter.group(1).strip()
            value_end = _first_of(text, parameter.end(), _VALUE_ENDS)
            raw = _trim_newline(text[parameter.end() : value_end])
            arguments[key] = coerce_text(raw, tools.property_schema(name, key))
            pos = consume(text, value_end, "</parameter>")
        end = consume(text, pos, "</function>")
        start, end = _with_wrapper(text, match.start(), end)
        found.append(Candidate(name, arguments, (start, end)))
    return found


def _first_of(text: str, pos: int, needles: tuple[str, ...]) -> int:
    hits = [hit for hit in (text.find(needle, pos) for needle in needles) if hit != -1]
    return min(hits, default=len(text))


def _trim_newline(raw: str) -> str:
    """Drop the one newline the format puts on each side of a value, keep other spacing."""
    raw = raw.removeprefix("\n")
    return raw.removesuffix("\n")


def _with_wrapper(text: str, start: int, end: int) -> tuple[int, int]:
    """Widen the span over a `<tool_call>` ... `</tool_call>` pair directly around it."""
    before = text.rfind("<tool_call>", 0, start)
    if before != -1 and not text[before + len("<tool_call>") : start].strip():
        start = before
        end = consume(text, end, "</tool_call>")
    return start, end
