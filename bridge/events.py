"""What the tool-call loop reports as it runs, consumed alike by the CLI and the TUI.

``TextDelta`` is the providers' own: a piece of the answer passes from the model's stream
to the front end unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from bridge.calllog import ToolStats
from providers.types import TextDelta, Usage

__all__ = [
    "CallSummary",
    "Event",
    "Notice",
    "RunFinished",
    "RunReason",
    "SamplingFinished",
    "TextDelta",
    "ToolCallFinished",
    "ToolCallStarted",
    "ToolProgress",
    "ToolsLoaded",
    "TurnFinished",
]

RunReason = Literal["answered", "max_turns", "cancelled"]
SamplingOutcome = Literal["allowed", "denied"]
ToolStatus = Literal["done", "failed", "denied"]


@dataclass(frozen=True, slots=True)
class ToolCallStarted:
    """A call the model asked for is about to run (after validation and approval)."""

    call_id: str
    name: str
    arguments: dict[str, Any]
    server: str | None


@dataclass(frozen=True, slots=True)
class ToolProgress:
    """An MCP progress notification for a running call."""

    call_id: str
    progress: float
    total: float | None
    message: str | None


@dataclass(frozen=True, slots=True)
class ToolCallFinished:
    """A call's outcome as the model will see it; ``status`` says how it ended."""

    call_id: str
    name: str
    status: ToolStatus
    text: str
    duration: float
    structured: Any = None


@dataclass(frozen=True, slots=True)
class TurnFinished:
    """One model turn is over; ``tool_calls`` is how many calls it asked for."""

    turn: int
    tool_calls: int
    usage: Usage | None


@dataclass(frozen=True, slots=True)
class Notice:
    """Something the person should know that does not stop the run."""

    message: str


@dataclass(frozen=True, slots=True)
class SamplingFinished:
    """A server's ``sampling/createMessage`` was answered by the model, or refused.

    ``model`` and ``usage`` are None when it was refused (or the provider gave no usage).
    """

    server: str
    outcome: SamplingOutcome
    model: str | None = None
    usage: Usage | None = None


@dataclass(frozen=True, slots=True)
class ToolsLoaded:
    """Tool search loaded ``names`` for the following turns (``query`` found them);
    ``visible`` is how many tools the model now sees of ``total``."""

    query: str
    names: tuple[str, ...]
    visible: int
    total: int


@dataclass(frozen=True, slots=True)
class CallSummary:
    """Before ``RunFinished``: each tool called so far with its count, errors and latency."""

    tools: tuple[ToolStats, ...]


@dataclass(frozen=True, slots=True)
class RunFinished:
    """The run is over: its reason, the whole answer's text and the total usage."""

    reason: RunReason
    text: str
    turns: int
    usage: Usage = field(default_factory=Usage)


Event = (
    TextDelta
    | ToolCallStarted
    | ToolProgress
    | ToolCallFinished
    | TurnFinished
    | Notice
    | SamplingFinished
    | ToolsLoaded
    | CallSummary
    | RunFinished
)
