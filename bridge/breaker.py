"""A per-server circuit breaker: calls fail at once while a server keeps failing.

After ``failures`` failed or timed-out calls in a row the breaker opens: calls fail at
once for ``cooldown`` seconds, with a message the model can act on. Then it is half-open:
one trial call goes through; its success closes the breaker, its failure opens it again.
"""

from __future__ import annotations

import time
from collections.abc import Callable

__all__ = ["Breaker"]


class Breaker:
    """The breaker of one server; ``clock`` is monotonic seconds (replaceable in tests)."""

    def __init__(
        self, failures: int, cooldown: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.threshold = failures
        self.cooldown = cooldown
        self.clock = clock
        self.consecutive = 0
        self.opened_at: float | None = None
        self.trial = False  # a half-open trial call is under way
        self.last_failure: str | None = None

    @property
    def state(self) -> str:
        """``closed``, ``open`` or ``half-open``."""
        if self.opened_at is None:
            return "closed"
        return "open" if self.remaining() > 0 else "half-open"

    def remaining(self) -> float:
        """Seconds left in the cool-down (0 when closed or half-open)."""
        if self.opened_at is None:
            return 0.0
        return max(0.0, self.opened_at + self.cooldown - self.clock())

    def refusal(self, server: str) -> str | None:
        """Why a call must fail at once, or None when it may go to the server."""
        if self.opened_at is None:
            return None
        left = self.remaining()
        if left <= 0 and not self.trial:
            self.trial = True  # half-open: this call is the trial
            return None
        wait = f"{left:.0f}s" if left > 0 else "a moment"
        cause = f" (last: {self.last_failure})" if self.last_failure else ""
        return (
            f"server {server!r} failed {self.consecutive} calls in a row{cause}, so its "
            f"calls are paused for {wait}; use another tool, or answer without this one"
        )

    def succeeded(self) -> None:
        """The server answered: close the breaker."""
        self.consecutive = 0
        self.opened_at = None
        self.trial = False

    def failed(self, reason: str) -> None:
        """A call failed or timed out: count it; open (again) at the threshold or on a trial."""
        self.consecutive += 1
        self.last_failure = reason.splitlines()[0][:200] if reason else None
        if self.trial or self.consecutive >= self.threshold:
            self.opened_at = self.clock()
        self.trial = False
