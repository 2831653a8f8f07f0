"""The gateway's held calls for stateless clients: rounds, re-asking, giving up."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from bridge.errors import RemoteError
from bridge.gateway_rounds import Held, Rounds


class _Peer:
    """What ``Rounds`` reads of a stateless client's request."""

    def __init__(self, client: str | None = None) -> None:
        self.capabilities: dict[str, Any] = {"elicitation": {}, "sampling": {}}
        self.client = client


async def _two_questions(held: Held) -> dict[str, Any]:
    first, second = await asyncio.gather(
        held.request("elicitation/create", {"message": "name?"}),
        held.request("sampling/createMessage", {"messages": []}),
    )
    return {"content": [{"type": "text", "text": f"{first['name']} {second['text']}"}]}


async def test_a_call_asks_in_rounds_and_an_unanswered_request_is_asked_again():
    rounds = Rounds()
    peer = _Peer()
    params: dict[str, Any] = {"name": "t"}
    async with asyncio.timeout(5):
        first = await rounds.call(params, peer, _two_questions)  # type: ignore[arg-type]
        assert first["resultType"] == "input_required"
        keys = sorted(first["inputRequests"])
        assert [first["inputRequests"][k]["method"] for k in keys] == [
            "elicitation/create",
            "sampling/createMessage",
        ]
        state = first["requestState"]
        # Only the elicitation is answered: the sampling request comes back alone.
        second = await rounds.call(
            {**params, "requestState": state, "inputResponses": {keys[0]: {"name": "Ada"}}},
            peer,  # type: ignore[arg-type]
            _two_questions,
        )
        assert list(second["inputRequests"]) == [keys[1]]
        assert second["requestState"] == state
        done = await rounds.call(
            {**params, "requestState": state, "inputResponses": {keys[1]: {"text": "hi"}}},
            peer,  # type: ignore[arg-type]
            _two_questions,
        )
    assert done["content"][0]["text"] == "Ada hi"
    assert len(rounds) == 0


async def test_a_call_whose_client_never_comes_back_is_given_up():
    rounds = Rounds(held_seconds=0.05)
    ended = asyncio.Event()

    async def waits(held: Held) -> dict[str, Any]:
        try:
            await held.request("elicitation/create", {})
        finally:
            ended.set()
        return {}

    async with asyncio.timeout(5):
        first = await rounds.call({}, _Peer(), waits)  # type: ignore[arg-type]
        await ended.wait()
    assert len(rounds) == 0
    with pytest.raises(RemoteError, match="requestState names no call held here"):
        await rounds.call(
            {"requestState": first["requestState"], "inputResponses": {}},
            _Peer(),  # type: ignore[arg-type]
            waits,
        )


async def test_past_the_limit_the_oldest_held_call_is_given_up():
    rounds = Rounds(limit=2)
    cancelled: list[int] = []
    first_gone = asyncio.Event()

    def asker(number: int) -> Any:
        async def ask(held: Held) -> dict[str, Any]:
            try:
                await held.request("elicitation/create", {})
            except asyncio.CancelledError:
                cancelled.append(number)
                first_gone.set()
                raise
            return {}

        return ask

    async with asyncio.timeout(5):
        for number in range(3):
            await rounds.call({}, _Peer(), asker(number))  # type: ignore[arg-type]
        await first_gone.wait()
    assert cancelled == [0]
    assert len(rounds) == 2


async def test_a_client_that_cancels_its_request_cancels_the_held_call():
    rounds = Rounds()
    started = asyncio.Event()
    cancelled = asyncio.Event()

    async def slow(_held: Held) -> dict[str, Any]:
        started.set()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            cancelled.set()
            raise
        return {}

    async with asyncio.timeout(5):
        request = asyncio.create_task(rounds.call({}, _Peer(), slow))  # type: ignore[arg-type]
        await started.wait()
        request.cancel()
        await cancelled.wait()
    assert len(rounds) == 0


async def test_a_tool_error_of_the_held_call_reaches_the_client_as_its_error():
    async def fails(_held: Held) -> dict[str, Any]:
        raise RemoteError(-32602, "Unknown tool: 'x'")

    rounds = Rounds()
    with pytest.raises(RemoteError, match="Unknown tool"):
        await rounds.call({}, _Peer(), fails)  # type: ignore[arg-type]
    assert len(rounds) == 0


async def test_a_client_past_its_own_bound_gives_up_its_own_oldest_call_not_anothers():
    rounds = Rounds(per_client=2)
    cancelled: list[str] = []
    gone = asyncio.Event()

    def asker(label: str) -> Any:
        async def ask(held: Held) -> dict[str, Any]:
            try:
                await held.request("elicitation/create", {})
            except asyncio.CancelledError:
                cancelled.append(label)
                gone.set()
                raise
            return {}

        return ask

    async with asyncio.timeout(5):
        await rounds.call({}, _Peer("other"), asker("other"))  # type: ignore[arg-type]
        for n in range(3):
            await rounds.call({}, _Peer("greedy"), asker(f"greedy-{n}"))  # type: ignore[arg-type]
        await gone.wait()
    assert cancelled == ["greedy-0"]
    assert len(rounds) == 3
