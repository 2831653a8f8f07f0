"""Fakes that script rather than patch: a scripted provider, and a fleet of real toolboxes."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from bridge.fleet import Fleet
from bridge.toolset import FleetToolset
from config.schema import ServerConfig
from providers.errors import ProviderError
from providers.types import (
    AssistantMessage,
    Capabilities,
    ChatRequest,
    Finish,
    StreamEvent,
    TextDelta,
    ToolCall,
    Usage,
)


@dataclass(frozen=True)
class Turn:
    """One scripted model reply: text (streamed in small pieces) and tool calls."""

    text: str = ""
    calls: tuple[ToolCall, ...] = ()


def call(
    name: str, call_id: str | None = None, raw: str | None = None, **arguments: Any
) -> ToolCall:
    return ToolCall(call_id or f"id-{name}-{len(arguments)}", name, arguments, raw)


@dataclass
class ScriptedProvider:
    """Plays back a list of turns (or raises the errors in it), recording every request."""

    turns: list[Turn | ProviderError]
    capabilities: Capabilities = field(default_factory=lambda: Capabilities(dialect="openai"))
    name: str = "scripted"
    model: str = "scripted-1"
    requests: list[ChatRequest] = field(default_factory=list)

    async def stream(self, request: ChatRequest) -> AsyncIterator[StreamEvent]:
        self.requests.append(request)
        if not self.turns:
            raise AssertionError("the script ran out of turns")
        turn = self.turns.pop(0)
        if isinstance(turn, ProviderError):
            raise turn
        for start in range(0, len(turn.text), 7):
            yield TextDelta(turn.text[start : start + 7])
        reason = "tool_calls" if turn.calls else "stop"
        message = AssistantMessage(text=turn.text, tool_calls=turn.calls)
        yield Finish(reason, Usage(10, 5), message)

    async def aclose(self) -> None:
        pass


def toolbox_config(**extra: Any) -> ServerConfig:
    return ServerConfig.model_validate(
        {"command": sys.executable, "args": ["-m", "agent", "toolbox"], **extra}
    )


@asynccontextmanager
async def toolbox_fleet(**servers: ServerConfig) -> AsyncIterator[FleetToolset]:
    """A fleet of real toolbox servers (one named ``box`` unless others are given)."""
    configs = servers or {"box": toolbox_config()}
    fleet = Fleet(configs)
    async with fleet:
        toolset = FleetToolset(fleet, configs)
        fleet.on_tools_changed = toolset.refresh
        yield toolset
