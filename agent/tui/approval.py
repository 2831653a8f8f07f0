"""The modal asking whether a tool call (or a server's sampling request) may go ahead."""

from __future__ import annotations

import json
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static

from agent.terminal import clean
from bridge.approval import ApprovalRequest, Decision

__all__ = ["ApprovalScreen"]

ARGUMENT_LIMIT = 4000


class ApprovalScreen(ModalScreen[Decision]):
    """Allow once (y), allow for this session (s), or deny (n / esc)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "decide('allow')", "Allow once"),
        Binding("s", "decide('allow_session')", "Allow for session"),
        Binding("n,escape", "decide('deny')", "Deny"),
    ]

    def __init__(self, request: ApprovalRequest) -> None:
        super().__init__(classes="dialog-screen")
        self.request = request

    def compose(self) -> ComposeResult:
        request = self.request
        server = f" on {clean(request.server)}" if request.server else ""
        if request.kind == "sampling":
            question = f"{clean(request.server or 'a server')} asks the model to answer it"
        else:
            question = f"Run {clean(request.name)}{server}?"
        arguments = json.dumps(request.arguments, ensure_ascii=False, indent=2, default=str)
        if len(arguments) > ARGUMENT_LIMIT:
            arguments = arguments[: ARGUMENT_LIMIT - 1] + "…"
        with Vertical(id="approval", classes="dialog"):
            yield Label(Text(question), classes="dialog-title")
            with VerticalScroll(classes="dialog-body"):
                yield Static(Text(clean(arguments)), id="approval-arguments")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Allow once (y)", id="allow", variant="success")
                yield Button("Allow for session (s)", id="allow_session", variant="primary")
                yield Button("Deny (n)", id="deny", variant="error")

    def on_mount(self) -> None:
        self.query_one("#deny", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_decide(event.button.id or "deny")

    def action_decide(self, decision: str) -> None:
        choices: dict[str, Decision] = {
            "allow": "allow",
            "allow_session": "allow_session",
            "deny": "deny",
        }
        self.dismiss(choices.get(decision, "deny"))
