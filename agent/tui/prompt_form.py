"""The modal asking for a server prompt's arguments, each completed by the server as one types.

It dismisses with the arguments (empty ones left out), or None when cancelled (esc).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.suggester import Suggester
from textual.widgets import Button, Input, Label, Static

from agent.terminal import clean
from agent.tui.catalog import PromptInfo

__all__ = ["ArgumentSuggester", "Completer", "PromptForm"]

# (argument, typed value, the other arguments so far) -> what the server offers
Completer = Callable[[str, str, dict[str, str]], Awaitable[list[str]]]


class ArgumentSuggester(Suggester):
    """Ghost text from ``completion/complete`` for one argument (right or tab takes it)."""

    def __init__(self, argument: str, complete: Completer, context: Callable[[], dict[str, str]]):
        super().__init__(use_cache=False, case_sensitive=True)
        self.argument = argument
        self.complete = complete
        self.context = context

    async def get_suggestion(self, value: str) -> str | None:
        for offer in await self.complete(self.argument, value, self.context()):
            if offer.startswith(value) and offer != value:
                return offer
        return None


class PromptForm(ModalScreen[dict[str, str] | None]):
    """One field per argument, required ones marked ``*`` and checked before sending."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, prompt: PromptInfo, given: dict[str, str], complete: Completer) -> None:
        super().__init__(classes="dialog-screen")
        self.prompt = prompt
        self.given = given
        self.completer = complete

    def compose(self) -> ComposeResult:
        prompt = self.prompt
        with Vertical(id="prompt-form", classes="dialog"):
            yield Label(Text(f"/{prompt.qualified}"), classes="dialog-title")
            if prompt.description:
                yield Static(Text(clean(prompt.description)), id="prompt-description")
            with VerticalScroll(classes="dialog-body"):
                for index, argument in enumerate(prompt.arguments):
                    mark = " *" if argument.required else ""
                    yield Label(Text(clean(argument.name) + mark), classes="field-label")
                    yield Input(
                        self.given.get(argument.name, ""),
                        placeholder=clean(argument.description)[:60] or argument.name,
                        suggester=ArgumentSuggester(argument.name, self.completer, self.values),
                        id=f"argument-{index}",
                        compact=True,
                    )
                    yield Static("", id=f"argument-error-{index}", classes="field-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Send", id="send", variant="success")
                yield Button("Cancel (esc)", id="cancel")

    def on_mount(self) -> None:
        inputs = self.query(Input)
        empty = [i for i in inputs if not i.value]
        (empty[0] if empty else inputs.first()).focus()

    def values(self) -> dict[str, str]:
        """The arguments typed so far (also the context of each completion)."""
        return {
            argument.name: self.query_one(f"#argument-{index}", Input).value
            for index, argument in enumerate(self.prompt.arguments)
        }

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "send":
            self.action_send()
        else:
            self.action_cancel()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_send()

    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_send(self) -> None:
        """Send when every required argument has a value; else say which are missing."""
        values = self.values()
        valid = True
        for index, argument in enumerate(self.prompt.arguments):
            missing = argument.required and not values[argument.name].strip()
            error = self.query_one(f"#argument-error-{index}", Static)
            error.update("required" if missing else "")
            error.display = missing
            valid = valid and not missing
        if valid:
            self.dismiss({k: v for k, v in values.items() if v.strip()})
