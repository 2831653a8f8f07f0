"""Asking the person through a modal screen from any task, and waiting for the answer."""

from __future__ import annotations

import asyncio
from typing import Any, TypeVar

from textual.app import App
from textual.screen import Screen

__all__ = ["ask"]

T = TypeVar("T")


async def ask(app: App[Any], screen: Screen[T]) -> T | None:
    """Show ``screen`` and wait for what it is dismissed with.

    Unlike ``push_screen_wait`` this needs no worker, so the loop's approver and the
    fleet's elicitation handler (plain tasks) can call it. If the waiting task is cancelled
    (the person cancelled the turn), the modal is dismissed with it.
    """
    answer: asyncio.Future[T | None] = asyncio.get_running_loop().create_future()

    def settle(result: T | None) -> None:
        if not answer.done():
            answer.set_result(result)

    await app.push_screen(screen, callback=settle)
    try:
        return await answer
    except asyncio.CancelledError:
        if screen.is_current:
            screen.dismiss(None)
        raise
