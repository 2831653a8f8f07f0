"""Elicitation forms and URL prompts, answered through the app's elicitation handler."""

from __future__ import annotations

import asyncio

from textual.widgets import Checkbox, Input, Select, Static

from agent.tui import ChatApp
from agent.tui.elicitation import ElicitationScreen
from agent.tui.form import check, fields_of
from tests.agent.tui.conftest import until
from tests.fakes import ScriptedProvider

SCHEMA = {
    "type": "object",
    "properties": {
        "name": {"type": "string", "title": "Your name", "minLength": 2},
        "age": {"type": "integer", "minimum": 0, "maximum": 150},
        "height": {"type": "number", "default": 1.7},
        "subscribe": {"type": "boolean", "title": "Subscribe", "default": True},
        "colour": {"type": "string", "enum": ["red", "green", "blue"], "default": "green"},
        "size": {
            "type": "string",
            "oneOf": [{"const": "s", "title": "Small"}, {"const": "l", "title": "Large"}],
        },
    },
    "required": ["name", "age", "size"],
}


async def open_form(app: ChatApp, pilot, params: dict) -> asyncio.Task:
    answer = asyncio.create_task(app.elicit("box", params))
    await until(pilot, lambda: isinstance(app.screen, ElicitationScreen), "the form")
    await pilot.pause()
    return answer


async def test_a_form_from_the_schema_enforces_required_fields_and_returns_typed_content(box):
    app = ChatApp(ScriptedProvider([]), box)
    async with app.run_test(size=(100, 50)) as pilot:
        answer = await open_form(app, pilot, {"message": "Who are you?", "requestedSchema": SCHEMA})
        screen = app.screen
        assert screen.query_one("#field-2", Input).value == "1.7"  # defaults filled in
        assert screen.query_one("#field-3", Checkbox).value is True
        assert screen.query_one("#field-4", Select).value == 1  # "green"
        await pilot.click("#accept")
        assert not answer.done()
        errors = [str(screen.query_one(f"#error-{i}", Static).render()) for i in range(6)]
        assert errors == ["required", "required", "", "", "", "required"]

        await pilot.click("#field-0")
        await pilot.press(*"Ada")
        await pilot.click("#field-1")
        await pilot.press(*"36")
        await pilot.click("#field-3")  # untick
        select = screen.query_one("#field-5", Select)
        select.focus()
        await pilot.press("enter", "down", "down", "enter")  # blank, Small, Large
        await pilot.pause()
        await pilot.click("#accept")
        async with asyncio.timeout(5):
            result = await answer
    assert result == {
        "action": "accept",
        "content": {
            "name": "Ada",
            "age": 36,
            "height": 1.7,
            "subscribe": False,
            "colour": "green",
            "size": "l",
        },
    }


async def test_decline_and_escape_answer_without_content(box):
    app = ChatApp(ScriptedProvider([]), box)
    async with app.run_test(size=(100, 50)) as pilot:
        answer = await open_form(app, pilot, {"message": "?", "requestedSchema": SCHEMA})
        await pilot.click("#decline")
        assert await asyncio.wait_for(answer, 5) == {"action": "decline"}
        answer = await open_form(app, pilot, {"message": "?", "requestedSchema": SCHEMA})
        await pilot.press("escape")
        assert await asyncio.wait_for(answer, 5) == {"action": "cancel"}


async def test_url_mode_shows_the_url(box):
    app = ChatApp(ScriptedProvider([]), box)
    params = {"mode": "url", "message": "Sign in", "url": "https://example.test/\x1b[31mauth"}
    async with app.run_test(size=(100, 30)) as pilot:
        answer = await open_form(app, pilot, params)
        url = str(app.screen.query_one("#elicitation-url", Static).render())
        assert url == "https://example.test/\ufffd[31mauth"  # control sequences neutralised
        assert not app.screen.query(Input)
        await pilot.click("#decline")
        assert await asyncio.wait_for(answer, 5) == {"action": "decline"}


def test_form_checks_bounds_lengths_and_numbers():
    name, age, height, *_ = fields_of(SCHEMA)
    assert check(name, "A") == ("A", "at least 2 characters")
    assert check(age, "200") == (200, "at most 150")
    assert check(age, "1.5") == (None, "an integer, please")
    assert check(height, "") == (None, None)
    assert check(height, " 2.5 ") == (2.5, None)
