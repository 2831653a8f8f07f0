"""The chat app: a transcript, a message box, a fleet panel, and the loop run in workers.

``ChatApp`` takes its provider and toolset ready-made (tests pass a scripted provider and a
toolbox fleet) or a ``connect`` function that starts them after the first paint (the real
wiring in ``agent.tui.factory``). Model and tool work never runs in a message handler.
Slash commands reach it only through the methods of ``agent.tui.slash.ChatControls``.
Server prompts are slash commands; resources picked with ``@`` go with the next message.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Iterable, Sequence
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual import events
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Footer, Header
from textual.worker import Worker, WorkerCancelled, WorkerError, WorkerFailed, WorkerState

from agent.sessions import SessionFile, keep_partial
from agent.terminal import clean
from agent.tui.approval import ApprovalScreen
from agent.tui.catalog import FleetCatalog, PromptInfo, ResourceInfo
from agent.tui.chips import AttachmentBar, Chip, ChipRow
from agent.tui.completion import SlashSuggester
from agent.tui.composer import Composer
from agent.tui.elicitation import ElicitationScreen
from agent.tui.fleet_panel import FleetPanel
from agent.tui.message import ChatMessage, PlainMessage, Role
from agent.tui.modal import ask
from agent.tui.prompt_form import PromptForm
from agent.tui.resource_list import (
    ResourceChosen,
    ResourcePicker,
    ResourcesView,
    ResourceUpdated,
)
from agent.tui.slash import run_command
from agent.tui.transcript import Transcript
from agent.tui.turn import TurnView
from bridge import events as ev
from bridge.approval import ApprovalRequest, Decision, Policy
from bridge.budget import estimate_by_server
from bridge.fleet import ServerHandlers
from config.errors import HostError
from providers.types import AssistantMessage, Message, SystemMessage, Usage, UserMessage

if TYPE_CHECKING:
    from bridge.budget import ToolBudget
    from bridge.fleet import ServerStatus
    from bridge.loop import LoopSettings
    from bridge.toolset import FleetToolset
    from providers.base import Provider

__all__ = ["ChatApp", "Connector", "ModelFactory"]

# The loop and the toolset are imported after the first paint (they take ~0.15 s).
Connector = Callable[
    [ServerHandlers], AbstractAsyncContextManager[tuple["Provider", "FleetToolset"]]
]
ModelFactory = Callable[[str], Awaitable["Provider"]]
# What the fleet's tool definitions cost against the model's window (the config knows it).
Measure = Callable[["FleetToolset"], Awaitable["ToolBudget"]]
PANEL_MIN_WIDTH = 100  # in narrower terminals the fleet panel hides (ctrl+b shows it)
SHUTDOWN_TIMEOUT = 15.0


class ChatApp(App[None]):
    """``agent chat``: talk to a model that uses the fleet's tools."""

    CSS_PATH = "chat.tcss"
    TITLE = "agent chat"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+c", "cancel_turn", "Cancel turn", priority=True),
        Binding("escape", "cancel_turn", "Cancel turn", show=False),
        Binding("escape", "focus_composer", "Message box", show=False),
        Binding("ctrl+b", "toggle_fleet", "Fleet"),
        Binding("f1", "help", "Help"),
        Binding("ctrl+q", "quit", "Quit", priority=True),
    ]

    def __init__(
        self,
        provider: Provider | None = None,
        toolset: FleetToolset | None = None,
        *,
        connect: Connector | None = None,
        models: ModelFactory | None = None,
        model_label: str | None = None,
        model_choices: Iterable[str] = (),
        settings: LoopSettings | None = None,
        policy: Policy | None = None,
        session: SessionFile | None = None,
        messages: list[Message] | None = None,
        measure: Measure | None = None,
    ) -> None:
        super().__init__()
        self.provider = provider
        self.toolset = toolset
        self.connect = connect
        self.models = models
        self.model_label = model_label or (
            f"{provider.name}:{provider.model}" if provider is not None else "?"
        )
        self.settings = settings
        self.policy = policy or Policy()
        self.session = session
        self.messages: list[Message] = messages if messages is not None else []
        self.usage = Usage()
        self.turn: Worker[None] | None = None
        self.connection: Worker[None] | None = None
        self._ask_lock = asyncio.Lock()
        self._release = asyncio.Event()
        # sent during a turn, in order: the text, its attachments, its block
        self.queued: list[tuple[str, list[ResourceInfo], PlainMessage]] = []
        self.catalog: FleetCatalog | None = None
        self.measure = measure
        self.stale: set[str] = set()  # refs of attached resources changed since read
        self._costs: tuple[object, dict[str, int]] = (None, {})
        choices = list(model_choices)
        self.suggester = SlashSuggester(
            lambda: [self.model_label, *choices],
            prompts=lambda: self.catalog.prompts if self.catalog else (),
            resources=lambda: self.catalog.resources if self.catalog else (),
        )

    # -- layout --------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="main"):
            yield Transcript(id="transcript")
            with Vertical(id="side"):
                yield FleetPanel(id="fleet")
                yield ResourcesView(id="resources")
        picker = ResourcePicker(id="picker")
        yield picker
        yield AttachmentBar(id="attachments")
        yield Composer(self.suggester, picker=picker, id="composer")
        yield Footer()

    @property
    def transcript(self) -> Transcript:
        return self.query_one(Transcript)

    @property
    def composer(self) -> Composer:
        return self.query_one(Composer)

    async def on_mount(self) -> None:
        self.sub_title = self.model_label
        self._show_side(self.size.width >= PANEL_MIN_WIDTH)
        composer = self.composer
        composer.focus()
        if self.messages:
            composer.sent = [m.text for m in self.messages if isinstance(m, UserMessage)]
            await self.transcript.replay(self.messages, self.model_label)
        self.refresh_panel()
        self.set_interval(1.0, self.refresh_panel)
        if self.connect is not None:
            self.connection = self.run_worker(self._hold_connection(), group="connection")
        elif self.toolset is not None:
            self.run_worker(self._load_catalog(self.toolset), group="catalog")

    def _show_side(self, shown: bool) -> None:
        self.query_one(FleetPanel).display = shown
        self.query_one("#side").display = shown

    def on_resize(self, event: events.Resize) -> None:
        """Crossing the width threshold shows or hides the fleet panel."""
        panel = self.query_one(FleetPanel)
        wide = event.size.width >= PANEL_MIN_WIDTH
        if panel.display != wide:
            self._show_side(wide)
            self.refresh_panel()

    def refresh_panel(self) -> None:
        if not self.is_running or not self.screen_stack:
            return  # the interval may fire once more while the app closes
        panel = self.query_one(FleetPanel)
        if panel.display:
            toolset = self.toolset
            rows = toolset.fleet.status() if toolset is not None else None
            costs = self._tool_costs(toolset, rows) if toolset is not None and rows else None
            panel.show(self.model_label, self.usage, rows, len(toolset) if toolset else 0, costs)

    def _tool_costs(self, toolset: FleetToolset, rows: list[ServerStatus]) -> dict[str, int]:
        """Per server, what its tool definitions cost in tokens (again when tools change)."""
        dialect = self.provider.capabilities.dialect if self.provider is not None else "openai"
        key = (dialect, tuple((r.name, r.state, r.tool_count) for r in rows))
        if self._costs[0] != key:
            self._costs = (key, estimate_by_server(toolset, dialect))
        return self._costs[1]

    def _refresh_resources(self) -> None:
        if self.catalog is not None:
            self.query_one(ResourcesView).show(self.catalog.resources, self.stale)

    async def _load_catalog(self, toolset: FleetToolset) -> None:
        """List the servers' prompts and resources (commands and ``@`` completions)."""
        catalog = FleetCatalog(toolset.fleet, self._resource_updated)
        for problem in await catalog.load():
            await self.notice(problem)
        self.catalog = catalog
        self._refresh_resources()
        if self.measure is not None:
            warning = (await self.measure(toolset)).warning
            if warning:
                await self.notice(warning, error=True)

    def _resource_updated(self, server: str, uri: str) -> None:
        # Called from the session's reader: hand it to the app's own message queue.
        self.post_message(ResourceUpdated(server, uri))

    def on_resource_updated(self, message: ResourceUpdated) -> None:
        """Mark the sent chips of an attached resource that changed since it was read."""
        ref = f"{message.server}:{message.uri}"
        self.stale.add(ref)
        for row in self.query(ChipRow):
            for chip in row.query(Chip):
                if chip.resource.ref == ref:
                    chip.mark_stale()
        self._refresh_resources()

    async def notice(self, text: str, *, error: bool = False, markdown: bool = False) -> None:
        """A note in the transcript: literal text, or Markdown the chat itself wrote."""
        role: Role = "error" if error else "notice"
        await self.transcript.add(ChatMessage(role, text) if markdown else PlainMessage(role, text))

    # -- the fleet and the model ---------------------------------------------------------

    async def _hold_connection(self) -> None:
        """Start the fleet and the model, keep them until quit, then shut them down."""
        from bridge.sampling import sampling_handler

        assert self.connect is not None
        handlers = ServerHandlers(
            sampling=sampling_handler(self._current_provider, self.policy, self.approve),
            elicitation=self.elicit,
        )
        try:
            # The connector owns the model and the fleet: it closes both on the way out.
            async with self.connect(handlers) as (provider, toolset):
                self.provider, self.toolset = provider, toolset
                await self._report_fleet(toolset)
                # Listing waits for slow servers: queued messages must not wait for it.
                self.run_worker(self._load_catalog(toolset), group="catalog")
                self.refresh_panel()
                self._send_queued()
                await self._release.wait()
        except HostError as exc:
            # Without a model or a fleet there is nothing to chat with (a missing API key,
            # most often): leave, and say what to do on the restored terminal.
            self.exit(return_code=exc.exit_code, message=f"agent: error: {clean(str(exc))}")

    async def _current_provider(self) -> Provider:
        assert self.provider is not None, "no model yet"
        return self.provider

    async def _report_fleet(self, toolset: FleetToolset) -> None:
        from bridge.host import fleet_problems

        for line in fleet_problems(toolset):
            await self.notice(line)

    # -- turns ---------------------------------------------------------------------------

    @property
    def turn_running(self) -> bool:
        return self.turn is not None and not self.turn.is_finished

    @property
    def ready(self) -> bool:
        """A turn can start now: the model and the fleet are up and no turn is running."""
        return self.provider is not None and self.toolset is not None and not self.turn_running

    async def on_composer_submitted(self, message: Composer.Submitted) -> None:
        text = message.text
        if text.startswith("/"):
            self.run_worker(run_command(self, text), group="command")
            return
        bar = self.query_one(AttachmentBar)
        resources = bar.resources
        await bar.clear()
        if not self.ready or self.queued:
            # Waits for the running turn (or the start) to end; shown as queued meanwhile.
            block = PlainMessage("user", text, title="you · queued")
            block.add_class("queued")
            self.queued.append((text, resources, block))
            await self.transcript.add(block)
            await self._add_chips(resources)
            return
        await self.transcript.add(PlainMessage("user", text))
        await self._add_chips(resources)
        self._start_turn(text, resources)

    async def _add_chips(self, resources: list[ResourceInfo]) -> None:
        if resources:
            await self.transcript.add(ChipRow(resources))

    def _start_turn(
        self, said: str | list[Message], resources: Sequence[ResourceInfo] = ()
    ) -> None:
        work = self._run_turn(said, list(resources))
        self.turn = self.run_worker(work, group="turn", exit_on_error=False)
        self.refresh_bindings()  # the footer shows the cancel key while a turn runs

    def _send_queued(self) -> None:
        """Start the oldest queued message's turn, if the chat is ready for it."""
        if not self.queued or not self.ready:
            return
        text, resources, block = self.queued.pop(0)
        block.remove_class("queued")
        block.border_title = "you"
        self._start_turn(text, resources)

    @property
    def _sees_images(self) -> bool:
        return self.provider is None or self.provider.capabilities.images

    async def _user_message(self, text: str, resources: list[ResourceInfo]) -> UserMessage:
        """The person's message with the contents of its attachments, read now."""
        if not resources or self.catalog is None:
            return UserMessage(text)
        message, problems = await self.catalog.message(text, resources, images=self._sees_images)
        for problem in problems:
            await self.notice(problem, error=True)
        self.stale.difference_update(r.ref for r in resources)
        self._refresh_resources()
        return message

    async def _run_turn(self, said: str | list[Message], resources: list[ResourceInfo]) -> None:
        from bridge.loop import LoopSettings, run

        assert self.provider is not None and self.toolset is not None
        if isinstance(said, str):
            self.messages.append(await self._user_message(said, resources))
        else:
            self.messages.extend(said)
        settings = self.settings or LoopSettings()
        view = TurnView(self.transcript, self.model_label, self.messages)
        self.sub_title = f"{self.model_label} · working…"
        try:
            async for event in run(self.provider, self.toolset, self.messages, settings,
                                   policy=self.policy, approver=self.approve):  # fmt: skip
                await view.show(event)
                if isinstance(event, ev.TurnFinished) and event.usage is not None:
                    self.usage += event.usage
                    self.refresh_panel()
        except asyncio.CancelledError:
            await view.cancelled()
            keep_partial(self.messages, view.partial)
            raise
        except HostError as exc:
            await view.close()
            await self.notice(str(exc), error=True)
        finally:
            await view.close()
            self.save_session()
            self.sub_title = self.model_label
            self.refresh_panel()

    async def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        worker = event.worker
        if event.state is WorkerState.ERROR and worker.group in ("turn", "command"):
            await self.notice(f"{worker.error}", error=True)
        if worker.group == "turn" and worker.is_finished:
            self.refresh_bindings()
            self._send_queued()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "cancel_turn":
            return self.turn_running  # otherwise ctrl+c copies and esc leaves modals
        if action == "focus_composer":
            return self.screen is self.screen_stack[0] and self.focused is not self.composer
        return True

    def action_focus_composer(self) -> None:
        self.composer.focus()

    def on_key(self, event: events.Key) -> None:
        """Typing while focus is in the transcript goes to the message box."""
        composer = self.composer
        if (
            event.is_printable
            and event.character
            and self.screen is self.screen_stack[0]
            and self.focused is not composer
        ):
            event.stop()
            composer.focus()
            composer.insert(event.character)

    def action_cancel_turn(self) -> None:
        if self.turn is not None:
            self.turn.cancel()

    # -- questions from the loop and the servers -----------------------------------------

    async def approve(self, request: ApprovalRequest) -> Decision:
        """The loop's approver: one modal at a time, deny when dismissed without a choice."""
        async with self._ask_lock:
            return await ask(self, ApprovalScreen(request)) or "deny"

    async def ask_arguments(
        self, prompt: PromptInfo, given: dict[str, str]
    ) -> dict[str, str] | None:
        """A form for the prompt's arguments, each completed by its server."""
        catalog = self.catalog
        assert catalog is not None

        async def complete(argument: str, value: str, context: dict[str, str]) -> list[str]:
            return await catalog.complete(prompt, argument, value, context)

        async with self._ask_lock:
            return await ask(self, PromptForm(prompt, given, complete))

    async def send_prompt(self, prompt: PromptInfo, messages: list[Message]) -> None:
        """Show the prompt's messages as the person's and start a turn with them."""
        said = [m.text for m in messages if isinstance(m, UserMessage | AssistantMessage)]
        title = f"you · /{prompt.qualified}"
        await self.transcript.add(PlainMessage("user", "\n\n".join(said), title=title))
        self._start_turn(messages)

    async def on_resource_chosen(self, message: ResourceChosen) -> None:
        """A resource picked with ``@`` or in the resources view goes with the next message."""
        await self.query_one(AttachmentBar).add(message.resource)
        self.composer.focus()

    async def on_chip_removed(self, message: Chip.Removed) -> None:
        await self.query_one(AttachmentBar).remove_resource(message.resource)

    async def elicit(self, server: str, params: dict[str, Any]) -> dict[str, Any]:
        """The fleet's elicitation handler: a form (or a URL) and the person's answer."""
        async with self._ask_lock:
            return await ask(self, ElicitationScreen(server, params)) or {"action": "cancel"}

    # -- sessions and commands (``agent.tui.slash.ChatControls``) ------------------------

    @property
    def can_switch_models(self) -> bool:
        return self.models is not None

    async def switch_model(self, spec: str) -> None:
        """Use ``spec`` from the next turn on; raises ``HostError`` when it cannot be used."""
        assert self.models is not None, "check can_switch_models first"
        self.provider = await self.models(spec)  # the factory closes the one it replaces
        self.model_label = self.sub_title = spec
        self.refresh_panel()

    async def new_conversation(self) -> Path | None:
        """Save and put away this conversation; start one with the same system prompt."""
        old = self.save_session()
        self.messages = [m for m in self.messages if isinstance(m, SystemMessage)]
        if self.session is not None:
            self.session = SessionFile.create(self.session.path.parent)
        self.usage = Usage()
        await self.transcript.clear()
        self.refresh_panel()
        return old

    def save_session(self) -> Path | None:
        """Write the new messages to the session file; its path, or None if nothing to save."""
        if self.session is None or not self.messages:
            return None
        self.session.save(self.messages)
        return self.session.path

    def action_toggle_fleet(self) -> None:
        self._show_side(not self.query_one(FleetPanel).display)
        self.refresh_panel()

    async def action_help(self) -> None:
        self.run_worker(run_command(self, "/help"), group="command")

    async def action_quit(self) -> None:
        self.run_worker(self.shutdown(), group="quit")

    async def on_unmount(self) -> None:
        """However the app ends, the servers are stopped before it returns."""
        self._release.set()
        await self._settle(self.connection)

    @staticmethod
    async def _settle(worker: Worker[None] | None) -> None:
        if worker is None:
            return
        with contextlib.suppress(WorkerCancelled, WorkerFailed, WorkerError, TimeoutError):
            async with asyncio.timeout(SHUTDOWN_TIMEOUT):
                await worker.wait()

    async def shutdown(self) -> None:
        """Cancel the turn, save, stop the servers, then exit."""
        if self.turn is not None:
            self.turn.cancel()
            await self._settle(self.turn)
        self._release.set()
        await self._settle(self.connection)
        self.save_session()
        self.exit()
