"""Help a streaming front-end decide which text it may show before the reply is complete.

Text that may still turn into call markup is held back until `extract` has seen it all.
"""

from __future__ import annotations

# Markers that open a call in one of the formats `extract` reads. ReAct's "Action:" and
# the fences are plain words, but a reply holding them is about to be parsed anyway.
CALL_MARKERS: tuple[str, ...] = (
    "<tool_call>",
    "<function=",
    "[TOOL_CALLS]",
    "<\uff5ctool\u2581calls\u2581begin\uff5c>",
    "<\uff5ctool\u2581call\u2581begin\uff5c>",
    "<start_function_call>",
    "<|tool_call>",
    "<|channel|>",
    "<|start|>assistant",
    "<|python_tag|>",
    "<|python_start|>",
    "```json",
    "```tool_call",
    "```tool_code",
    "Action:",
)

# A reply that opens with one of these may be a Llama JSON call, a pythonic list or a
# bare JSON call; it is held until it is complete.
_OPENERS = ("{", "[")


def may_contain_call_prefix(text: str) -> bool:
    """Whether the reply so far holds, or may be starting, tool-call markup.

    True when a call marker appears anywhere, when the text ends with the beginning of one
    (`"Let me check <tool_"`), or when the reply opens with `{` or `[`. Bare JSON later in
    prose is not foreseen: a front-end would otherwise hold back every brace.
    """
    stripped = text.lstrip()
    if stripped.startswith(_OPENERS):
        return True
    if any(marker in text for marker in CALL_MARKERS):
        return True
    tail = text[-max(len(marker) for marker in CALL_MARKERS) :]
    return any(
        tail.endswith(marker[:length])
        for marker in CALL_MARKERS
        for length in range(1, len(marker))
    )
