"""MCP tool results turned into what a model can read, with a cap on their size."""

from __future__ import annotations

import json
from typing import Any

from bridge.mcp import CallResult
from providers.types import ContentPart, ImagePart, TextPart

__all__ = ["DEFAULT_RESULT_LIMIT", "to_parts", "truncate"]

DEFAULT_RESULT_LIMIT = 40_000  # characters of text per result


def truncate(text: str, limit: int) -> str:
    """Cut ``text`` to ``limit`` characters with a marker saying how much was cut."""
    if len(text) <= limit:
        return text
    cut = len(text) - limit
    return f"{text[:limit]}\n[... {cut} of {len(text)} characters cut: the result was too long]"


def _block(block: dict[str, Any], images: bool) -> ContentPart:
    kind = block.get("type")
    if kind == "text":
        return TextPart(str(block.get("text", "")))
    if kind in ("image", "audio"):
        mime = str(block.get("mimeType", "application/octet-stream"))
        data = str(block.get("data", ""))
        # Images go to models that see them; no adapter sends audio inside a tool result.
        if images and kind == "image":
            return ImagePart(data, mime)
        return TextPart(f"[{kind} {mime}, {len(data) * 3 // 4} bytes, not shown to this model]")
    if kind == "resource_link":
        name = block.get("name") or block.get("title") or ""
        return TextPart(f"[resource link: {block.get('uri', '')} {name}]".replace(" ]", "]"))
    if kind == "resource":
        resource = block.get("resource") or {}
        if "text" in resource:
            return TextPart(str(resource["text"]))
        mime = resource.get("mimeType", "binary")
        return TextPart(f"[embedded resource {resource.get('uri', '')} ({mime})]")
    return TextPart(f"[unsupported content block {kind!r}]")


def to_parts(result: CallResult, *, images: bool, limit: int) -> tuple[ContentPart, ...]:
    """The result's content as neutral parts; structured content alone is sent as JSON."""
    parts = [_block(block, images) for block in result.content if isinstance(block, dict)]
    if not parts and result.structured is not None:
        parts = [TextPart(json.dumps(result.structured, ensure_ascii=False))]
    if not parts:
        parts = [TextPart("(no output)")]
    budget = limit
    capped: list[ContentPart] = []
    for part in parts:
        if isinstance(part, TextPart):
            text = truncate(part.text, max(budget, 0)) if budget < len(part.text) else part.text
            budget -= len(part.text)
            capped.append(TextPart(text))
        else:
            capped.append(part)
    return tuple(capped)
