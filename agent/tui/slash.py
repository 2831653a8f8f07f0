"""Slash commands of the chat: their table, their completion, and what each one does."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from typing import TYPE_CHECKING

from textual.suggester import Suggester

from agent.render import sanitize
from agent.sessions import SessionFile
from config.errors import HostError
from providers.types import SystemMessage, Usage

if TYPE_CHECKING:
    from agent.tui.app import ChatApp

__all__ = ["COMMANDS", "HELP", "SlashSuggester", "run_command"]

# name -> (argument hint, what it does)
COMMANDS: dict[str, tuple[str, str]] = {
    "/help": ("", "keys and commands"),
    "/tools": ("", "the fleet's tools"),
    "/servers": ("", "each server's state, tool count and last error"),
    "/model": ("provider:model", "switch the model (no argument: show it)"),
    "/clear": ("", "start a new conversation (the old one stays saved)"),
    "/save": ("", "write the session file now and show where it is"),
}

KEYS = (
    ("enter", "send the message"),
    ("ctrl+j / shift+enter", "new line in the message"),
    ("up / down", "previous / next sent message (on the first / last line)"),
    ("tab / right", "take the completion of a slash command"),
    ("ctrl+c / esc", "cancel the running turn"),
    ("ctrl+b", "show or hide the fleet panel"),
    ("f1", "this help"),
    ("ctrl+q", "quit (servers are shut down)"),
)


def _help() -> str:
    keys = "\n".join(f"| `{key}` | {what} |" for key, what in KEYS)
    commands = "\n".join(
        f"| `{name}{' ' + hint if hint else ''}` | {what} |"
        for name, (hint, what) in COMMANDS.items()
    )
    return f"| key | does |\n|---|---|\n{keys}\n\n| command | does |\n|---|---|\n{commands}"


HELP = _help()


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


def _cell(text: str) -> str:
    return sanitize(text).replace("|", "\\|").replace("\n", " ")


async def _tools(app: ChatApp, argument: str) -> None:
    if app.toolset is None:
        await app.notice("the fleet is still starting")
        return
    rows = [
        f"| `{_cell(e.qualified)}` | {_cell((e.tool.description or '').strip()[:100])} |"
        for e in app.toolset.entries()
    ]
    table = "\n".join(["| tool | description |", "|---|---|", *rows])
    await app.notice(f"**{len(rows)} tools**\n\n{table}" if rows else "no tools")


async def _servers(app: ChatApp, argument: str) -> None:
    if app.toolset is None:
        await app.notice("the fleet is still starting")
        return
    rows = [
        f"| {_cell(r.name)} | {r.transport} | {r.state.value} | {r.tool_count} | "
        f"{_cell(r.last_error or '')} |"
        for r in app.toolset.fleet.status()
    ]
    header = "| server | transport | state | tools | last error |\n|---|---|---|---|---|"
    await app.notice("\n".join([header, *rows]))


async def _model(app: ChatApp, spec: str) -> None:
    """Use another model from the next turn on."""
    if not spec:
        await app.notice(f"the model is `{_cell(app.model_label)}`; `/model provider:model`")
        return
    if app.models is None:
        await app.notice("this chat cannot switch models", error=True)
        return
    if app.turn_running:
        await app.notice("wait for the turn to end (or cancel it) first", error=True)
        return
    try:
        provider = await app.models(spec)
    except HostError as exc:
        await app.notice(f"cannot use `{_cell(spec)}`: {exc}", error=True)
        return
    old, app.provider, app.model_label = app.provider, provider, spec
    app.sub_title = spec
    if old is not None:
        await old.aclose()
    app.refresh_panel()
    await app.notice(f"now using `{_cell(spec)}`")


async def _help_command(app: ChatApp, argument: str) -> None:
    await app.notice(HELP)


async def _clear(app: ChatApp, argument: str) -> None:
    """A fresh conversation (same system prompt); the old session stays on disk."""
    if app.turn_running:
        await app.notice("wait for the turn to end (or cancel it) first", error=True)
        return
    app.save_session()
    app.messages = [m for m in app.messages if isinstance(m, SystemMessage)]
    if app.session is not None:
        app.session = SessionFile.create(app.session.path.parent)
    app.usage = Usage()
    await app.transcript.clear()
    app.refresh_panel()


async def _save(app: ChatApp, argument: str) -> None:
    path = app.save_session()
    await app.notice(f"saved to `{path}`" if path else "nothing to save yet")


HANDLERS: dict[str, Callable[[ChatApp, str], Awaitable[None]]] = {
    "/help": _help_command,
    "/tools": _tools,
    "/servers": _servers,
    "/model": _model,
    "/clear": _clear,
    "/save": _save,
}


async def run_command(app: ChatApp, text: str) -> None:
    """Run one slash command line."""
    name, _, argument = text.strip().partition(" ")
    handler = HANDLERS.get(name)
    if handler is None:
        await app.notice(f"unknown command `{_cell(name)}`; /help lists them", error=True)
        return
    await handler(app, argument.strip())
