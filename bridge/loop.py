"""The tool-call loop: ask the model, run the calls it makes across the fleet, repeat.

``run`` is an async iterator of events (see ``bridge.events``). Tool failures of every
kind go back to the model as error results; the conversation in ``messages`` is extended
in place, so whatever was said survives a cancellation.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

from bridge import events as ev
from bridge.approval import ApprovalRequest, Approver, Policy
from bridge.catalog import unknown_tool_message
from bridge.errors import MCPError
from bridge.loop_types import LoopSettings, ToolMode, Toolset
from bridge.mcp import CallResult, Progress
from bridge.prompting import plan_turn
from bridge.results import to_parts
from bridge.validation import format_for_model
from providers.base import Provider
from providers.errors import ToolsUnsupportedError
from providers.types import (
    AssistantMessage,
    Capabilities,
    ChatRequest,
    Finish,
    Message,
    TextDelta,
    TextPart,
    ToolCall,
    ToolResultMessage,
    Usage,
)
from providers.types import Notice as ProviderNotice

__all__ = ["LoopSettings", "ToolMode", "Toolset", "run"]

REPEAT_LIMIT = 2  # the same failing call, word for word, is not run a third time


@dataclass
class _Outcome:
    message: ToolResultMessage
    event: ev.ToolCallFinished


async def run(
    provider: Provider,
    toolset: Toolset,
    messages: list[Message],
    settings: LoopSettings,
    *,
    policy: Policy | None = None,
    approver: Approver | None = None,
) -> AsyncIterator[ev.Event]:
    """Run turns until the model answers without calls, or ``max_turns`` is reached."""
    policy = policy or Policy()
    state = _RunState(provider.capabilities, settings)
    failures: dict[str, int] = {}
    answer: list[str] = []
    for turn in range(1, settings.max_turns + 1):
        assistant: AssistantMessage | None = None
        async for event in _turn(provider, toolset, messages, settings, state, turn):
            if isinstance(event, AssistantMessage):
                assistant = event
            else:
                if isinstance(event, ev.TextDelta):
                    answer.append(event.text)
                yield event
        assert assistant is not None
        if not assistant.tool_calls:
            yield ev.RunFinished("answered", "".join(answer), turn, state.usage)
            return
        answer.clear()
        async for event in _run_calls(toolset, messages, assistant, settings, state, policy,
                                      approver, failures):  # fmt: skip
            yield event
    turns = "1 turn" if settings.max_turns == 1 else f"{settings.max_turns} turns"
    yield ev.Notice(f"stopped after {turns} without a final answer")
    yield ev.RunFinished("max_turns", "".join(answer), settings.max_turns, state.usage)


class _RunState:
    """What the loop learns while it runs: usage so far, and whether tools go in the prompt."""

    def __init__(self, capabilities: Capabilities, settings: LoopSettings) -> None:
        self.capabilities = capabilities
        self.text_mode = settings.tool_mode == "text" or (
            settings.tool_mode == "auto" and not capabilities.native_tools
        )
        self.usage = Usage()

    def add(self, usage: Usage | None) -> None:
        if usage is not None:
            self.usage += usage


async def _turn(
    provider: Provider,
    toolset: Toolset,
    messages: list[Message],
    settings: LoopSettings,
    state: _RunState,
    turn: int,
) -> AsyncIterator[ev.Event | AssistantMessage]:
    """One model turn (with one bounded retry when a forced tool choice was ignored)."""
    retried = False
    while True:
        plan = plan_turn(toolset, messages, settings, state.capabilities, state.text_mode,
                         first_turn=turn == 1, retry=retried)  # fmt: skip
        request = ChatRequest(
            messages=plan.messages,
            tools=plan.tools,
            tool_choice=plan.tool_choice,
            # Not sent to a model the config says cannot take it (``capabilities``).
            parallel_tool_calls=settings.parallel_tool_calls
            if plan.tools and state.capabilities.parallel_tool_calls
            else None,
            temperature=settings.temperature,
            max_tokens=settings.max_tokens,
            options=plan.options,
        )
        streamed: list[str] = []
        try:
            finish = None
            async for event in _stream(provider, request, plan.hold_back_markup, streamed):
                if isinstance(event, Finish):
                    finish = event
                else:
                    yield event
        except ToolsUnsupportedError:
            if state.text_mode or settings.tool_mode == "native":
                raise
            state.text_mode = True
            yield ev.Notice(f"{provider.model} has no native tool calling; using text tool calls")
            continue
        except asyncio.CancelledError:
            if streamed:
                messages.append(AssistantMessage(text="".join(streamed)))
            raise
        assert finish is not None, "a provider stream ends with Finish"
        state.add(finish.usage)
        message = _with_unique_ids(plan.parse(finish.message, streamed))
        shown = "".join(streamed)
        if len(message.text) > len(shown) and message.text.startswith(shown):
            yield TextDelta(message.text[len(shown) :])
        if plan.must_call and not message.tool_calls and not retried:
            retried = True
            yield ev.Notice("the model did not call a tool as required; asking once more")
            continue
        messages.append(message)
        yield ev.TurnFinished(turn, len(message.tool_calls), finish.usage)
        yield message
        return


async def _stream(
    provider: Provider, request: ChatRequest, hold_back: Callable[[str], bool], streamed: list[str]
) -> AsyncIterator[TextDelta | ev.Notice | Finish]:
    """Text deltas as they come, held back while they may be tool-call markup."""
    held = False
    async for event in provider.stream(request):
        if isinstance(event, TextDelta):
            if not held and hold_back("".join(streamed) + event.text):
                held = True
            if held:
                continue
            streamed.append(event.text)
            yield event
        elif isinstance(event, ProviderNotice):
            yield ev.Notice(event.message)
        elif isinstance(event, Finish):
            yield event


async def _run_calls(
    toolset: Toolset,
    messages: list[Message],
    assistant: AssistantMessage,
    settings: LoopSettings,
    state: _RunState,
    policy: Policy,
    approver: Approver | None,
    failures: dict[str, int],
) -> AsyncIterator[ev.Event]:
    """Run the calls of one turn (concurrently unless ``parallel_tool_calls`` is off).

    Each call's ``ToolCallFinished`` comes as it ends (a front end shows a finished call as
    finished while its sibling runs); results go into history in the model's order. A call
    is dispatched only once its ``ToolCallStarted`` has been taken by the front end, so a
    run cancelled at any point has reported every call that reached a server.
    """
    queue: _Events = asyncio.Queue()
    images = state.capabilities.images and not state.text_mode
    finished: dict[str, _Outcome] = {}

    async def one(call: ToolCall) -> None:
        outcome = await _one_call(
            toolset, call, settings, policy, approver, failures, queue, images
        )
        finished[call.id] = outcome
        queue.put_nowait((outcome.event, None))

    async def all_calls() -> None:
        if settings.parallel_tool_calls:
            await asyncio.gather(*(one(call) for call in assistant.tool_calls))
        else:
            for call in assistant.tool_calls:
                await one(call)

    everything = asyncio.ensure_future(all_calls())
    try:
        while not everything.done():
            getter = asyncio.ensure_future(queue.get())
            waiting: set[asyncio.Future[Any]] = {getter, everything}
            await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
            if getter.done():
                event, taken = getter.result()
                yield event
                if taken is not None:
                    taken.set_result(None)  # the front end has it: the call may go out
            else:
                getter.cancel()
        while not queue.empty():
            yield queue.get_nowait()[0]
        everything.result()
    except BaseException:
        everything.cancel()
        await asyncio.gather(everything, return_exceptions=True)
        # Every call needs a result in history, or the next request is invalid.
        for call in assistant.tool_calls:
            outcome = finished.get(call.id)
            messages.append(outcome.message if outcome else _cancelled(call))
        raise
    for call in assistant.tool_calls:
        messages.append(finished[call.id].message)


_Events = asyncio.Queue[tuple[ev.Event, "asyncio.Future[None] | None"]]
"""A turn's call events, each with the future its call waits on until the event is taken."""


