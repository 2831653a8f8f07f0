"""Server prompts as slash commands, their argument form and completion, and ``@`` attachments.

Against the npm server-everything (prompts with and without arguments, completable arguments,
resources with subscriptions) and a scripted model that records what it receives.
"""

from __future__ import annotations

import io

import pytest
from rich.console import Console
from textual.widgets import Input

from agent.tui import ChatApp
from agent.tui.catalog import ResourceInfo
from agent.tui.chips import AttachmentBar, Chip, ChipRow
from agent.tui.composer import Composer
from agent.tui.fleet_panel import FleetPanel
from agent.tui.prompt_form import PromptForm
from agent.tui.resource_list import ResourcePicker, ResourcesView
from bridge.budget import tool_budget
from config.schema import Config, ServerConfig
from config.secrets import forget_all, remember
from providers.types import TextPart, UserMessage
from tests.agent.tui.conftest import finish_turn, send, until
from tests.fakes import ScriptedProvider, Turn, toolbox_config, toolbox_fleet

ARCHITECTURE = "ev:demo://resource/static/document/architecture.md"


@pytest.fixture
async def everything(npm_server):
    """A fleet of server-everything (``ev``) and our toolbox (``box``)."""
    config = ServerConfig.model_validate({"command": npm_server("mcp-server-everything"),
                                         "args": ["stdio"]})  # fmt: skip
    async with toolbox_fleet(ev=config, box=toolbox_config()) as toolset:
        yield toolset


async def loaded(pilot, app: ChatApp) -> None:
    await until(pilot, lambda: app.catalog is not None, "the prompts and resources")


def user_texts(provider: ScriptedProvider, index: int = 0) -> list[str]:
    return [m.text for m in provider.requests[index].messages if isinstance(m, UserMessage)]


async def test_a_prompt_without_arguments_is_a_slash_command_that_sends_its_messages(everything):
    provider = ScriptedProvider([Turn(text="done")])
    app = ChatApp(provider, everything)
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot, app)
        composer = app.query_one(Composer)
        await pilot.press(*"/ev__sim")
        assert composer.suggestion == "ple-prompt"
        composer.text = ""
        await send(pilot, "/ev__simple-prompt")
        await finish_turn(pilot)
        shown = app.query("PlainMessage.user").last()
        assert shown.border_title == "you · /ev__simple-prompt"
    assert user_texts(provider) == ["This is a simple prompt without arguments."]


async def test_a_prompt_with_its_required_arguments_on_the_line_is_sent_without_a_form(
    everything,
):
    provider = ScriptedProvider([Turn(text="sunny")])
    app = ChatApp(provider, everything)
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot, app)
        await send(pilot, '/ev__args-prompt city="New York" state=NY')
        await finish_turn(pilot)
        assert not isinstance(app.screen, PromptForm)
    assert "New York" in user_texts(provider)[0] and "NY" in user_texts(provider)[0]


async def test_missing_required_arguments_are_asked_in_a_form_that_checks_them(everything):
    provider = ScriptedProvider([Turn(text="ok")])
    app = ChatApp(provider, everything)
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot, app)
        await send(pilot, "/ev__args-prompt")
        await until(pilot, lambda: isinstance(app.screen, PromptForm), "the form")
        form = app.screen
        await pilot.click("#send")
        assert "required" in str(form.query_one("#argument-error-0").render())
        assert isinstance(app.screen, PromptForm)  # still open: city is required
        form.query_one("#argument-0", Input).focus()
        await pilot.press(*"Lisbon", "enter")
        await finish_turn(pilot)
    assert "Lisbon" in user_texts(provider)[0]


async def test_prompt_arguments_are_completed_by_the_server_with_the_others_as_context(
    everything,
):
    provider = ScriptedProvider([Turn(text="promoted")])
    app = ChatApp(provider, everything)
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot, app)
        await send(pilot, "/ev__completable-prompt")
        await until(pilot, lambda: isinstance(app.screen, PromptForm), "the form")
        department = app.screen.query_one("#argument-0", Input)
        await pilot.press("E", "n")
        await until(pilot, lambda: department._suggestion == "Engineering", "a completion")
        await pilot.press("right", "tab")  # take it, then on to the name
        name = app.screen.query_one("#argument-1", Input)
        assert department.value == "Engineering" and name.has_focus
        await pilot.press("B")
        await until(pilot, lambda: name._suggestion == "Bob", "a completion in context")
        await pilot.press("right", "enter")
        await finish_turn(pilot)
    assert user_texts(provider) == ["Please promote Bob to the head of the Engineering team."]


async def test_unknown_prompt_arguments_are_named_without_a_call(everything):
    app = ChatApp(ScriptedProvider([]), everything)
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot, app)
        await send(pilot, "/ev__simple-prompt colour=red")
        await until(pilot, lambda: app.query("PlainMessage.error"), "the error")
        assert "has no argument colour" in app.query("PlainMessage.error").last().source


async def test_at_opens_a_resource_list_and_the_chosen_one_goes_with_the_message(everything):
    provider = ScriptedProvider([Turn(text="read it")])
    app = ChatApp(provider, everything)
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot, app)
        composer, picker = app.query_one(Composer), app.query_one(ResourcePicker)
        composer.focus()
        await pilot.press(*"summarise @archi")
        assert picker.is_open and picker.current().ref == ARCHITECTURE
        await pilot.press("tab")
        assert not picker.is_open and composer.text == "summarise "
        bar = app.query_one(AttachmentBar)
        assert [r.ref for r in bar.resources] == [ARCHITECTURE]
        assert "@ev:architecture.md" in str(bar.query_one(Chip).render())
        await pilot.press("enter")
        await finish_turn(pilot)
        assert bar.resources == [] and not bar.display
        sent = app.query(ChipRow).last().query_one(Chip)
        assert sent.resource.ref == ARCHITECTURE and not sent.stale
    message = next(m for m in provider.requests[0].messages if isinstance(m, UserMessage))
    assert isinstance(message.content, tuple) and message.content[0] == TextPart("summarise")
    attached = message.content[1]
    assert isinstance(attached, TextPart)
    assert attached.text.startswith("[resource demo://resource/static/document/architecture.md]")


