"""Asking the person at the terminal whether a tool may run (``agent run`` in a terminal)."""

from __future__ import annotations

import asyncio
import json
import sys
from typing import TextIO

from agent.render import sanitize
from bridge.approval import ApprovalRequest, Approver, Decision

__all__ = ["terminal_approver"]

_ANSWERS: dict[str, Decision] = {
    "y": "allow",
    "yes": "allow",
    "a": "allow_session",
    "always": "allow_session",
}


def terminal_approver() -> Approver | None:
    """An approver reading answers from the controlling terminal; None without one."""
    if not sys.stderr.isatty():
        return None
    try:
        # Kept open for the whole run: the process's end closes it.
        tty: TextIO = open("/dev/tty", "r+", encoding="utf-8")
    except OSError:
        return None
    lock = asyncio.Lock()

    def ask(request: ApprovalRequest) -> Decision:
        arguments = sanitize(json.dumps(request.arguments, ensure_ascii=False))[:500]
        tty.write(f"Allow {sanitize(request.name)} {arguments}? [y]es / [a]lways / [N]o: ")
        tty.flush()
        return _ANSWERS.get(tty.readline().strip().lower(), "deny")

    async def approver(request: ApprovalRequest) -> Decision:
        async with lock:  # one question at a time, even for parallel calls
            return await asyncio.to_thread(ask, request)

    return approver
