"""Slash commands of the chat: what each one does, through the app's ``ChatControls``.

Commands never write the app's attributes: they read what they show and ask the app
(``switch_model``, ``new_conversation``, ``save_session``, ``send_prompt``) to change itself.
Every server prompt is a command too: ``/server__prompt name=value ...``.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from agent.terminal import clean
from agent.tui.completion import COMMANDS
from config.errors import HostError

if TYPE_CHECKING:
    from agent.tui.catalog import FleetCatalog, PromptInfo
    from bridge.fleet import ServerStatus
    from bridge.toolset import FleetToolset
    from providers.types import Message

__all__ = ["HELP", "KEYS", "ChatControls", "run_command", "shorten"]

KEYS = (
    ("enter", "send the message (during a turn it waits, shown as queued)"),
    ("ctrl+j / shift+enter", "new line in the message"),
    ("up / down", "previous / next sent message (on the first / last line)"),
    ("tab / right", "take the completion of a slash command"),
    ("@", "attach a resource: up / down choose, tab or enter attach (click a chip: remove)"),
    ("ctrl+c / esc", "cancel the running turn"),
    ("esc", "back to the message box (from a tool result or the transcript)"),
    ("shift+tab", "move into the transcript (tool results)"),
    ("ctrl+b", "show or hide the fleet panel"),
    ("f1", "this help"),
    ("ctrl+q", "quit (servers are shut down)"),
)
DESCRIPTION_LIMIT = 100
_MARKDOWN = re.compile(r"([\\`*_\[\]<>#|~!])")


class ChatControls(Protocol):
    """What a slash command may read from the chat and ask of it."""

    @property
    def toolset(self) -> FleetToolset | None: ...
    @property
    def model_label(self) -> str: ...
    @property
    def turn_running(self) -> bool: ...
    @property
    def can_switch_models(self) -> bool: ...
    @property
    def catalog(self) -> FleetCatalog | None: ...

    async def notice(self, text: str, *, error: bool = False, markdown: bool = False) -> None:
        """Show a note in the transcript (literal unless ``markdown``)."""

    async def switch_model(self, spec: str) -> None:
        """Use ``spec`` from the next turn on (raises ``HostError`` when it cannot)."""

    async def new_conversation(self) -> Path | None:
        """Start afresh; the path the old conversation was saved to (None: nothing saved)."""

    def save_session(self) -> Path | None:
        """Write the session now; its path, or None if there is nothing to save."""

    async def ask_arguments(
        self, prompt: PromptInfo, given: dict[str, str]
    ) -> dict[str, str] | None:
        """The prompt's arguments from a form (``given`` filled in); None when cancelled."""

    async def send_prompt(self, prompt: PromptInfo, messages: list[Message]) -> None:
        """Start a turn with a prompt's rendered messages."""


def _help() -> str:
    keys = "\n".join(f"| `{key}` | {what} |" for key, what in KEYS)
    commands = "\n".join(
        f"| `{name}{' ' + hint if hint else ''}` | {what} |"
        for name, (hint, what) in COMMANDS.items()
    )
    return f"| key | does |\n|---|---|\n{keys}\n\n| command | does |\n|---|---|\n{commands}"


HELP = _help()


