"""The agent subtree of the error tree (drawn in ``config/errors.py``)."""

from __future__ import annotations

from config.errors import HostError

__all__ = ["AgentError", "UsageError"]


class AgentError(HostError):
    """A front-end failure: the command line or the person's session."""


class UsageError(AgentError):
    """The command line cannot be run as given."""

    exit_code = 2
