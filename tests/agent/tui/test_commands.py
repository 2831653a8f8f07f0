"""Slash commands, completion, input history, resumed sessions and a clean quit."""

from __future__ import annotations

import asyncio
import io
import os
from contextlib import asynccontextmanager

from rich.console import Console

from agent.sessions import SessionFile
from agent.tui import ChatApp
from agent.tui.composer import Composer
from agent.tui.fleet_panel import FleetPanel
from agent.tui.toolcall import ToolCallBlock
from bridge.fleet import ServerState
from providers.types import AssistantMessage, TextPart, ToolCall, ToolResultMessage, UserMessage
from tests.agent.tui.conftest import children_of, finish_turn, send, until
from tests.fakes import ScriptedProvider, Turn, toolbox_fleet


async def last_notice(pilot, app: ChatApp) -> str:
    """The text of the last note, once every slash command has finished."""
    commands = [worker for worker in app.workers if worker.group == "command"]
    await until(pilot, lambda: all(worker.is_finished for worker in commands), "the command")
    await pilot.pause()
    return app.query("ChatMessage.notice, PlainMessage.notice, PlainMessage.error").last().source


async def test_tools_servers_help_and_unknown_commands_answer_in_the_transcript(box):
    app = ChatApp(ScriptedProvider([]), box)
    async with app.run_test(size=(100, 30)) as pilot:
        await send(pilot, "/tools")
        assert "`box__count_slowly`" in await last_notice(pilot, app)
        await send(pilot, "/servers")
        assert "| box | stdio | up | 8 |" in await last_notice(pilot, app)
        await send(pilot, "/help")
        assert "ctrl+j" in await last_notice(pilot, app)
        await send(pilot, "/nope")
        assert "unknown command" in await last_notice(pilot, app)


async def test_model_switches_the_provider_for_the_next_turn(box):
    first, second = ScriptedProvider([]), ScriptedProvider([Turn(text="from two")])
    made: list[str] = []

    async def models(spec: str):
        made.append(spec)
        return second

    app = ChatApp(first, box, models=models, model_label="scripted:one")
    async with app.run_test(size=(100, 30)) as pilot:
        await send(pilot, "/model")
        assert "scripted:one" in await last_notice(pilot, app)
        await send(pilot, "/model scripted:two")
        assert "now using" in await last_notice(pilot, app)
        assert app.provider is second and app.sub_title == "scripted:two"
        await send(pilot, "hello")
        await finish_turn(pilot)
    assert made == ["scripted:two"] and len(second.requests) == 1


async def test_slash_commands_complete_with_tab(box):
    app = ChatApp(ScriptedProvider([]), box, model_label="openai:gpt-x")
    async with app.run_test(size=(100, 30)) as pilot:
        composer = app.query_one(Composer)
        await pilot.press("/", "t", "o")
        assert composer.suggestion == "ols"
        await pilot.press("tab")
        assert composer.text == "/tools"
        composer.text = ""
        await pilot.press(*"/model o")
        assert composer.suggestion == "penai:gpt-x"


async def test_up_and_down_walk_the_sent_messages(box):
    app = ChatApp(ScriptedProvider([]), box)
    async with app.run_test(size=(100, 30)) as pilot:
        composer = app.query_one(Composer)
        for text in ("/help", "/tools"):
            await send(pilot, text)
        await pilot.press(*"dra")
        await pilot.press("up")
        assert composer.text == "/tools"
        await pilot.press("up")
        assert composer.text == "/help"
        await pilot.press("down", "down")
        assert composer.text == "dra"
        await pilot.press("ctrl+j", "x")
        assert composer.text == "dra\nx"


async def test_clear_starts_a_new_session_and_keeps_the_old_one(box, tmp_path):
    provider = ScriptedProvider([Turn(text="one")])
    first = SessionFile.create(tmp_path)
    app = ChatApp(provider, box, session=first)
    async with app.run_test(size=(100, 30)) as pilot:
        await send(pilot, "hello")
        await finish_turn(pilot)
        await send(pilot, "/save")
        assert str(first.path) in await last_notice(pilot, app)
        await send(pilot, "/clear")
        await until(pilot, lambda: not app.query("ChatMessage"), "an empty transcript")
        assert app.messages == [] and app.session is not first
    assert len(SessionFile(first.path).load()) == 2


async def test_a_resumed_session_is_shown_and_continued(box, tmp_path):
    saved = [
        UserMessage("what is 6*7?"),
        AssistantMessage("", (ToolCall("c1", "box__calculate", {"expression": "6*7"}),)),
        ToolResultMessage("c1", "box__calculate", (TextPart("42"),)),
        AssistantMessage("It is **42**."),
    ]
    SessionFile.create(tmp_path).save(saved)
    session = SessionFile.find(tmp_path)  # the latest
    messages = session.load()
    provider = ScriptedProvider([Turn(text="84")])
    app = ChatApp(provider, box, session=session, messages=messages)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        block = app.query_one(ToolCallBlock)
        assert (block.tool_name, block.status, block.result) == ("box__calculate", "done", "42")
        assert [m.source for m in app.query("PlainMessage, ChatMessage")] == [
            "what is 6*7?",
            "It is **42**.",
        ]
        assert app.query_one(Composer).sent == ["what is 6*7?"]
        await send(pilot, "and twice that?")
        await finish_turn(pilot)
    assert provider.requests[0].messages[:4] == saved
    assert SessionFile(session.path).load()[4:] == [
        UserMessage("and twice that?"),
        AssistantMessage("84"),
    ]


def panel_text(panel: FleetPanel) -> str:
    console = Console(width=40, record=True, file=io.StringIO())
    console.print(panel.content)
    return console.export_text()


async def test_quit_shuts_down_the_fleet_it_started(tmp_path):
    provider = ScriptedProvider([Turn(text="hi")])
    fleets = []

    @asynccontextmanager
    async def connect(handlers):
        assert handlers.elicitation is not None and handlers.sampling is not None
        async with toolbox_fleet() as toolset:
            fleets.append(toolset.fleet)
            yield provider, toolset

    before = children_of(os.getpid())
    app = ChatApp(connect=connect, model_label="scripted:1")
    async with app.run_test(size=(120, 30)) as pilot:
        await until(pilot, lambda: app.toolset is not None, "the fleet")
        assert len(children_of(os.getpid()) - before) == 1  # the toolbox server
        panel = app.query_one(FleetPanel)
        assert panel.display
        text = panel_text(panel)
        assert "scripted:1" in text and "box  up" in text and "stdio · 8 tools" in text
        await send(pilot, "hello")
        await finish_turn(pilot)
        await pilot.press("ctrl+q")
        async with asyncio.timeout(15):
            await app.workers.wait_for_complete()
    assert [row.state for row in fleets[0].status()] == [ServerState.STOPPED]
    assert children_of(os.getpid()) - before == set()


async def test_the_fleet_is_stopped_even_when_the_app_exits_another_way():
    fleets = []

    @asynccontextmanager
    async def connect(handlers):
        async with toolbox_fleet() as toolset:
            fleets.append(toolset.fleet)
            yield ScriptedProvider([]), toolset

    before = children_of(os.getpid())
    app = ChatApp(connect=connect, model_label="scripted:1")
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: app.toolset is not None, "the fleet")
        app.exit()
    assert [row.state for row in fleets[0].status()] == [ServerState.STOPPED]
    assert children_of(os.getpid()) - before == set()
