"""Processes a server leaves behind: the host as child subreaper, and a sweep of descendants.

A server's grandchild that calls ``setsid`` escapes the process group the stdio transport
kills. On Linux the host becomes a child subreaper, so such orphans are reparented to it
and a walk of ``/proc`` finds them; elsewhere both are no-ops.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import select
import signal
import sys
import time
from pathlib import Path

__all__ = [
    "Process",
    "become_subreaper",
    "descendants",
    "kill_all",
    "kill_now",
    "sweep",
    "wait_ended",
]

PR_SET_CHILD_SUBREAPER = 36
_PROC = Path("/proc")

# A process as (pid, start time in clock ticks): the start time tells a pid from its reuse.
Process = tuple[int, int]


def become_subreaper() -> bool:
    """Make orphaned descendants of this process its children (Linux only); True on success."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return bool(libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0)
    except (OSError, AttributeError):
        return False


def _stat(pid: int) -> tuple[str, int, int] | None:
    """State, parent pid and start time of ``pid``, or None when it is gone."""
    try:
        text = (_PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    # The command name may hold spaces and parentheses: split after the last ")".
    fields = text.rsplit(")", 1)[1].split()
    return fields[0], int(fields[1]), int(fields[19])


def descendants(root: int) -> list[Process]:
    """Every living process whose parent chain leads to ``root``, parents before children."""
    if not _PROC.is_dir():
        return []
    children: dict[int, list[Process]] = {}
    for entry in _PROC.iterdir():
        if not entry.name.isdigit():
            continue
        stat = _stat(int(entry.name))
        if stat is None or stat[0] == "Z":
            continue
        children.setdefault(stat[1], []).append((int(entry.name), stat[2]))
    found: list[Process] = []
    queue = [root]
    while queue:
        for process in children.get(queue.pop(0), []):
            found.append(process)
            queue.append(process[0])
    return found


def _alive(process: Process) -> bool:
    stat = _stat(process[0])
    return stat is not None and stat[0] != "Z" and stat[2] == process[1]


def _signal(processes: list[Process], sig: signal.Signals) -> None:
    for process in processes:
        if _alive(process):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(process[0], sig)


def _reap_children() -> None:
    """Collect the exit status of every child that has ended (orphans reparented to us)."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def wait_ended(processes: list[Process], seconds: float) -> list[Process]:
    """Wait up to ``seconds`` for killed processes to end, without reaping anyone (asyncio
    reaps its own children); those still running. Blocks: call it in a thread."""
    return _wait_gone(processes, seconds, reap=False)


def _wait_gone(processes: list[Process], seconds: float, *, reap: bool = True) -> list[Process]:
    """Wait up to ``seconds`` for the processes to end, reaping ours when ``reap``; those
    still alive."""
    deadline = time.monotonic() + seconds
    while True:
        if reap:
            _reap_children()
        left = [p for p in processes if _alive(p)]
        remaining = deadline - time.monotonic()
        if not left or remaining <= 0:
            return left
        _wait_for_exit(left[0], min(remaining, 0.05))


def _wait_for_exit(process: Process, seconds: float) -> None:
    # A pidfd becomes readable when the process ends: no polling where the kernel has one.
    try:
        fd = os.pidfd_open(process[0])
    except (AttributeError, OSError):
        select.select([], [], [], seconds)  # no pidfd: a short, bounded pause
        return
    try:
        select.select([fd], [], [], seconds)
    finally:
        os.close(fd)


def kill_now(processes: list[Process]) -> None:
    """SIGKILL the processes that are still the ones listed; never waits."""
    _signal(processes, signal.SIGKILL)


def kill_all(processes: list[Process], grace: float) -> None:
    """SIGTERM, up to ``grace`` seconds to exit, then SIGKILL; reap what is ours."""
    if not processes:
        return
    _signal(processes, signal.SIGTERM)
    left = _wait_gone(processes, grace)
    _signal(left, signal.SIGKILL)
    _wait_gone(left, 1.0)


def sweep(grace: float = 1.0) -> int:
    """End every descendant of this process (terminate, then kill) and reap them all.

    Returns how many were found. Repeats while killing a parent reparents more orphans.
    """
    total = 0
    for _ in range(5):
        found = descendants(os.getpid())
        if not found:
            break
        total += len(found)
        kill_all(found, grace)
    _reap_children()
    return total
