"""Answering a server's ``sampling/createMessage`` with the configured model, if approved."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from bridge.approval import ApprovalRequest, Approver, Policy
from bridge.errors import RemoteError
from providers.types import (
    AssistantMessage,
    ChatRequest,
    Message,
    SystemMessage,
    TextDelta,
    UserMessage,
)

__all__ = ["USER_REJECTED", "sampling_handler"]

USER_REJECTED = -1  # the code MCP gives a sampling request the user declined

SamplingHandler = Callable[[str, dict[str, Any]], Awaitable[dict[str, Any]]]


def _text(content: Any) -> str:
    blocks = content if isinstance(content, list) else [content]
    return "\n".join(
        str(block.get("text", ""))
        if block.get("type") == "text"
        else f"[{block.get('type')} content]"
        for block in blocks
        if isinstance(block, dict)
    )


def _messages(params: dict[str, Any]) -> list[Message]:
    messages: list[Message] = []
    if params.get("systemPrompt"):
        messages.append(SystemMessage(str(params["systemPrompt"])))
    for item in params.get("messages") or []:
        text = _text(item.get("content"))
        messages.append(
            AssistantMessage(text=text) if item.get("role") == "assistant" else UserMessage(text)
        )
    return messages


def sampling_handler(
    provider: Callable[[], Awaitable[Any]], policy: Policy, approver: Approver | None
) -> SamplingHandler:
    """A fleet handler: ask per the policy's ``sampling`` rule, then let the model answer."""

    async def handle(server: str, params: dict[str, Any]) -> dict[str, Any]:
        request = ApprovalRequest("sampling", f"{server} sampling", params, server)
        if not await policy.decide(request, approver):
            raise RemoteError(USER_REJECTED, "the user declined the sampling request")
        model = await provider()
        chat = ChatRequest(
            messages=_messages(params),
            max_tokens=params.get("maxTokens"),
            temperature=params.get("temperature"),
        )
        pieces = [event.text async for event in model.stream(chat) if isinstance(event, TextDelta)]
        return {
            "role": "assistant",
            "content": {"type": "text", "text": "".join(pieces)},
            "model": model.model,
            "stopReason": "endTurn",
        }

    return handle
