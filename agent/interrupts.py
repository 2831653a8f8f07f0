"""SIGINT, SIGTERM and SIGHUP as cancellation: each cancels the command's main task.

In-flight calls then send ``notifications/cancelled``, the fleet shuts down, and the
command exits 128 + the signal's number (130, 143, 129) through :class:`Interrupted`.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Coroutine
from typing import Any, TypeVar

__all__ = ["SIGNALS", "Interrupted", "raise_interrupted", "run"]

T = TypeVar("T")

SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class Interrupted(KeyboardInterrupt):
    """A signal ended the command; ``exit_code`` is 128 + its number.

    A KeyboardInterrupt, as SIGINT always was: it is not an error of the tree.
    """

    def __init__(self, signum: int) -> None:
        self.signum = signum
        self.exit_code = 128 + signum
        super().__init__(f"interrupted by {signal.Signals(signum).name}")


def run(main: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run(main)``, with SIGINT, SIGTERM and SIGHUP cancelling ``main``.

    A second signal while the first one's clean-up runs cancels again and cuts the clean-up
    short (the sweep at exit still ends every process). Raises :class:`Interrupted`.
    """
    received: list[int] = []

    async def guarded() -> T:
        task = asyncio.current_task()
        assert task is not None
        loop = asyncio.get_running_loop()

        def on_signal(signum: int) -> None:
            received.append(signum)
            task.cancel()

        for sig in SIGNALS:
            loop.add_signal_handler(sig, on_signal, sig)
        return await main

    # Closing the loop resets its handlers to the defaults; put back what was there.
    previous = {sig: signal.getsignal(sig) for sig in SIGNALS}
    try:
        result = asyncio.run(guarded())
    except BaseException:
        # Cancelled, or a clean-up failed on the way out: the signal is still why we stop.
        if received:
            raise Interrupted(received[0]) from None
        raise
    finally:
        for sig, handler in previous.items():
            if handler is not None:  # None: set outside Python, cannot be put back
                signal.signal(sig, handler)
    if received:  # the command caught the cancellation and returned: still interrupted
        raise Interrupted(received[0])
    return result


def raise_interrupted(signum: int, frame: object) -> None:
    """A ``signal.signal`` handler for before and after the loop: stop as SIGINT would."""
    raise Interrupted(signum)
