"""Answering a server's ``sampling/createMessage`` with the configured model, if approved."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from bridge.approval import ApprovalRequest, Approver, Policy
from bridge.errors import RemoteError
from bridge.events import SamplingFinished
from config.secrets import mask
from providers.base import Provider
from providers.types import (
    AssistantMessage,
    ChatRequest,
    Finish,
    Message,
    SystemMessage,
    TextDelta,
    Usage,
    UserMessage,
)

__all__ = ["USER_REJECTED", "sampling_handler"]

USER_REJECTED = -1  # the code MCP gives a sampling request the user declined

SamplingHandler = Callable[[str, dict[str, Any]], Awaitable[dict[str, Any]]]


def _text(content: Any) -> str:
    """The text of a message's content, masked: a server's words reach the model cleaned."""
    blocks = content if isinstance(content, list) else [content]
    return mask(
        "\n".join(
            str(block.get("text", ""))
            if block.get("type") == "text"
            else f"[{block.get('type')} content]"
            for block in blocks
            if isinstance(block, dict)
        )
    )


def _max_tokens(value: Any) -> int | None:
    """A server's ``maxTokens`` when it is a positive int; anything else is not passed on."""
    return value if type(value) is int and value > 0 else None


def _temperature(value: Any) -> float | None:
    """A server's ``temperature`` when it is a number, not negative; else not passed on."""
    return float(value) if type(value) in (int, float) and value >= 0 else None


def _messages(params: dict[str, Any]) -> list[Message]:
    messages: list[Message] = []
    if params.get("systemPrompt"):
        messages.append(SystemMessage(mask(str(params["systemPrompt"]))))
    items = params.get("messages")
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict):
            continue  # not a message: nothing of it can be sent
        text = _text(item.get("content"))
        messages.append(
            AssistantMessage(text=text) if item.get("role") == "assistant" else UserMessage(text)
        )
    return messages


def sampling_handler(
    provider: Callable[[], Awaitable[Provider]],
    policy: Policy,
    approver: Approver | None,
    report: Callable[[SamplingFinished], None] | None = None,
) -> SamplingHandler:
    """A fleet handler: ask per the policy's ``sampling`` rule, then let the model answer.

    ``report`` hears every request's outcome, so that a run's events show that a server
    spent the person's model (and how many tokens), or was refused.
    """

    def tell(event: SamplingFinished) -> None:
        if report is not None:
            report(event)

    async def handle(server: str, params: dict[str, Any]) -> dict[str, Any]:
        request = ApprovalRequest("sampling", f"{server} sampling", params, server)
        if not await policy.decide(request, approver):
            tell(SamplingFinished(server, "denied"))
            raise RemoteError(USER_REJECTED, "the user declined the sampling request")
        model = await provider()
        chat = ChatRequest(
            messages=_messages(params),
            max_tokens=_max_tokens(params.get("maxTokens")),
            temperature=_temperature(params.get("temperature")),
        )
        pieces: list[str] = []
        usage: Usage | None = None
        try:
            async for event in model.stream(chat):
                if isinstance(event, TextDelta):
                    pieces.append(event.text)
                elif isinstance(event, Finish):
                    usage = event.usage
        finally:
            # Allowed is allowed even when the model then fails: the server's prompt went out.
            tell(SamplingFinished(server, "allowed", str(model.model), usage))
        return {
            "role": "assistant",
            "content": {"type": "text", "text": "".join(pieces)},
            "model": model.model,
            "stopReason": "endTurn",
        }

    return handle
