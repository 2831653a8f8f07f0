"""Tool calls written as text: extracting them from a model's reply, and the prompt asking for them.

For models without native tool calling. `PARSERS` maps each format name to its parser, in the
order `extract` tries them; `examples` states when a call is taken for a quoted example.
"""

from bridge.textcalls.calls import Extraction, TextToolCall
from bridge.textcalls.extract import PARSERS, extract
from bridge.textcalls.prompt import render_tool_prompt, render_tool_result
from bridge.textcalls.streaming import CALL_MARKERS, may_contain_call_prefix

__all__ = [
    "CALL_MARKERS",
    "PARSERS",
    "Extraction",
    "TextToolCall",
    "extract",
    "may_contain_call_prefix",
    "render_tool_prompt",
    "render_tool_result",
]
