"""MCP tool results turned into what a model can read, with a cap on their size.

Every text a model gets from a result has its secrets masked (config/secrets.py).
"""

from __future__ import annotations

import json
from typing import Any

from bridge.mcp import CallResult
from config.secrets import mask
from providers.types import ContentPart, ImagePart, TextPart

__all__ = ["DEFAULT_RESULT_LIMIT", "describe", "to_parts", "truncate"]

DEFAULT_RESULT_LIMIT = 40_000  # characters of text per result


def truncate(text: str, limit: int) -> str:
    """Cut ``text`` to ``limit`` characters with a marker saying how much was cut."""
    if len(text) <= limit:
        return text
    cut = len(text) - limit
    return f"{text[:limit]}\n[... {cut} of {len(text)} characters cut: the result was too long]"


def describe(block: dict[str, Any], *, unseen: bool = False) -> str:
    """A block as text: its text, or one line with its type, mime type, size and uri.

    ``unseen`` adds that a model is not shown the image or audio itself.
    """
    kind = block.get("type")
    if kind == "text":
        return str(block.get("text", ""))
    if kind in ("image", "audio"):
        mime = str(block.get("mimeType", "application/octet-stream"))
        size = len(str(block.get("data", ""))) * 3 // 4
        note = ", not shown to this model" if unseen else ""
        return f"[{kind} {mime}, {size} bytes{note}]"
    if kind == "resource_link":
        name = block.get("name") or block.get("title") or ""
        mime = f" ({block['mimeType']})" if block.get("mimeType") else ""
        return f"[resource link: {block.get('uri', '')} {name}{mime}]".replace(" ]", "]")
    if kind == "resource":
        resource = block.get("resource") or {}
        if "text" in resource:
            return str(resource["text"])
        mime = resource.get("mimeType", "binary")
        blob = f", {len(str(resource['blob'])) * 3 // 4} bytes" if "blob" in resource else ""
        return f"[embedded resource {resource.get('uri', '')} ({mime}{blob})]"
    return f"[unsupported content block {kind!r}]"


def _block(block: dict[str, Any], images: bool) -> ContentPart:
    # Images go to models that see them; no adapter sends audio inside a tool result.
    if images and block.get("type") == "image":
        mime = str(block.get("mimeType", "application/octet-stream"))
        return ImagePart(str(block.get("data", "")), mime)
    return TextPart(mask(describe(block, unseen=True)))


def to_parts(result: CallResult, *, images: bool, limit: int) -> tuple[ContentPart, ...]:
    """The result's content as neutral parts; structured content alone is sent as JSON."""
    parts = [_block(block, images) for block in result.content if isinstance(block, dict)]
    if not parts and result.structured is not None:
        parts = [TextPart(mask(json.dumps(result.structured, ensure_ascii=False)))]
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
