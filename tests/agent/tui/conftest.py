"""Fixtures for the chat UI: a real toolbox fleet and helpers that drive the app with Pilot."""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator

import pytest
from textual.pilot import Pilot
from textual.worker import WorkerCancelled

from agent.tui import ChatApp
from bridge.toolset import FleetToolset
from tests.fakes import toolbox_fleet

WAIT = 15  # seconds: the bound on every wait in these tests


@pytest.fixture
async def box() -> AsyncIterator[FleetToolset]:
    async with toolbox_fleet() as toolset:
        yield toolset


async def send(pilot: Pilot[None], text: str) -> None:
    """Put ``text`` in the message box and press enter."""
    composer = pilot.app.query_one("#composer")
    composer.text = text  # type: ignore[attr-defined]
    composer.focus()
    await pilot.press("enter")
    await pilot.pause()


async def finish_turn(pilot: Pilot[None]) -> None:
    """Wait (bounded) for the running turn to end, then for the screen to settle."""
    app = pilot.app
    assert isinstance(app, ChatApp)
    async with asyncio.timeout(WAIT):
        while app.turn is None:
            await pilot.pause()
        with contextlib.suppress(WorkerCancelled):
            await app.turn.wait()
    await pilot.pause()


async def until(pilot: Pilot[None], condition, what: str) -> None:
    """Let the app run until ``condition()`` holds (bounded)."""
    try:
        async with asyncio.timeout(WAIT):
            while not condition():
                await pilot.pause(0.01)
    except TimeoutError:
        raise AssertionError(f"timed out waiting for {what}") from None


def children_of(pid: int) -> set[int]:
    """The live child processes of ``pid`` (from /proc)."""
    found = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    state, parent = stat.read().rsplit(")", 1)[1].split()[:2]
            except (OSError, IndexError, ValueError):
                continue
            if int(parent) == pid and state != "Z":
                found.add(int(entry))
    return found
