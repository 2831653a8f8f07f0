"""Full garbage collections stay short while an answer streams, and come back after it."""

from __future__ import annotations

import asyncio
import gc
import weakref

import pytest

from agent.tui import gc_hold
from agent.tui.message import ChatMessage
from agent.tui.transcript import Transcript
from tests.agent.tui.test_streaming import Host


class Cycle:
    """Garbage only a collection frees: it refers to itself."""

    def __init__(self) -> None:
        self.me = self


def held() -> bool:
    return gc.get_threshold()[2] > 1_000_000


async def test_a_streaming_answer_holds_full_collections_until_it_is_drawn():
    before = gc.get_threshold()
    async with Host().run_test(size=(80, 24)) as pilot:
        answer = ChatMessage("assistant", title="m")
        await pilot.app.query_one(Transcript).add(answer)
        await answer.write("Some *text*")
        assert held() and gc.get_freeze_count() > 0
        await answer.finish()
        await pilot.pause()
        assert gc.get_threshold() == before and gc.get_freeze_count() == 0


async def test_an_answer_removed_while_it_streams_lets_full_collections_run_again():
    before = gc.get_threshold()
    async with Host().run_test(size=(80, 24)) as pilot:
        answer = ChatMessage("assistant", title="m")
        await pilot.app.query_one(Transcript).add(answer)
        await answer.write("Some text")
        await answer.remove()
        assert gc.get_threshold() == before and gc.get_freeze_count() == 0


def test_a_tick_frees_the_garbage_made_since_the_last_and_freezes_what_lives(monkeypatch):
    monkeypatch.setattr(gc_hold, "PERIOD", 0)
    gc_hold.hold()
    try:
        frozen = gc.get_freeze_count()
        garbage = weakref.ref(Cycle())
        alive = [Cycle() for _ in range(100)]
        gc_hold.tick()
        assert garbage() is None
        assert gc.get_freeze_count() >= frozen + len(alive)
        assert held()  # still streaming
    finally:
        gc_hold.release()
        gc_hold.settle()
    assert not held() and gc.get_freeze_count() == 0


async def test_an_answer_cancelled_while_it_is_drawn_lets_full_collections_run_again():
    before = gc.get_threshold()
    async with Host().run_test(size=(80, 24)) as pilot:
        answer = ChatMessage("assistant", title="m")
        await pilot.app.query_one(Transcript).add(answer)
        await answer.write("Some text")
        async with answer.lock:  # the last update waits for the lock: cancel it there
            finishing = asyncio.create_task(answer.finish())
            await pilot.pause()
            finishing.cancel()
        with pytest.raises(asyncio.CancelledError):
            await finishing
        assert answer.is_mounted
        assert gc.get_threshold() == before and gc.get_freeze_count() == 0
