"""MCP objects as the rest of the host sees them, parsed once from the wire."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "CallResult",
    "Progress",
    "ProgressCallback",
    "ServerInfo",
    "Tool",
]


@dataclass(frozen=True, slots=True)
class Tool:
    """One tool as the server listed it; ``input_schema`` is the original, untouched."""

    name: str
    description: str = ""
    input_schema: dict[str, Any] = field(default_factory=dict)
    output_schema: dict[str, Any] | None = None
    title: str | None = None
    annotations: dict[str, Any] | None = None

    @classmethod
    def from_wire(cls, data: dict[str, Any]) -> Tool:
        # Servers are hostile until cleaned: a field of the wrong type is left out.
        schema = data.get("inputSchema")
        description = data.get("description")
        output = data.get("outputSchema")
        title = data.get("title")
        annotations = data.get("annotations")
        return cls(
            name=str(data["name"]),
            description=description if isinstance(description, str) else "",
            input_schema=schema if isinstance(schema, dict) else {"type": "object"},
            output_schema=output if isinstance(output, dict) else None,
            title=title if isinstance(title, str) else None,
            annotations=annotations if isinstance(annotations, dict) else None,
        )


@dataclass(frozen=True, slots=True)
class CallResult:
    """The result of ``tools/call``: tool failures are ``is_error`` results, not exceptions."""

    content: list[dict[str, Any]]
    is_error: bool = False
    structured: Any = None
    raw: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_wire(cls, data: dict[str, Any]) -> CallResult:
        content = data.get("content")
        return cls(
            content=content if isinstance(content, list) else [],
            is_error=bool(data.get("isError", False)),
            structured=data.get("structuredContent"),
            raw=data,
        )

    @property
    def text(self) -> str:
        """The text blocks joined by newlines (other blocks are left out)."""
        return "\n".join(
            str(block.get("text", ""))
            for block in self.content
            if isinstance(block, dict) and block.get("type") == "text"
        )


@dataclass(frozen=True, slots=True)
class Progress:
    """One ``notifications/progress`` for a request of ours."""

    progress: float
    total: float | None = None
    message: str | None = None


ProgressCallback = Callable[[Progress], None]


@dataclass(frozen=True, slots=True)
class ServerInfo:
    """What the server said about itself during the handshake."""

    name: str
    version: str
    protocol_version: str
    capabilities: dict[str, Any]
    instructions: str | None = None