def _with_unique_ids(message: AssistantMessage) -> AssistantMessage:
    """The turn with every call id non-empty and unique, so each call keeps its own result.

    Results are matched to calls by id (in events, in history, at the provider); a model
    that repeats an id, or sends none, would get one call's result twice. The first of
    equal ids keeps it; the others become ``<id>_2``, ``<id>_3``...; an empty one becomes
    ``call_<position>``.
    """
    ids = [call.id for call in message.tool_calls]
    if all(ids) and len(set(ids)) == len(ids):
        return message
    used = set(ids)
    seen: set[str] = set()
    calls = []
    for position, call in enumerate(message.tool_calls, 1):
        if not call.id or call.id in seen:
            stem = call.id or f"call_{position}"
            fresh, n = stem, 2
            while fresh in used:
                fresh, n = f"{stem}_{n}", n + 1
            used.add(fresh)
            call = dataclasses.replace(call, id=fresh)
        seen.add(call.id)
        calls.append(call)
    return dataclasses.replace(message, tool_calls=tuple(calls))


def _cancelled(call: ToolCall) -> ToolResultMessage:
    text = "the call was cancelled by the user before it finished"
    return ToolResultMessage(call.id, call.name, (TextPart(text),), is_error=True)


async def _one_call(
    toolset: Toolset,
    call: ToolCall,
    settings: LoopSettings,
    policy: Policy,
    approver: Approver | None,
    failures: dict[str, int],
    queue: _Events,
    images: bool,
) -> _Outcome:
    started = time.monotonic()  # reset once approved: the person's time is not the call's

    def finish(status: ev.ToolStatus, result: CallResult) -> _Outcome:
        parts = to_parts(result, images=images, limit=settings.result_limit)
        text = "\n".join(p.text for p in parts if isinstance(p, TextPart))
        message = ToolResultMessage(call.id, call.name, parts, is_error=status != "done")
        event = ev.ToolCallFinished(
            call.id, call.name, status, text, time.monotonic() - started, result.structured
        )
        return _Outcome(message, event)

    def error(message: str, status: ev.ToolStatus = "failed") -> _Outcome:
        return finish(status, CallResult([{"type": "text", "text": message}], is_error=True))

    problem = _check(toolset, call)
    if problem is not None:
        return error(problem)
    arguments = dict(call.arguments)
    fingerprint = call.name + json.dumps(arguments, sort_keys=True, default=str)
    if failures.get(fingerprint, 0) >= REPEAT_LIMIT:
        return error(
            f"this exact call to {call.name} already failed {REPEAT_LIMIT} times; it was not "
            "run again. Change the arguments, use another tool, or answer without it."
        )
    server = toolset.server_of(call.name)
    request = ApprovalRequest("tool", call.name, arguments, server)
    if not await policy.decide(request, approver):
        return error(f"the user denied the call to {call.name}; do not retry it", "denied")
    taken: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    queue.put_nowait((ev.ToolCallStarted(call.id, call.name, arguments, server), taken))
    await taken
    started = time.monotonic()

    def progress(update: Progress) -> None:
        event = ev.ToolProgress(call.id, update.progress, update.total, update.message)
        queue.put_nowait((event, None))

    try:
        result = await toolset.call(call.name, arguments, progress)
    except MCPError as exc:
        result = CallResult([{"type": "text", "text": f"the tool could not run: {exc}"}], True)
    if result.is_error:
        failures[fingerprint] = failures.get(fingerprint, 0) + 1
    return finish("failed" if result.is_error else "done", result)


def _check(toolset: Toolset, call: ToolCall) -> str | None:
    """Why a call cannot be dispatched (unknown tool, bad JSON, schema violation), or None."""
    validator = toolset.validator(call.name)
    if validator is None:
        return toolset.unavailable(call.name) or unknown_tool_message(call.name, toolset.schemas())
    if call.raw_arguments is not None:
        return (
            f"the arguments for {call.name} are not valid JSON ({call.raw_arguments[:200]!r}); "
            "send a JSON object that matches the tool's schema"
        )
    errors = validator.errors(dict(call.arguments))
    return format_for_model(call.name, errors) if errors else None
