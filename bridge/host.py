"""The host: the one typed object between the front ends and the bridge.

It owns a run's provider, toolset (the fleet), approval policy and loop settings, built
once from the config and the command line's choices (``HostOptions``). ``agent run`` and
``agent chat`` give it their front-end answers (an approver, an elicitation form, where to
report) and render what ``Host.run`` yields; none of them wires the parts by hand.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from bridge import events as ev
from bridge.approval import Approver, Policy
from bridge.fleet_types import ServerHandlers, ServerState
from bridge.loop_types import LoopSettings, ToolMode
from providers.types import ContentPart, Message, SystemMessage, TextPart, Usage, UserMessage

if TYPE_CHECKING:
    from bridge.builtin_tools import HostToolset
    from bridge.toolset import FleetToolset
    from config.schema import Config
    from providers.base import Provider

__all__ = ["FleetOpener", "Host", "HostOptions", "RunTally", "fleet_problems"]

Elicitation = Callable[[str, dict[str, Any]], Awaitable[dict[str, Any]]]


class FleetOpener(Protocol):
    """Starts the config's fleet and yields its toolset (``agent.commands.fleet.running_fleet``).

    The opener decides how servers start (all at once, lazily from a catalog cache) and
    tells the person about the ones that failed; it raises ``NoServerAvailableError`` when
    ``require_servers`` and none is up.
    """

    def __call__(
        self, config: Config, *, handlers: ServerHandlers | None = ..., require_servers: bool = ...
    ) -> AbstractAsyncContextManager[FleetToolset]: ...


@dataclass(frozen=True)
class HostOptions:
    """What the command line chose; ``None`` keeps the config's ``agent:`` value.

    ``model`` is the chosen ``provider:model`` (``agent.model_choice`` picks it);
    ``allow_all`` is ``--yes``; ``require_servers`` makes a fleet with no server up an
    error (``agent run`` with tools), where a chat goes on without tools.
    """

    model: str
    system: str | None = None
    max_turns: int | None = None
    tool_choice: str | None = None
    tool_mode: ToolMode = "auto"
    tools: bool = True
    allow_all: bool = False
    allow_sampling: bool = False
    require_servers: bool = True
    prompt: str | None = None
    """A server prompt's qualified name: the conversation opens with its messages."""
    arguments: Mapping[str, str] = field(default_factory=dict)
    """The prompt's arguments, and the variables of template URIs in ``attach``."""
    attach: tuple[str, ...] = ()
    """Resource URIs (or templates) whose contents go with the task."""


