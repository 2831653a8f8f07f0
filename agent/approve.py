"""Asking the person at the terminal whether a tool may run, and ``agent call``'s verdict.

``agent run``, ``agent chat`` and ``agent call`` apply the one policy of ``agent.approval``.
"""

from __future__ import annotations

import asyncio
import json
import sys
from typing import TYPE_CHECKING, Any, TextIO

from agent.terminal import sanitize
from bridge.approval import ApprovalRequest, Approver, Decision, Policy

if TYPE_CHECKING:
    from config.schema import ApprovalPolicy

__all__ = ["authorize_call", "terminal_approver"]

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
        # Two handles: "r+" would need a seekable file, which a terminal is not. Kept open
        # for the whole run: the process's end closes them.
        answers: TextIO = open("/dev/tty", encoding="utf-8")
    except OSError:
        return None
    try:
        tty: TextIO = open("/dev/tty", "w", encoding="utf-8")
    except OSError:
        answers.close()
        return None
    lock = asyncio.Lock()

    def ask(request: ApprovalRequest) -> Decision:
        arguments = sanitize(json.dumps(request.arguments, ensure_ascii=False))[:500]
        tty.write(f"Allow {sanitize(request.name)} {arguments}? [y]es / [a]lways / [N]o: ")
        tty.flush()
        return _ANSWERS.get(answers.readline().strip().lower(), "deny")

    async def approver(request: ApprovalRequest) -> Decision:
        async with lock:  # one question at a time, even for parallel calls
            return await asyncio.to_thread(ask, request)

    return approver


async def authorize_call(
    approval: ApprovalPolicy,
    name: str,
    arguments: dict[str, Any],
    server: str | None,
    *,
    yes: bool = False,
    force: bool = False,
) -> str | None:
    """Apply ``agent.approval`` to a call a person asked for by name (``agent call``).

    Returns None when the call may run, else why not and what to do. ``yes`` allows
    what the policy would ask about; ``force`` overrides the policy, with a warning on
    stderr so that the override is never silent.
    """
    policy = Policy(approval.allow, approval.ask, approval.deny, allow_all=yes)
    verdict = policy.verdict(name)
    if force:
        if verdict != "allow":
            rule = "denies" if verdict == "deny" else "would ask about"
            print(
                f"agent: warning: agent.approval {rule} {sanitize(name)}; "
                "calling it anyway because of --force",
                file=sys.stderr,
            )
        return None
    if verdict == "deny":
        return (
            f"agent.approval.deny refuses {name}; change the config, or pass --force "
            "to call it anyway"
        )
    approver = terminal_approver() if verdict == "ask" else None
    if await policy.decide(ApprovalRequest("tool", name, arguments, server), approver):
        return None
    if approver is None:
        return (
            f"agent.approval asks before calling {name} and there is no terminal to ask; "
            "pass --yes to allow it"
        )
    return f"you declined the call to {name}"
