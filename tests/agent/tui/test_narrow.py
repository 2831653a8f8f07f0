"""Narrow terminals and the small print: panel, footer, /tools, code lines and tables."""

from __future__ import annotations

import io

from rich.console import Console
from textual.widgets._footer import FooterKey

from agent.tui import ChatApp
from agent.tui.fleet_panel import FleetPanel
from agent.tui.slash import shorten
from bridge.fleet import ServerState, ServerStatus
from providers.types import Usage
from tests.agent.tui.conftest import finish_turn, send, until
from tests.fakes import ScriptedProvider, Turn, call


async def test_the_fleet_panel_hides_when_the_terminal_gets_narrow_and_comes_back(box):
    app = ChatApp(ScriptedProvider([]), box)
    async with app.run_test(size=(120, 30)) as pilot:
        panel = app.query_one(FleetPanel)
        assert panel.display
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        assert not panel.display
        await pilot.resize_terminal(120, 30)
        await pilot.pause()
        assert panel.display


def test_a_servers_figures_never_wrap_apart_from_their_units():
    row = ServerStatus(
        "everything", "streamable-http", ServerState.UP, None, None, None, 12, None, 340, 19.0, 0
    )
    panel = FleetPanel()
    panel.show("openai:gpt-5-mini", Usage(), [row], 12)
    console = Console(width=34, record=True, file=io.StringIO())
    console.print(panel.content)
    lines = [line.rstrip().replace("\u00a0", " ") for line in console.export_text().splitlines()]
    for figure in ("12 tools", "340 calls", "19 ms"):
        assert any(figure in line for line in lines), (figure, lines)


async def test_the_footer_shows_the_cancel_key_only_while_a_turn_runs(box):
    slow = call("box__count_slowly", call_id="c1", n=50, delay=0.2)
    app = ChatApp(ScriptedProvider([Turn(calls=(slow,))]), box)

    def cancel_shown() -> bool:
        return any(key.description == "Cancel turn" for key in app.query(FooterKey))

    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert not cancel_shown()
        await send(pilot, "count")
        await until(pilot, cancel_shown, "the cancel key in the footer")
        await pilot.press("ctrl+c")
        await finish_turn(pilot)
        await until(pilot, lambda: not cancel_shown(), "the cancel key gone")


def test_long_descriptions_are_cut_at_a_word_with_an_ellipsis():
    text = "Adds two numbers together and returns their sum as a decimal string always"
    cut = shorten(text, 40)
    assert cut == "Adds two numbers together and returns…"
    assert len(cut) <= 40 and shorten("short enough", 40) == "short enough"


async def test_a_code_line_wider_than_the_screen_shows_that_it_goes_on(box):
    code = "```python\nx = " + " + ".join(str(n) for n in range(60)) + "\n```"
    app = ChatApp(ScriptedProvider([Turn(code)]), box)
    async with app.run_test(size=(80, 24)) as pilot:
        await send(pilot, "code")
        await finish_turn(pilot)
        fence = app.query_one("MarkdownFence")
        assert fence.max_scroll_x > 0 and fence.show_horizontal_scrollbar
        assert fence.styles.scrollbar_size_horizontal == 1  # a visible bar, not a silent cut


async def test_a_tables_right_alignment_is_kept(box):
    table = "| name | value |\n|---|---:|\n| a | 1 |\n| bb | 12345 |"
    app = ChatApp(ScriptedProvider([Turn(table)]), box)
    async with app.run_test(size=(100, 30)) as pilot:
        await send(pilot, "table")
        await finish_turn(pilot)
        await pilot.pause()
        cells = list(app.query("MarkdownTableContent").first().children)
        assert [c.styles.text_align for c in cells[1::2]] == ["right"] * 3
        assert cells[0].styles.text_align != "right"
