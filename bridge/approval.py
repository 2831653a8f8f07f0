"""The approval policy: allow, ask or deny each tool call (and sampling) by glob."""

from __future__ import annotations

import fnmatch
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = ["ApprovalRequest", "Approver", "Decision", "Policy", "Verdict"]

Verdict = Literal["allow", "ask", "deny"]
Decision = Literal["allow", "allow_session", "deny"]


@dataclass(frozen=True, slots=True)
class ApprovalRequest:
    """What a front-end is asked to approve: a tool call, or a server's sampling request."""

    kind: Literal["tool", "sampling"]
    name: str
    arguments: dict[str, Any]
    server: str | None = None


Approver = Callable[[ApprovalRequest], Awaitable[Decision]]


def _matches(name: str, patterns: Iterable[str]) -> bool:
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in patterns)


@dataclass
class Policy:
    """Deny wins over ask, ask over allow; a name no rule allows is asked about.

    ``allow_all`` (the command line's ``--yes``) turns every ``ask`` about a tool into
    ``allow``; ``allow_sampling`` (``--allow-sampling``) does the same for servers'
    sampling requests, which ``--yes`` does not cover: sampling spends the person's model
    on a server's prompt. Neither overrides ``deny``. Decisions of ``allow_session`` are
    remembered per name.
    """

    allow: tuple[str, ...] = ("*",)
    ask: tuple[str, ...] = ()
    deny: tuple[str, ...] = ()
    sampling: Verdict = "ask"
    allow_all: bool = False
    remembered: set[str] = field(default_factory=set)
    allow_sampling: bool = False

    def verdict(self, name: str) -> Verdict:
        if _matches(name, self.deny):
            return "deny"
        if name in self.remembered or self.allow_all:
            return "allow"
        if _matches(name, self.ask) or not _matches(name, self.allow):
            return "ask"
        return "allow"

    async def decide(self, request: ApprovalRequest, approver: Approver | None) -> bool:
        """Whether the request may go ahead, asking the approver when the policy says ask."""
        if request.kind == "sampling":
            verdict = self.sampling
            if verdict == "ask" and self.allow_sampling:
                verdict = "allow"
        else:
            verdict = self.verdict(request.name)
        if verdict != "ask":
            return verdict == "allow"
        if approver is None:
            return False  # nobody to ask: a headless run denies
        decision = await approver(request)
        if decision == "allow_session":
            self.remembered.add(request.name)
        return decision != "deny"
