"""SVG snapshots of the main screens (update with ``--snapshot-update`` after looking at them).

The fleet is started by the app's ``connect`` hook, inside the snapshot's own event loop.
"""

from __future__ import annotations

from contextlib import asynccontextmanager

from textual.widgets import Input

from agent.tui import ChatApp
from agent.tui.composer import Composer
from bridge.approval import ApprovalRequest
from providers.types import AssistantMessage, TextPart, ToolCall, ToolResultMessage, UserMessage
from tests.agent.tui.conftest import until
from tests.agent.tui.test_dialogs import SCHEMA
from tests.fakes import ScriptedProvider, Turn, toolbox_fleet

SIZE = (120, 36)

HISTORY = [
    UserMessage("What is 6*7? Then show me a Python function that doubles a number."),
    AssistantMessage("", (ToolCall("c1", "box__calculate", {"expression": "6*7"}),)),
    ToolResultMessage("c1", "box__calculate", (TextPart("42"),)),
    AssistantMessage(
        "6 times 7 is **42**. Here is the function:\n\n"
        "```python\ndef double(x: int) -> int:\n    return x * 2\n```\n"
    ),
]


def chat_app(turns: list[Turn] | None = None) -> ChatApp:
    provider = ScriptedProvider(turns or [])

    @asynccontextmanager
    async def connect(handlers):
        async with toolbox_fleet() as toolset:
            yield provider, toolset

    return ChatApp(connect=connect, model_label="openai:gpt-5-mini", messages=list(HISTORY))


async def settle(pilot) -> None:
    app = pilot.app
    await until(pilot, lambda: app.toolset is not None, "the fleet")
    app.refresh_panel()
    app.query_one(Composer).cursor_blink = False
    await pilot.pause()


def test_the_chat_with_a_tool_call_code_and_the_fleet_panel(snap_compare):
    app = chat_app([Turn(text="You are welcome.")])

    async def run_before(pilot) -> None:
        await settle(pilot)
        composer = app.query_one(Composer)
        composer.text = "thanks"
        await pilot.press("enter")
        await until(pilot, lambda: app.turn is not None and app.turn.is_finished, "the turn")
        await pilot.click("Collapsible CollapsibleTitle")  # expand the tool result
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_the_approval_modal(snap_compare):
    app = chat_app()
    request = ApprovalRequest("tool", "box__echo", {"text": "hello"}, "box")

    async def run_before(pilot) -> None:
        await settle(pilot)
        app.run_worker(app.approve(request))
        await until(pilot, lambda: app.screen.id != "_default", "the modal")
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_the_elicitation_form(snap_compare):
    app = chat_app()
    params = {"message": "Tell us about yourself.", "requestedSchema": SCHEMA}

    async def run_before(pilot) -> None:
        await settle(pilot)
        app.run_worker(app.elicit("box", params))
        await until(pilot, lambda: len(app.screen_stack) > 1, "the form")
        for field in app.screen.query(Input):
            field.cursor_blink = False  # a steady cursor, the same in every screenshot
        await pilot.pause()

    assert snap_compare(app, terminal_size=(120, 50), run_before=run_before)
