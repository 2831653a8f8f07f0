"""The table of slash commands and their completion (shared by the message box and /help)."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from textual.suggester import Suggester

__all__ = ["COMMANDS", "SlashSuggester"]

# name -> (argument hint, what it does)
COMMANDS: dict[str, tuple[str, str]] = {
    "/help": ("", "keys and commands"),
    "/tools": ("", "the fleet's tools"),
    "/servers": ("", "each server's state, tool count and last error"),
    "/model": ("provider:model", "switch the model (no argument: show it)"),
    "/clear": ("", "start a new conversation (the old one stays saved)"),
    "/save": ("", "write the session file now and show where it is"),
}


class SlashSuggester(Suggester):
    """Completes command names, and model specs after ``/model``."""

    def __init__(self, models: Callable[[], Iterable[str]] = tuple) -> None:
        super().__init__(use_cache=False, case_sensitive=True)
        self.models = models

    def complete(self, value: str) -> str | None:
        """The whole completed text for ``value``, or None."""
        if not value.startswith("/"):
            return None
        if value.startswith("/model "):
            typed = value.removeprefix("/model ")
            candidates = [f"/model {spec}" for spec in self.models() if spec.startswith(typed)]
        else:
            candidates = [name for name in COMMANDS if name.startswith(value)]
        candidates = [c for c in candidates if c != value]
        return candidates[0] if candidates else None

    async def get_suggestion(self, value: str) -> str | None:
        return self.complete(value)
