"""Full garbage collections stay short while an answer streams, so typed keys keep showing.

A full collection walks every object the process holds (the SDKs, the fleet, the
transcript's widgets and their caches): bench/tui_stream.py saw typed keys shown 0.3-0.5 s
late while a 200-line answer streamed, once per full collection. While an answer streams,
the objects that existed before it are frozen (no collection walks them) and automatic
full collections wait; every ``PERIOD`` seconds ``tick`` collects only what was made
since the last tick and freezes what lives on. When the answer ends, ``settle`` collects
what was made since the last tick and thaws everything.
"""

from __future__ import annotations

import gc
import time

__all__ = ["PERIOD", "hold", "release", "settle", "tick"]

# Each tick walks the objects of the last PERIOD seconds of streaming, never all of the
# answer's: measured, 35-65 ms per tick against 0.3-0.5 s for a full collection.
PERIOD = 1.0

_NEVER = 1 << 30  # young collections between two full ones: never, in practice

_holders = 0
_thresholds: tuple[int, int, int] | None = None
_frozen = False
_last = 0.0  # time.monotonic() of the last tick that collected


def hold() -> None:
    """Freeze what exists and hold off automatic full collections until ``release``."""
    global _holders, _thresholds, _frozen, _last
    if _holders == 0:
        _last = time.monotonic()
        _thresholds = gc.get_threshold()
        young, middle, _ = _thresholds
        gc.set_threshold(young, middle, _NEVER)
        if not _frozen:
            gc.freeze()
            _frozen = True
    _holders += 1


def tick() -> None:
    """While held, every ``PERIOD`` seconds: collect the objects made since the last tick
    and freeze those that live on (call it after each update of a streamed answer)."""
    global _last
    now = time.monotonic()
    if _holders and now - _last >= PERIOD:
        _last = now
        gc.collect()
        gc.freeze()


def release(*, thaw: bool = False) -> None:
    """Let automatic full collections run again once the last holder is done.

    Then call ``settle``, or pass ``thaw`` to unfreeze at once without collecting (the
    next automatic full collection frees what the streaming left).
    """
    global _holders, _thresholds
    if _holders == 0:
        return
    _holders -= 1
    if _holders == 0 and _thresholds is not None:
        gc.set_threshold(*_thresholds)
        _thresholds = None
        if thaw:
            _thaw()


def settle() -> None:
    """Collect what the streaming made since the last tick, then unfreeze everything
    (nothing to do while an answer streams again)."""
    if _holders == 0 and _frozen:
        gc.collect()
        _thaw()


def _thaw() -> None:
    global _frozen
    gc.unfreeze()
    _frozen = False
