"""The neutral vocabulary every provider speaks: messages, tool specs and calls, stream events.

Frozen dataclasses only; no SDK type ever appears here (vendor data rides in the opaque
``AssistantMessage.provider_state`` slot).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from config.errors import ConfigError

__all__ = [
    "TOOL_CHOICE_MODES",
    "AssistantMessage",
    "AudioPart",
    "Capabilities",
    "ChatRequest",
    "ContentPart",
    "Finish",
    "FinishReason",
    "ImagePart",
    "Message",
    "Notice",
    "StreamEvent",
    "SystemMessage",
    "TextDelta",
    "TextPart",
    "ToolCall",
    "ToolChoiceMode",
    "ToolResultMessage",
    "ToolSpec",
    "Usage",
    "UserMessage",
    "choice_mode",
]


# -- content parts -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TextPart:
    text: str


@dataclass(frozen=True, slots=True)
class ImagePart:
    """An image as base64 ``data`` with its ``mime_type`` (``image/png``, ...)."""

    data: str
    mime_type: str


@dataclass(frozen=True, slots=True)
class AudioPart:
    """Audio as base64 ``data`` with its ``mime_type`` (``audio/wav``, ...)."""

    data: str
    mime_type: str


ContentPart = TextPart | ImagePart | AudioPart


def _text_of(parts: Sequence[ContentPart]) -> str:
    return "\n".join(p.text for p in parts if isinstance(p, TextPart))


# -- tools ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ToolSpec:
    """A tool offered to the model; ``parameters`` is already in the provider's dialect.

    ``strict`` asks for OpenAI strict mode; the bridge sets it only when the schema obeys it.
    """

    name: str
    description: str
    parameters: Mapping[str, Any]
    strict: bool = False


@dataclass(frozen=True, slots=True)
class ToolCall:
    """A call the model asked for.

    When the model's arguments were not a JSON object, ``arguments`` is empty and
    ``raw_arguments`` holds the text as sent, so the loop can answer with an error result.
    """

    id: str
    name: str
    arguments: Mapping[str, Any]
    raw_arguments: str | None = None

    @property
    def arguments_ok(self) -> bool:
        return self.raw_arguments is None


# -- messages ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SystemMessage:
    text: str


@dataclass(frozen=True, slots=True)
class UserMessage:
    """What the person said: a string, or parts when images or audio come along."""

    content: str | tuple[ContentPart, ...]

    @property
    def parts(self) -> tuple[ContentPart, ...]:
        if isinstance(self.content, str):
            return (TextPart(self.content),)
        return self.content

    @property
    def text(self) -> str:
        return _text_of(self.parts)


@dataclass(frozen=True, slots=True)
class AssistantMessage:
    """A model turn. ``provider_state`` is the adapter's own record of the turn.

    Adapters put there what their API needs echoed back unchanged (Gemini's content with
    ``thoughtSignature``s); it is JSON-ready data, opaque to everyone else.
    """

    text: str = ""
    tool_calls: tuple[ToolCall, ...] = ()
    provider_state: Any = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class ToolResultMessage:
    """The outcome of one tool call, sent back to the model (``is_error`` for failures)."""

    call_id: str
    tool_name: str
    content: tuple[ContentPart, ...]
    is_error: bool = False

    @property
    def text(self) -> str:
        return _text_of(self.content)


Message = SystemMessage | UserMessage | AssistantMessage | ToolResultMessage


# -- stream events -------------------------------------------------------------------------

FinishReason = Literal["stop", "tool_calls", "length", "content_filter", "error", "other"]


@dataclass(frozen=True, slots=True)
class Usage:
    """Tokens a request (or, summed with ``+``, a whole run) spent."""

    input_tokens: int = 0
    output_tokens: int = 0

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            self.input_tokens + other.input_tokens, self.output_tokens + other.output_tokens
        )


@dataclass(frozen=True, slots=True)
class TextDelta:
    text: str


@dataclass(frozen=True, slots=True)
class Finish:
    """The last event of a stream; ``message`` is the whole turn, ready for the history."""

    reason: FinishReason
    usage: Usage | None = None
    message: AssistantMessage = AssistantMessage()


@dataclass(frozen=True, slots=True)
class Notice:
    """Something the person should know about how the model is being reached (said once)."""

    message: str


# Tool calls travel only in ``Finish.message``: a call is not final before the turn is
# (the loop makes ids unique, reads calls out of text, may retry a forced choice), and
# ``bridge.events.ToolCallStarted`` announces each one once it is validated and approved.
StreamEvent = TextDelta | Notice | Finish


# -- requests and capabilities ---------------------------------------------------------------

# The config's words, used as they are everywhere: ``named`` is a choice of one tool by name.
ToolChoiceMode = Literal["auto", "none", "required", "named"]
TOOL_CHOICE_MODES: frozenset[str] = frozenset({"auto", "none", "required", "named"})


def choice_mode(tool_choice: str) -> ToolChoiceMode:
    """Name the mode of a ``tool_choice``: a keyword, or ``"named"`` for a tool name."""
    modes: dict[str, ToolChoiceMode] = {"auto": "auto", "none": "none", "required": "required"}
    return modes.get(tool_choice, "named")


@dataclass(frozen=True, slots=True)
class ChatRequest:
    """One call to the model.

    ``tool_choice`` is ``"auto"``, ``"none"``, ``"required"`` or the name of one tool;
    ``parallel_tool_calls`` is only sent with tools; ``options`` are extra request
    parameters of the provider's own API, passed through as they are.
    """

    messages: Sequence[Message]
    tools: Sequence[ToolSpec] = ()
    tool_choice: str = "auto"
    parallel_tool_calls: bool | None = None
    temperature: float | None = None
    max_tokens: int | None = None
    options: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Capabilities:
    """What a provider can do natively; the bridge falls back to prompt tools where not.

    ``dialect`` is the schema dialect of its tool parameters: ``"openai"``,
    ``"openai-strict"``, ``"gemini"`` or ``"ollama"``.
    """

    dialect: str
    native_tools: bool = True
    tool_choice: frozenset[str] = TOOL_CHOICE_MODES
    parallel_tool_calls: bool = True
    images: bool = True

    def supports_choice(self, tool_choice: str) -> bool:
        return self.native_tools and choice_mode(tool_choice) in self.tool_choice

    def with_overrides(self, overrides: Mapping[str, Any] | None) -> Capabilities:
        """Return a copy with fields from config replaced (``tool_choice`` may be a list)."""
        if not overrides:
            return self
        known = {f.name for f in dataclasses.fields(self)}
        unknown = sorted(set(overrides) - known)
        if unknown:
            raise ConfigError(
                f"unknown capability {', '.join(unknown)}; use one of {', '.join(sorted(known))}",
                key="capabilities",
            )
        changes = dict(overrides)
        if "tool_choice" in changes:
            modes = frozenset(changes["tool_choice"])
            if not modes <= TOOL_CHOICE_MODES:
                bad = ", ".join(sorted(modes - TOOL_CHOICE_MODES))
                raise ConfigError(
                    f"unknown tool_choice mode {bad}; use auto, none, required or named",
                    key="capabilities.tool_choice",
                )
            changes["tool_choice"] = modes
        return dataclasses.replace(self, **changes)