def shorten(text: str, limit: int) -> str:
    """``text`` on one line, cut at a word boundary with an ellipsis when longer than ``limit``."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:  # a word boundary not too far back; else cut the long word
        cut = cut[:space]
    return cut.rstrip(" ,;:.-") + "…"


def _cell(text: str) -> str:
    """Outside text inside our Markdown tables: masked, sanitized, shown literally."""
    return _MARKDOWN.sub(r"\\\1", clean(text).replace("\n", " "))


async def _tools(app: ChatControls, argument: str) -> None:
    if app.toolset is None:
        await app.notice("the fleet is still starting")
        return
    rows = [
        f"| `{e.qualified}` | "  # qualified names are [A-Za-z0-9_-]: safe in a code span
        f"{_cell(shorten((e.tool.description or '').strip(), DESCRIPTION_LIMIT))} |"
        for e in app.toolset.entries()
    ]
    table = "\n".join(["| tool | description |", "|---|---|", *rows])
    if rows:
        await app.notice(f"**{len(rows)} tools**\n\n{table}", markdown=True)
    else:
        await app.notice("no tools")


def _server_rows(rows: Sequence[ServerStatus]) -> list[str]:
    return [
        f"| {_cell(r.name)} | {r.transport} | {r.state.value} | {r.tool_count} | "
        f"{_cell(r.last_error or '')} |"
        for r in rows
    ]


async def _servers(app: ChatControls, argument: str) -> None:
    if app.toolset is None:
        await app.notice("the fleet is still starting")
        return
    header = "| server | transport | state | tools | last error |\n|---|---|---|---|---|"
    rows = _server_rows(app.toolset.fleet.status())
    await app.notice("\n".join([header, *rows]), markdown=True)


async def _model(app: ChatControls, spec: str) -> None:
    """Use another model from the next turn on."""
    if not spec:
        await app.notice(f"the model is {app.model_label}; switch with /model provider:model")
        return
    if not app.can_switch_models:
        await app.notice("this chat cannot switch models", error=True)
        return
    if app.turn_running:
        await app.notice("wait for the turn to end (or cancel it) first", error=True)
        return
    try:
        await app.switch_model(spec)
    except HostError as exc:
        await app.notice(f"cannot use {spec}: {exc}", error=True)
        return
    await app.notice(f"now using {spec}")


async def _help_command(app: ChatControls, argument: str) -> None:
    await app.notice(HELP, markdown=True)


async def _clear(app: ChatControls, argument: str) -> None:
    """A fresh conversation (same system prompt); the old session stays on disk."""
    if app.turn_running:
        await app.notice("wait for the turn to end (or cancel it) first", error=True)
        return
    old = await app.new_conversation()
    where = f"; the last one is saved in {old}" if old is not None else ""
    await app.notice(f"new conversation{where}")


async def _save(app: ChatControls, argument: str) -> None:
    path = app.save_session()
    await app.notice(f"saved to {path}" if path else "nothing to save yet")


def _arguments(prompt: PromptInfo) -> str:
    return ", ".join(a.name + ("*" if a.required else "") for a in prompt.arguments)


async def _prompts(app: ChatControls, argument: str) -> None:
    prompts = app.catalog.prompts if app.catalog is not None else []
    if not prompts:
        await app.notice("no prompts" if app.catalog is not None else "the fleet is still starting")
        return
    rows = [
        f"| `/{p.qualified}` | {_cell(_arguments(p))} | "
        f"{_cell(shorten(p.description or p.title or '', DESCRIPTION_LIMIT))} |"
        for p in prompts
    ]
    table = "\n".join(
        ["| command | arguments (* required) | description |", "|---|---|---|", *rows]
    )
    await app.notice(table, markdown=True)


async def _resources(app: ChatControls, argument: str) -> None:
    resources = app.catalog.resources if app.catalog is not None else []
    if not resources:
        await app.notice(
            "no resources" if app.catalog is not None else "the fleet is still starting"
        )
        return
    rows = [
        f"| {_cell(r.server)} | {_cell(r.uri)} | {_cell(shorten(r.description or r.name, 60))} |"
        for r in resources
    ]
    table = "\n".join(["| server | uri (type @ to attach) | description |", "|---|---|---|", *rows])
    await app.notice(table, markdown=True)


def parse_arguments(text: str) -> dict[str, str]:
    """``name=value`` words (shell quoting) as a dict; raises ``ValueError`` on other words."""
    arguments = {}
    for word in shlex.split(text):
        name, equals, value = word.partition("=")
        if not equals or not name:
            raise ValueError(f"{word!r} is not name=value")
        arguments[name] = value
    return arguments


async def _run_prompt(app: ChatControls, prompt: PromptInfo, argument: str) -> None:
    """Render a server prompt (asking for missing required arguments) and send it."""
    assert app.catalog is not None
    if app.turn_running:
        await app.notice("wait for the turn to end (or cancel it) first", error=True)
        return
    try:
        given = parse_arguments(argument)
    except ValueError as exc:
        await app.notice(f"/{prompt.qualified}: {exc}; give arguments as name=value", error=True)
        return
    known = {a.name for a in prompt.arguments}
    unknown = sorted(set(given) - known)
    if unknown:
        names = ", ".join(sorted(known)) or "none"
        await app.notice(
            f"/{prompt.qualified} has no argument {', '.join(unknown)} (it takes: {names})",
            error=True,
        )
        return
    if prompt.missing({name: value for name, value in given.items() if value}):
        answered = await app.ask_arguments(prompt, given)
        if answered is None:
            await app.notice(f"/{prompt.qualified} cancelled")
            return
        given = answered
    try:
        messages = await app.catalog.render(prompt, given)
    except HostError as exc:
        await app.notice(f"/{prompt.qualified}: {exc}", error=True)
        return
    if not messages:
        await app.notice(f"/{prompt.qualified} gave no messages to send", error=True)
        return
    await app.send_prompt(prompt, messages)


HANDLERS: dict[str, Callable[[ChatControls, str], Awaitable[None]]] = {
    "/help": _help_command,
    "/tools": _tools,
    "/servers": _servers,
    "/model": _model,
    "/clear": _clear,
    "/save": _save,
    "/prompts": _prompts,
    "/resources": _resources,
}


async def run_command(app: ChatControls, text: str) -> None:
    """Run one slash command line."""
    name, _, argument = text.strip().partition(" ")
    handler = HANDLERS.get(name)
    prompt = app.catalog.prompt(name[1:]) if app.catalog is not None else None
    if handler is None and prompt is not None:
        await _run_prompt(app, prompt, argument.strip())
        return
    if handler is None:
        await app.notice(f"unknown command {name}; /help lists them", error=True)
        return
    await handler(app, argument.strip())
