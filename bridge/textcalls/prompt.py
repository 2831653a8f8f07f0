"""The text side of tool calling for models without native tools: the prompt and the results.

The prompt asks for Hermes-style `<tool_call>` blocks, which `extract` reads back.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from bridge.textcalls.calls import Schema

_INSTRUCTIONS = """\
# Tools

You may call the tools listed below. Each line inside <tools> is a JSON object giving a \
tool's `name`, its `description`, and its `arguments_schema`: the JSON Schema that its \
arguments must follow.

<tools>
{tools}
</tools>

To call a tool, reply with a <tool_call> block holding one JSON object with the tool's \
name and its arguments:

<tool_call>
{{"name": "tool_name", "arguments": {{"argument": "value"}}}}
</tool_call>

Write one <tool_call> block per call; to call several tools at once, write several \
blocks. Write the blocks as they are, not inside code fences or backticks. Use only the \
tool names listed above and give arguments that match the schema. After your calls, stop \
and wait: each result comes back in a <tool_response> block.

If no tool is needed, answer plainly, without any <tool_call> block."""


def render_tool_prompt(tools: Sequence[tuple[str, str, Schema]]) -> str:
    """Return a system-prompt section describing `tools` as (name, description, schema).

    It instructs the model to call tools with `<tool_call>{"name", "arguments"}</tool_call>`
    blocks, several allowed, and to answer plainly when no tool is needed.
    """
    lines = [
        json.dumps(
            {"name": name, "description": description, "arguments_schema": dict(schema)},
            ensure_ascii=False,
        )
        for name, description, schema in tools
    ]
    return _INSTRUCTIONS.format(tools="\n".join(lines))


def render_tool_result(name: str, content: str, is_error: bool) -> str:
    """Return a tool result as text for a model without a tool role: a `<tool_response>` block.

    The body is a JSON object (`name`, `content`, and `is_error` when the call failed);
    `</` is written `<\\/` (the same string to JSON), so content holding a closing tag
    cannot end the block early.
    """
    body: dict[str, object] = {"name": name, "content": content}
    if is_error:
        body["is_error"] = True
    encoded = json.dumps(body, ensure_ascii=False).replace("</", "<\\/")
    return f"<tool_response>\n{encoded}\n</tool_response>"
