"""The table of slash commands and their completion (shared by the message box and /help).

Server prompts complete as commands too (``/server__prompt``), and ``@`` as resources.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from textual.suggester import Suggester

from agent.tui.catalog import PromptInfo, ResourceInfo

__all__ = ["COMMANDS", "SlashSuggester", "resource_matches"]

# name -> (argument hint, what it does)
COMMANDS: dict[str, tuple[str, str]] = {
    "/help": ("", "keys and commands"),
    "/tools": ("", "the fleet's tools"),
    "/servers": ("", "each server's state, tool count and last error"),
    "/model": ("provider:model", "switch the model (no argument: show it)"),
    "/clear": ("", "start a new conversation (the old one stays saved)"),
    "/save": ("", "write the session file now and show where it is"),
    "/prompts": ("", "the servers' prompts (each one is a command: /server__prompt)"),
    "/resources": ("", "the servers' resources (type @ to attach one)"),
}
MATCH_LIMIT = 8


def resource_matches(resources: Iterable[ResourceInfo], typed: str) -> list[ResourceInfo]:
    """The resources whose ``server:uri`` or name contains ``typed`` (any case), best first."""
    typed = typed.lower()
    found = [r for r in resources if typed in r.ref.lower() or typed in r.name.lower()]
    found.sort(key=lambda r: (not r.ref.lower().startswith(typed), r.ref))
    return found[:MATCH_LIMIT]


class SlashSuggester(Suggester):
    """Completes command and prompt names, and model specs after ``/model``."""

    def __init__(
        self,
        models: Callable[[], Iterable[str]] = tuple,
        prompts: Callable[[], Iterable[PromptInfo]] = tuple,
        resources: Callable[[], Iterable[ResourceInfo]] = tuple,
    ) -> None:
        super().__init__(use_cache=False, case_sensitive=True)
        self.models = models
        self.prompts = prompts
        self.resources = resources

    def complete(self, value: str) -> str | None:
        """The whole completed text for ``value``, or None."""
        if not value.startswith("/"):
            return None
        if value.startswith("/model "):
            typed = value.removeprefix("/model ")
            candidates = [f"/model {spec}" for spec in self.models() if spec.startswith(typed)]
        else:
            names = [*COMMANDS, *(f"/{p.qualified}" for p in self.prompts())]
            candidates = [name for name in names if name.startswith(value)]
        candidates = [c for c in candidates if c != value]
        return candidates[0] if candidates else None

    async def get_suggestion(self, value: str) -> str | None:
        return self.complete(value)