class Host:
    """A provider, a fleet's toolset, a policy and settings; ``start`` brings them up.

    Building a host does no I/O and imports no SDK: the chat builds one before its first
    paint. ``start`` imports the provider's SDK in a thread while the fleet starts (the
    import takes about a second, the fleet about as long), then creates the provider.
    """

    def __init__(self, config: Config, options: HostOptions, open_fleet: FleetOpener) -> None:
        self.config = config
        self.options = options
        self.spec = options.model
        self._open_fleet = open_fleet
        agent = config.agent
        approval = agent.approval
        self.policy = Policy(
            approval.allow,
            approval.ask,
            approval.deny,
            approval.sampling,
            allow_all=options.allow_all,
            allow_sampling=options.allow_sampling,
        )
        self.settings = LoopSettings(
            max_turns=options.max_turns or agent.max_turns,
            tool_choice=options.tool_choice or agent.tool_choice,
            parallel_tool_calls=agent.parallel_tool_calls,
            tools=options.tools,
            tool_mode=options.tool_mode,
        )
        self.approver: Approver | None = None
        self.provider: Provider | None = None
        self.toolset: FleetToolset | None = None
        self.tools: HostToolset | None = None
        """What the model sees: the fleet's tools, the built-in ones, tool search."""
        self._sdk: asyncio.Task[None] | None = None

    def conversation(
        self, task: str | None = None, history: list[Message] | None = None
    ) -> list[Message]:
        """The messages a run starts from: the system prompt (on a new conversation), the task."""
        messages = list(history or [])
        prompt = self.options.system or self.config.agent.system
        if not messages and prompt:
            messages.append(SystemMessage(prompt))
        if task is not None:
            messages.append(UserMessage(task))
        return messages

    async def opening(self, task: str | None = None) -> list[Message]:
        """The messages a new run starts from, with ``--prompt`` and ``--attach`` resolved:
        the system prompt, the prompt's messages, then the task with the attachments.

        Inside ``start``: the prompt and the resources come from the running fleet, and an
        image goes as an image only to a model that sees images.
        """
        from bridge import prompts, resources

        if self.toolset is None or self.provider is None:
            raise RuntimeError("Host.opening() outside Host.start()")
        fleet = self.toolset.fleet
        images = self.provider.capabilities.images
        messages = self.conversation()
        if self.options.prompt is not None:
            listing = await prompts.list_prompts(fleet)
            prompt = prompts.find_prompt(listing, self.options.prompt)
            arguments = {k: v for k, v in self.options.arguments.items()
                         if k in {a.name for a in prompt.arguments}}  # fmt: skip
            rendered = await prompts.get_prompt(fleet, prompt, arguments)
            messages.extend(prompts.prompt_messages(rendered, images=images))
        parts: list[ContentPart] = [TextPart(task)] if task else []
        listing_of_resources = None
        for uri in self.options.attach:
            if resources.template_variables(uri):
                uri = resources.expand_template(uri, self.options.arguments)
            if listing_of_resources is None:
                listing_of_resources = await resources.list_resources(fleet)
            _, contents = await resources.read_resource(fleet, uri, None, listing_of_resources)
            parts.extend(resources.attachment_parts(contents, images=images))
        if parts and all(isinstance(part, TextPart) for part in parts):
            messages.append(
                UserMessage("\n\n".join(p.text for p in parts if isinstance(p, TextPart)))
            )
        elif parts:
            messages.append(UserMessage(tuple(parts)))
        return messages

    @asynccontextmanager
    async def start(
        self,
        *,
        approver: Approver | None = None,
        elicitation: Elicitation | None = None,
        on_sampling: Callable[[ev.SamplingFinished], None] | None = None,
    ) -> AsyncIterator[Host]:
        """Start the fleet and the model; on the way out stop the fleet, then close the model.

        ``approver`` answers ``ask`` verdicts (tool calls and servers' sampling requests),
        ``elicitation`` answers servers' questions, ``on_sampling`` hears each sampling
        request's outcome.
        """
        from providers.settings import preload

        # First of all: the SDK import is the longest step; the rest overlaps it.
        self._sdk = asyncio.create_task(asyncio.to_thread(preload, self.spec))
        from bridge.sampling import sampling_handler

        self.approver = approver
        sampling = sampling_handler(self._model, self.policy, approver, report=on_sampling)
        handlers = ServerHandlers(sampling=sampling, elicitation=elicitation)
        try:
            async with self._open_fleet(
                self.config, handlers=handlers, require_servers=self.options.require_servers
            ) as toolset:
                from bridge.builtin_tools import HostToolset

                self.toolset = toolset
                self.tools = HostToolset(toolset, self.config.agent)
                await self._model()
                yield self
        finally:
            self.toolset = None
            self.tools = None
            provider, self.provider = self.provider, None
            if provider is not None:
                await provider.aclose()
            if not self._sdk.done():
                await asyncio.gather(self._sdk, return_exceptions=True)

    async def _model(self) -> Provider:
        """The provider, created on first need (a server may sample before the fleet is up)."""
        if self.provider is None:
            from providers.settings import create_from_config

            assert self._sdk is not None, "start() first"
            await self._sdk
            self.provider = create_from_config(self.config, self.spec)
        return self.provider

    async def use_model(self, spec: str) -> Provider:
        """Switch to ``spec`` from the next turn on; the previous provider is closed.

        A bad spec or a missing key raises before anything changes.
        """
        from providers.settings import create_from_config, preload

        await asyncio.to_thread(preload, spec)
        provider = create_from_config(self.config, spec)
        previous, self.provider, self.spec = self.provider, provider, spec
        if previous is not None:
            await previous.aclose()
        return provider

    def run(self, messages: list[Message]) -> AsyncIterator[ev.Event]:
        """The loop's events for one run over ``messages`` (extended in place).

        What the fleet learns meanwhile (a catalog that differed from its cache, a server
        that failed after the run went on without it) comes as ``Notice`` events.
        """
        if self.provider is None or self.tools is None:
            raise RuntimeError("Host.run() outside Host.start()")
        return self._run(self.provider, self.tools, messages)

    async def _run(
        self, provider: Provider, tools: HostToolset, messages: list[Message]
    ) -> AsyncIterator[ev.Event]:
        from bridge.loop import run

        events = run(
            provider, tools, messages, self.settings, policy=self.policy, approver=self.approver
        )
        async for event in events:
            if not isinstance(event, ev.RunFinished):  # ``done`` stays the last event
                for notice in tools.take_notices():
                    yield ev.Notice(notice)
                for loaded in tools.take_events():
                    yield loaded
            elif self.toolset is not None:
                yield ev.CallSummary(tuple(self.toolset.fleet.call_stats()))
            yield event

    def problems(self) -> list[str]:
        """What the person should know about the fleet now (see ``fleet_problems``)."""
        return fleet_problems(self.toolset) if self.toolset is not None else []


def fleet_problems(toolset: FleetToolset) -> list[str]:
    """Servers that are not available, and the catalog's renames, in the words shown for them.

    A server still starting is not a problem: it may come up before its first call.
    """
    live = (ServerState.UP, ServerState.STARTING)
    lines = [
        f"server {row.name!r} is not available: {row.last_error}"
        for row in toolset.fleet.status()
        if row.state not in live
    ]
    return [*lines, *toolset.catalog.notes]


class RunTally:
    """What a run has shown so far: its text, turns and usage (summed once, here).

    ``cancelled()`` is the ``done`` event of a run cut short, so that a stream of events
    always ends with one.
    """

    def __init__(self) -> None:
        self.text: list[str] = []
        self.turns = 0
        self.usage = Usage()

    def add(self, event: ev.Event) -> None:
        if isinstance(event, ev.TextDelta):
            self.text.append(event.text)
        elif isinstance(event, ev.TurnFinished):
            self.turns = event.turn
            if event.usage is not None:
                self.usage += event.usage

    def cancelled(self) -> ev.RunFinished:
        return ev.RunFinished("cancelled", "".join(self.text), self.turns, self.usage)
