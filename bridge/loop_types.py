"""What the tool-call loop and turn planning share: loop settings, tool modes, the toolset.

Kept apart from ``bridge.loop`` and ``bridge.prompting`` so that neither imports the other
for its types.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, Protocol

from bridge.results import DEFAULT_RESULT_LIMIT

if TYPE_CHECKING:  # validation imports jsonschema: not before the TUI's first paint
    from bridge.mcp import CallResult, ProgressCallback
    from bridge.validation import ArgumentValidator
    from providers.types import ToolSpec

__all__ = ["LoopSettings", "ToolMode", "Toolset"]

ToolMode = Literal["auto", "native", "text"]


class Toolset(Protocol):
    """Where the loop finds tools and sends calls (``bridge.toolset.FleetToolset``)."""

    def specs(self, dialect: str, only: str | None = None) -> list[ToolSpec]: ...

    def described(self, only: str | None = None) -> list[tuple[str, str, dict[str, Any]]]: ...

    def schemas(self) -> dict[str, dict[str, Any]]: ...

    def validator(self, name: str) -> ArgumentValidator | None: ...

    def server_of(self, name: str) -> str | None: ...

    def unavailable(self, name: str) -> str | None:
        """Why ``name``, not among the tools, belongs to a server that is down, or None."""
        ...

    async def call(
        self, name: str, arguments: dict[str, Any], on_progress: ProgressCallback | None = None
    ) -> CallResult: ...


@dataclass(frozen=True)
class LoopSettings:
    """How one run behaves; the config's ``agent:`` section and the command line fill it."""

    max_turns: int = 20
    tool_choice: str = "auto"
    parallel_tool_calls: bool = True
    tools: bool = True
    tool_mode: ToolMode = "auto"
    temperature: float | None = None
    max_tokens: int | None = None
    result_limit: int = DEFAULT_RESULT_LIMIT
