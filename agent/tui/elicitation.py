"""The modal answering a server's elicitation: a form built from its schema, or a URL to open.

It dismisses with the MCP result: ``{"action": "accept", "content": {...}}``, or
``{"action": "decline"}`` / ``{"action": "cancel"}`` (esc cancels).
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Button, Checkbox, Input, Label, Select, Static
from textual.widgets.select import NoSelection

from agent.terminal import clean
from agent.tui.form import Field, check, fields_of

__all__ = ["ElicitationScreen"]

Result = dict[str, Any]
InputType = Literal["integer", "number", "text"]


def _input(field: Field, index: int) -> Widget:
    """The widget that asks for one field, its default filled in."""
    ident = f"field-{index}"
    if field.kind == "boolean":
        return Checkbox(clean(field.title), bool(field.default), id=ident, compact=True)
    if field.kind == "enum":
        options = [(clean(label), n) for n, (label, _) in enumerate(field.options)]
        values = [value for _, value in field.options]
        chosen: Any = values.index(field.default) if field.default in values else Select.NULL
        return Select(
            options, value=chosen, allow_blank=True, id=ident, prompt="choose…", compact=True
        )
    kinds: dict[str, InputType] = {"number": "number", "integer": "integer"}
    default = "" if field.default is None else str(field.default)
    placeholder = clean(field.description)[:60] or field.kind
    kind = kinds.get(field.kind, "text")
    return Input(default, placeholder=placeholder, type=kind, id=ident, compact=True)


class ElicitationScreen(ModalScreen[Result]):
    """Accept (checks the form), decline, or cancel (esc)."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "answer('cancel')", "Cancel")]

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(classes="dialog-screen")
        self.server = server
        self.message = clean(str(params.get("message") or ""))
        self.url = clean(str(params["url"])) if params.get("mode") == "url" else None
        schema = params.get("requestedSchema")
        self.fields = fields_of(schema) if isinstance(schema, dict) and self.url is None else []

    def compose(self) -> ComposeResult:
        with Vertical(id="elicitation", classes="dialog"):
            yield Label(Text(f"{clean(self.server)} asks"), classes="dialog-title")
            yield Static(Text(self.message), id="elicitation-message")
            with VerticalScroll(classes="dialog-body"):
                if self.url is not None:
                    yield Static(Text(self.url, style="underline"), id="elicitation-url")
                for index, field in enumerate(self.fields):
                    yield from self._field(field, index)
            with Horizontal(classes="dialog-buttons"):
                label = "Open" if self.url is not None else "Accept"
                yield Button(label, id="accept", variant="success")
                yield Button("Decline", id="decline", variant="error")
                yield Button("Cancel (esc)", id="cancel")

    def _field(self, field: Field, index: int) -> ComposeResult:
        if field.kind != "boolean":
            mark = " *" if field.required else ""
            yield Label(Text(clean(field.title) + mark), classes="field-label")
        if field.description and field.kind in ("boolean", "enum"):
            yield Static(Text(clean(field.description)), classes="field-help")
        yield _input(field, index)
        yield Static("", id=f"error-{index}", classes="field-error")

    def on_mount(self) -> None:
        first = self.query("#elicitation .dialog-body Input, Select, Checkbox")
        (first.first() if first else self.query_one("#accept", Button)).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_answer(event.button.id or "cancel")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_answer("accept")

    def action_answer(self, action: str) -> None:
        if action != "accept":
            self.dismiss({"action": "decline" if action == "decline" else "cancel"})
            return
        if self.url is not None:
            self.app.open_url(self.url)
            self.dismiss({"action": "accept"})
            return
        content = self.content()
        if content is not None:
            self.dismiss({"action": "accept", "content": content})

    def content(self) -> dict[str, Any] | None:
        """The typed answers, or None (each problem shown under its field)."""
        content: dict[str, Any] = {}
        valid = True
        for index, field in enumerate(self.fields):
            value, problem = check(field, self._raw(field, index))
            error = self.query_one(f"#error-{index}", Static)
            error.update(problem or "")
            error.display = bool(problem)
            if problem:
                valid = False
            elif value is not None:
                content[field.name] = value
        return content if valid else None

    def _raw(self, field: Field, index: int) -> Any:
        widget = self.query_one(f"#field-{index}")
        if isinstance(widget, Checkbox):
            return widget.value
        if isinstance(widget, Select):
            chosen = widget.value
            return None if isinstance(chosen, NoSelection) else field.options[int(chosen)][1]
        assert isinstance(widget, Input)
        return widget.value
