"""MCP prompts across the fleet: listed under qualified names, rendered, completed.

A prompt's qualified name follows the tools' rules (``server__prompt``, see
``bridge.naming``), so ``agent prompt everything__args-prompt`` and the chat's
``/everything__args-prompt`` name the same prompt. ``list_prompts`` asks every server that
declares the ``prompts`` capability at once; ``get_prompt`` renders one with its arguments
and ``prompt_messages`` turns the result into the conversation's opening messages;
``complete`` asks the owning server for an argument's values (``completion/complete``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bridge.errors import BridgeError, MCPError
from bridge.naming import NameTable
from bridge.resources import block_parts, live_sessions
from providers.types import AssistantMessage, ContentPart, Message, TextPart, UserMessage

if TYPE_CHECKING:
    from bridge.fleet import Fleet

__all__ = [
    "PromptArgument",
    "PromptInfo",
    "PromptListing",
    "RenderedPrompt",
    "complete",
    "find_prompt",
    "get_prompt",
    "list_prompts",
    "prompt_messages",
]


class PromptError(BridgeError):
    """A prompt that is not there, or arguments it cannot take (exit 2: fix the command)."""

    exit_code = 2


@dataclass(frozen=True, slots=True)
class PromptArgument:
    name: str
    description: str = ""
    required: bool = False


@dataclass(frozen=True, slots=True)
class PromptInfo:
    """One prompt of one server, under its qualified name."""

    qualified: str
    server: str
    name: str
    title: str | None
    description: str
    arguments: tuple[PromptArgument, ...] = ()
    wire: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)
    """The item as the server listed it (``agent serve`` passes it on, renamed)."""

    def missing(self, given: Mapping[str, str]) -> list[str]:
        """The required arguments ``given`` lacks."""
        return [a.name for a in self.arguments if a.required and a.name not in given]


@dataclass
class PromptListing:
    """The fleet's prompts, and the servers that failed to list theirs (name -> error)."""

    prompts: list[PromptInfo] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class RenderedPrompt:
    """``prompts/get``'s answer: its description and its messages as the server sent them."""

    prompt: PromptInfo
    description: str
    messages: tuple[dict[str, Any], ...]


async def list_prompts(fleet: Fleet) -> PromptListing:
    """Every server's prompts, asked concurrently; a server that fails is noted, not fatal."""
    sessions = await live_sessions(fleet, "prompts")
    listing = PromptListing()
    answers = await asyncio.gather(
        *(session.list_prompts() for _, session in sessions), return_exceptions=True
    )
    found: list[tuple[str, dict[str, Any]]] = []
    for (server, _), answer in zip(sessions, answers, strict=True):
        if isinstance(answer, MCPError):
            listing.errors[server] = str(answer)
        elif isinstance(answer, BaseException):
            raise answer
        else:
            found.extend((server, item) for item in answer if _named(item))
    table = NameTable.build(((s, str(item["name"])) for s, item in found), _prefixes(fleet))
    for server, item in found:
        listing.prompts.append(_info(table.qualified(server, str(item["name"])), server, item))
    return listing


def find_prompt(listing: PromptListing, qualified: str) -> PromptInfo:
    """The prompt named ``qualified``; an unknown name raises naming the known ones."""
    for prompt in listing.prompts:
        if prompt.qualified == qualified:
            return prompt
    known = ", ".join(p.qualified for p in listing.prompts) or "none"
    raise PromptError(f"no prompt named {qualified!r}; the prompts are: {known}")


async def get_prompt(
    fleet: Fleet, prompt: PromptInfo, arguments: Mapping[str, str]
) -> RenderedPrompt:
    """Render ``prompt`` with ``arguments``; missing required ones raise before any request."""
    missing = prompt.missing(arguments)
    if missing:
        raise PromptError(
            f"prompt {prompt.qualified} needs {', '.join(missing)}: "
            + " ".join(f"--arg {name}=..." for name in missing)
        )
    session = fleet.session(prompt.server)
    if session is None:
        raise PromptError(f"server {prompt.server!r} is not up")
    result = await session.get_prompt(prompt.name, dict(arguments))
    raw = result.get("messages") or []
    messages = tuple(m for m in raw if isinstance(m, dict)) if isinstance(raw, list) else ()
    return RenderedPrompt(prompt, str(result.get("description") or ""), messages)


def prompt_messages(rendered: RenderedPrompt, *, images: bool) -> list[Message]:
    """The prompt's messages in the neutral vocabulary; consecutive same-role ones are kept
    apart, as the server sent them. Assistant messages carry their text only."""
    messages: list[Message] = []
    for item in rendered.messages:
        content = item.get("content")
        blocks = content if isinstance(content, list) else [content]
        parts: list[ContentPart] = []
        for block in blocks:
            if isinstance(block, dict):
                parts.extend(block_parts(block, images=images))
        if item.get("role") == "assistant":
            text = "\n".join(p.text for p in parts if isinstance(p, TextPart))
            messages.append(AssistantMessage(text=text))
        elif all(isinstance(p, TextPart) for p in parts):
            messages.append(
                UserMessage("\n".join(p.text for p in parts if isinstance(p, TextPart)))
            )
        else:
            messages.append(UserMessage(tuple(parts)))
    return messages


async def complete(
    fleet: Fleet,
    server: str,
    ref: dict[str, Any],
    argument: str,
    value: str,
    context: Mapping[str, str] | None = None,
) -> list[str]:
    """Values for ``argument`` starting from ``value`` (``ref``: ``{"type": "ref/prompt",
    "name": ...}`` or ``{"type": "ref/resource", "uri": template}``); [] when the server
    has no completions."""
    session = fleet.session(server)
    if session is None or session.server is None:
        return []
    if "completions" not in session.server.capabilities:
        return []
    answer = await session.complete(ref, {"name": argument, "value": value}, dict(context or {}))
    values = answer.get("values") or []
    return [str(v) for v in values if isinstance(v, str)] if isinstance(values, list) else []


def _named(item: Any) -> bool:
    return isinstance(item, dict) and isinstance(item.get("name"), str) and bool(item["name"])


def _prefixes(fleet: Fleet) -> dict[str, str]:
    """The servers' prefixes, as the tool catalog takes them (an empty one: no namespace)."""
    configs = {name: fleet.config(name) for name in fleet.names}
    return {name: config.prefix for name, config in configs.items() if config.prefix is not None}


def _info(qualified: str, server: str, item: dict[str, Any]) -> PromptInfo:
    raw = item.get("arguments")
    arguments = tuple(
        PromptArgument(str(a["name"]), str(a.get("description") or ""), a.get("required") is True)
        for a in (raw if isinstance(raw, list) else [])
        if _named(a)
    )
    title = item.get("title")
    return PromptInfo(
        qualified,
        server,
        str(item["name"]),
        title if isinstance(title, str) else None,
        str(item.get("description") or ""),
        arguments,
        item,
    )
