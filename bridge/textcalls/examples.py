"""The rule that keeps a call the model quotes as an example from being executed.

A call found in the text is an example, not a request, when any of these holds:

1. it lies in inline code (a backtick span within one line) or on a blockquote (`>`) line;
2. it lies inside a fenced block, unless the fence is the call's own markup (the
   `fenced` format, where a block that is nothing but calls is the request);
3. its lead-in, the prose of the paragraph it starts in (or, when it opens a paragraph,
   of the paragraph above), says it is one: "for example", "for instance", "e.g.",
   "such as", "example", "like this", "looks like", "syntax";
4. it lies inside the markup of a call already judged an example while trying an earlier
   format (the JSON inside a quoted `<tool_call>` is not a fresh bare-JSON call).

Rule 3 costs the odd real call whose lead-in happens to say "such as"; a model that is
refused one call simply asks again, whereas running an example has side effects.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from bridge.textcalls.fenced import find_fences

_INLINE_CODE = re.compile(r"(?<!`)(`+)(?!`)[^\n]*?[^`\n]\1(?!`)")
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n")
_CUE = re.compile(
    r"\bfor (?:example|instance)\b|\be\.g\.|\bsuch as\b|\bexamples?\b"
    r"|\blike this\b|\blooks? like\b|\bsyntax\b",
    re.IGNORECASE,
)
_LEAD_IN_LIMIT = 400


@dataclass
class QuotedRegions:
    """Where a text quotes rather than speaks: fenced blocks, inline code, judged examples.

    One instance serves one `extract` call; `judged` grows as formats are tried.
    """

    text: str
    fences: tuple[tuple[int, int], ...]
    inline: tuple[tuple[int, int], ...]
    judged: list[tuple[int, int]] = field(default_factory=list)

    @classmethod
    def of(cls, text: str) -> QuotedRegions:
        """Find the fenced blocks and inline code spans of `text`."""
        fences = tuple((fence.start, fence.end) for fence in find_fences(text))
        inline = tuple(
            match.span()
            for match in _INLINE_CODE.finditer(text)
            if not any(start <= match.start() < end for start, end in fences)
        )
        return cls(text, fences, inline)

    def mark_example(self, block: tuple[int, int]) -> None:
        """Remember the markup of a call judged an example, for the formats tried later."""
        self.judged.append(block)

    def is_example(
        self, span: tuple[int, int], block: tuple[int, int], fenced: bool, floor: int
    ) -> bool:
        """Whether the call at `span` (removed as `block`) is quoted, by the module's rule.

        `floor` bounds the lead-in on the left: the end of the previous call's markup.
        """
        if _inside(span, self.inline) or self._on_blockquote_line(span[0]):
            return True
        if _inside(span, self.judged):
            return True
        if not fenced and _inside(span, self.fences):
            return True
        return _CUE.search(self._lead_in(block[0], floor)) is not None

    def _on_blockquote_line(self, pos: int) -> bool:
        line_start = self.text.rfind("\n", 0, pos) + 1
        return self.text[line_start:pos].lstrip().startswith(">")

    def _lead_in(self, start: int, floor: int) -> str:
        before = self.text[max(floor, start - _LEAD_IN_LIMIT) : start]
        for paragraph in reversed(_PARAGRAPH_BREAK.split(before)):
            if paragraph.strip():
                return paragraph
        return ""


def _inside(span: tuple[int, int], regions: Sequence[tuple[int, int]]) -> bool:
    return any(start <= span[0] and span[1] <= end for start, end in regions)