async def test_escape_closes_the_resource_list_and_a_click_takes_a_chip_off(everything):
    app = ChatApp(ScriptedProvider([]), everything)
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot, app)
        picker, bar = app.query_one(ResourcePicker), app.query_one(AttachmentBar)
        app.query_one(Composer).focus()
        await pilot.press("@")
        assert picker.is_open and len(picker.found) > 1
        await pilot.press("escape")
        assert not picker.is_open
        await pilot.press("backspace", "@", "down", "enter")
        assert len(bar.resources) == 1
        await pilot.click(Chip)
        await pilot.pause()
        assert bar.resources == [] and not bar.display


async def test_the_resources_view_lists_the_fleets_resources_and_enter_attaches_one(everything):
    app = ChatApp(ScriptedProvider([]), everything)
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot, app)
        view = app.query_one(ResourcesView)
        assert view.display and view.option_count == len(app.catalog.resources) >= 7
        assert "architecture.md" in str(view.get_option_at_index(0).prompt)
        view.focus()
        view.highlighted = 0
        await pilot.press("enter")
        await pilot.pause()
        assert [r.ref for r in app.query_one(AttachmentBar).resources] == [ARCHITECTURE]
        assert app.query_one(Composer).has_focus


async def test_an_attached_resource_the_server_updates_is_marked_stale(everything):
    provider = ScriptedProvider([Turn(text="read it")])
    app = ChatApp(provider, everything)
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot, app)
        app.query_one(Composer).focus()
        await pilot.press(*"look @architecture", "tab", "enter")
        await finish_turn(pilot)
        chip = app.query(ChipRow).last().query_one(Chip)
        assert not chip.stale
        # server-everything sends resources/updated for what this session subscribed to
        started = await everything.fleet.call("ev", "toggle-subscriber-updates", {})
        assert not started.is_error
        await until(pilot, lambda: chip.stale, "the stale mark")
        assert "stale" in str(chip.render()) and chip.has_class("stale")
        view = app.query_one(ResourcesView)
        assert "stale" in str(view.get_option_at_index(0).prompt)
        assert "stale" not in str(view.get_option_at_index(1).prompt)
        await everything.fleet.call("ev", "toggle-subscriber-updates", {})


def panel_text(panel: FleetPanel) -> str:
    console = Console(width=40, record=True, file=io.StringIO())
    console.print(panel.content)
    return console.export_text()


async def test_the_fleet_panel_shows_tool_definition_tokens_per_server_and_in_total(everything):
    app = ChatApp(ScriptedProvider([]), everything)
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot, app)
        app.refresh_panel()
        text = panel_text(app.query_one(FleetPanel))
    costs = app._costs[1]
    assert set(costs) == {"ev", "box"} and all(n > 50 for n in costs.values())
    assert f"~{sum(costs.values()):,} tokens" in text
    assert f"~{costs['ev']:,} tokens" in text and f"~{costs['box']:,} tokens" in text


async def test_prompts_and_resources_commands_list_them(everything):
    app = ChatApp(ScriptedProvider([]), everything)
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot, app)
        await send(pilot, "/prompts")
        await until(pilot, lambda: "ev__args-prompt" in _last_notice(app), "the prompts")
        assert "city\\*, state" in _last_notice(app)
        await send(pilot, "/resources")
        await until(pilot, lambda: "architecture.md" in _last_notice(app), "the resources")


def _last_notice(app: ChatApp) -> str:
    found = app.query("ChatMessage.notice")
    return found.last()._markdown if found else ""


async def test_tool_definitions_past_their_share_of_the_window_bring_a_warning(box):
    config = Config.model_validate({"agent": {"context": {"window": 1000, "tools_share": 0.1}}})

    async def measure(toolset):
        return await tool_budget(toolset, config, "openai:gpt-x")

    app = ChatApp(ScriptedProvider([]), box, measure=measure)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: app.query("PlainMessage.error"), "the warning")
        warning = app.query("PlainMessage.error").last().source
    assert "of the model's 1,000-token context window" in warning
    assert f"about {app._costs[1]['box']:,} tokens" in warning  # the panel's figure too


@pytest.fixture
def secret():
    remember("sk-secret-value-1234567890")
    yield
    forget_all()


async def test_resource_names_from_servers_reach_the_screen_sanitized_and_masked(secret):
    hostile = ResourceInfo("ev", "x://a", "\x1b[2Jboom sk-secret-value-1234567890")
    app = ChatApp(ScriptedProvider([]))
    async with app.run_test(size=(120, 40)) as pilot:
        chip = Chip(hostile, removable=True)
        await app.query_one(AttachmentBar).mount(chip)
        picker = app.query_one(ResourcePicker)
        picker.offer([hostile])
        view = app.query_one(ResourcesView)
        view.show([hostile])
        await pilot.pause()
        shown = [str(chip.render()), str(picker.get_option_at_index(0).prompt),
                 str(view.get_option_at_index(0).prompt)]  # fmt: skip
    for text in shown:
        assert "\x1b" not in text and "sk-secret-value-1234567890" not in text
        assert "boom" in text
