"""The chat app: a transcript, a message box, a fleet panel, and the loop run in workers.

``ChatApp`` takes its provider and toolset ready-made (tests pass a scripted provider and a
toolbox fleet) or a ``connect`` function that starts them after the first paint (the real
wiring in ``agent.tui.factory``). Model and tool work never runs in a message handler.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Iterable
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widgets import Footer, Header
from textual.worker import Worker, WorkerCancelled, WorkerError, WorkerFailed, WorkerState

from agent.sessions import SessionFile
from agent.tui.approval import ApprovalScreen
from agent.tui.composer import Composer
from agent.tui.elicitation import ElicitationScreen
from agent.tui.fleet_panel import FleetPanel
from agent.tui.message import ChatMessage
from agent.tui.modal import ask
from agent.tui.slash import SlashSuggester, run_command
from agent.tui.transcript import Transcript
from agent.tui.turn import TurnView
from bridge import events as ev
from bridge.approval import ApprovalRequest, Decision, Policy
from bridge.fleet import ServerHandlers
from config.errors import HostError
from providers.types import Message, Usage, UserMessage

if TYPE_CHECKING:
    from bridge.loop import LoopSettings
    from bridge.toolset import FleetToolset
    from providers.base import Provider

__all__ = ["ChatApp", "Connector", "ModelFactory"]

# The loop and the toolset are imported after the first paint (they take ~0.15 s).
Connector = Callable[
    [ServerHandlers], AbstractAsyncContextManager[tuple["Provider", "FleetToolset"]]
]
ModelFactory = Callable[[str], Awaitable["Provider"]]
PANEL_MIN_WIDTH = 110  # narrower terminals start with the fleet panel hidden
SHUTDOWN_TIMEOUT = 15.0


class ChatApp(App[None]):
    """``agent chat``: talk to a model that uses the fleet's tools."""

    CSS_PATH = "chat.tcss"
    TITLE = "agent chat"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+c", "cancel_turn", "Cancel turn", priority=True),
        Binding("escape", "cancel_turn", "Cancel turn", show=False),
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
        choices = list(model_choices)
        self.suggester = SlashSuggester(lambda: [self.model_label, *choices])

    # -- layout --------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="main"):
            yield Transcript(id="transcript")
            yield FleetPanel(id="fleet")
        yield Composer(self.suggester, id="composer")
        yield Footer()

    @property
    def transcript(self) -> Transcript:
        return self.query_one(Transcript)

    async def on_mount(self) -> None:
        self.sub_title = self.model_label
        self.query_one(FleetPanel).display = self.size.width >= PANEL_MIN_WIDTH
        composer = self.query_one(Composer)
        composer.focus()
        if self.messages:
            composer.sent = [m.text for m in self.messages if isinstance(m, UserMessage)]
            await self.transcript.replay(self.messages, self.model_label)
        self.refresh_panel()
        self.set_interval(1.0, self.refresh_panel)
        if self.connect is not None:
            self.connection = self.run_worker(self._hold_connection(), group="connection")

    def refresh_panel(self) -> None:
        panel = self.query_one(FleetPanel)
        if panel.display:
            toolset = self.toolset
            rows = toolset.fleet.status() if toolset is not None else None
            panel.show(self.model_label, self.usage, rows, len(toolset) if toolset else 0)

    async def notice(self, text: str, *, error: bool = False) -> None:
        """A note in the transcript (Markdown; sanitized)."""
        await self.transcript.add(ChatMessage("error" if error else "notice", text))

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
                self.refresh_panel()
                await self._release.wait()
        except HostError as exc:
            await self.notice(f"could not start: {exc}", error=True)

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

    async def on_composer_submitted(self, message: Composer.Submitted) -> None:
        text = message.text
        if text.startswith("/"):
            self.run_worker(run_command(self, text), group="command")
            return
        if self.turn_running or self.provider is None or self.toolset is None:
            self.query_one(Composer).text = text  # keep it for when the app is ready
            why = "a turn is running (ctrl+c cancels it)" if self.turn_running else "starting…"
            self.notify(why, severity="warning")
            return
        self.messages.append(UserMessage(text))
        await self.transcript.add(ChatMessage("user", text))
        self.turn = self.run_worker(self._run_turn(), group="turn", exit_on_error=False)

    async def _run_turn(self) -> None:
        from bridge.loop import LoopSettings, run

        assert self.provider is not None and self.toolset is not None
        settings = self.settings or LoopSettings()
        view = TurnView(self.transcript, self.model_label)
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
        if event.state is WorkerState.ERROR and event.worker.group in ("turn", "command"):
            await self.notice(f"{event.worker.error}", error=True)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "cancel_turn":
            return self.turn_running  # otherwise ctrl+c copies and esc leaves modals
        return True

    def action_cancel_turn(self) -> None:
        if self.turn is not None:
            self.turn.cancel()

    # -- questions from the loop and the servers -----------------------------------------

    async def approve(self, request: ApprovalRequest) -> Decision:
        """The loop's approver: one modal at a time, deny when dismissed without a choice."""
        async with self._ask_lock:
            return await ask(self, ApprovalScreen(request)) or "deny"

    async def elicit(self, server: str, params: dict[str, Any]) -> dict[str, Any]:
        """The fleet's elicitation handler: a form (or a URL) and the person's answer."""
        async with self._ask_lock:
            return await ask(self, ElicitationScreen(server, params)) or {"action": "cancel"}

    # -- sessions and commands -----------------------------------------------------------

    def save_session(self) -> Path | None:
        """Write the new messages to the session file; its path, or None if nothing to save."""
        if self.session is None or not self.messages:
            return None
        self.session.save(self.messages)
        return self.session.path

    def action_toggle_fleet(self) -> None:
        panel = self.query_one(FleetPanel)
        panel.display = not panel.display
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
