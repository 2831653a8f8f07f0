"""Which scopes to ask for: the MCP scope selection strategy and step-up unions."""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["OFFLINE_ACCESS", "select_scopes", "union"]

OFFLINE_ACCESS = "offline_access"


def select_scopes(
    *,
    configured: Sequence[str] | None,
    challenged: Sequence[str],
    resource_supported: Sequence[str] | None,
    server_supported: Sequence[str] | None,
) -> tuple[str, ...]:
    """The scopes of a new authorization request; empty means "omit the parameter".

    The config wins; else the challenge's ``scope``; else the protected resource's
    ``scopes_supported``; else none. ``offline_access`` is added (SEP-2207) only when the
    authorization server lists it and other scopes are requested anyway: asking for it
    alone could narrow a grant that would otherwise carry the server's defaults.
    """
    if configured is not None:
        return tuple(configured)
    chosen = tuple(challenged) or tuple(resource_supported or ())
    if chosen and OFFLINE_ACCESS in (server_supported or ()) and OFFLINE_ACCESS not in chosen:
        chosen = (*chosen, OFFLINE_ACCESS)
    return chosen


def union(*groups: Sequence[str]) -> tuple[str, ...]:
    """Every scope of every group once, in first-seen order (for step-up requests)."""
    return tuple(dict.fromkeys(scope for group in groups for scope in group))
