"""Planning one model turn: which tools to send, how to force a choice, how to read the reply.

Native mode sends tool specs in the provider's dialect. Text mode (no native tool calling)
describes the tools in the system prompt and reads calls back from the reply's text. A
``tool_choice`` the provider cannot enforce is emulated: only the chosen tools are sent,
the system prompt says a call is required, and the loop retries once if none comes. A
forced choice applies to the first turn only, so a run can still end with an answer.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from bridge.loop_types import LoopSettings, ToolMode, Toolset
from bridge.textcalls import extract, may_contain_call_prefix, render_tool_prompt
from bridge.textcalls import render_tool_result as render_result
from providers.types import (
    AssistantMessage,
    Capabilities,
    Message,
    SystemMessage,
    ToolCall,
    ToolResultMessage,
    ToolSpec,
    UserMessage,
    choice_mode,
)

__all__ = ["ToolMode", "TurnPlan", "plan_turn"]


def _never(_text: str) -> bool:
    return False


@dataclass
class TurnPlan:
    """What to send for one turn, and how to turn the reply into an assistant message."""

    messages: list[Message]
    tools: list[ToolSpec] = field(default_factory=list)
    tool_choice: str = "auto"
    options: dict[str, Any] = field(default_factory=dict)
    must_call: bool = False
    text_mode: bool = False
    schemas: dict[str, dict[str, Any]] = field(default_factory=dict)
    hold_back_markup: Callable[[str], bool] = _never

    def parse(self, message: AssistantMessage, streamed: Sequence[str]) -> AssistantMessage:
        """Take calls written as text out of the reply (native calls pass untouched)."""
        if message.tool_calls or not message.text or not self.schemas:
            return message
        if not self.text_mode and not may_contain_call_prefix(message.text):
            return message
        found = extract(message.text, self.schemas)
        if not found.calls:
            return message
        calls = tuple(
            ToolCall(f"call_{uuid.uuid4().hex[:12]}", call.name, call.arguments)
            for call in found.calls
        )
        return replace(message, text=found.text, tool_calls=calls)


def plan_turn(
    toolset: Toolset,
    messages: list[Message],
    settings: LoopSettings,
    capabilities: Capabilities,
    text_mode: bool,
    *,
    first_turn: bool,
    retry: bool,
) -> TurnPlan:
    """Plan the next request from the conversation so far."""
    choice = settings.tool_choice if first_turn else "auto"
    mode = choice_mode(choice)
    if not settings.tools or mode == "none":
        history = _as_text(messages) if text_mode else list(messages)
        return TurnPlan(history)
    only = choice if mode == "named" else None
    forced = mode in ("required", "named")
    if text_mode:
        described = toolset.described(only)
        prompt = render_tool_prompt(described)
        if forced:
            prompt += "\n\n" + _instruction(only, retry)
        return TurnPlan(
            _with_system(_as_text(messages), prompt),
            must_call=forced,
            text_mode=True,
            schemas={name: schema for name, _, schema in described},
            hold_back_markup=may_contain_call_prefix,
        )
    tools = toolset.specs(capabilities.dialect, only)
    plan = TurnPlan(list(messages), tools=tools, schemas=toolset.schemas())
    if not forced:
        return plan
    if capabilities.supports_choice(choice):
        plan.tool_choice = choice
        return plan
    plan.messages = _with_system(plan.messages, _instruction(only, retry))
    plan.must_call = True
    return plan


def _instruction(only: str | None, retry: bool) -> str:
    target = f"the tool {only}" if only else "one of the tools"
    text = f"You must call {target} now, before answering."
    if retry:
        text += f" Your last reply did not call {target}. Reply only with the call."
    return text


def _with_system(messages: list[Message], extra: str) -> list[Message]:
    for index, message in enumerate(messages):
        if isinstance(message, SystemMessage):
            updated = list(messages)
            updated[index] = SystemMessage(f"{message.text}\n\n{extra}")
            return updated
    return [SystemMessage(extra), *messages]


def _as_text(messages: list[Message]) -> list[Message]:
    """History for a model without a tool role: calls and results written as text."""
    out: list[Message] = []
    for message in messages:
        if isinstance(message, AssistantMessage) and message.tool_calls:
            calls = "\n".join(
                f'<tool_call>{{"name": "{c.name}", "arguments": {_json(c.arguments)}}}</tool_call>'
                for c in message.tool_calls
            )
            text = f"{message.text}\n{calls}".strip()
            out.append(AssistantMessage(text=text))
        elif isinstance(message, ToolResultMessage):
            out.append(
                UserMessage(render_result(message.tool_name, message.text, message.is_error))
            )
        else:
            out.append(message)
    return out


def _json(value: Any) -> str:
    import json

    return json.dumps(value, ensure_ascii=False)
