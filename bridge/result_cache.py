"""The opt-in result cache: the same read-only, idempotent call within a ttl is not repeated.

Only tools whose annotations declare both ``readOnlyHint`` and ``idempotentHint`` are
cached (a server's word that repeating the call changes nothing and returns the same);
keys are the tool and its arguments as canonical JSON; errors are never stored.
"""

from __future__ import annotations

import json
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from bridge.mcp import CallResult, Tool

__all__ = ["ResultCache", "cacheable"]


def cacheable(tool: Tool | None) -> bool:
    """Whether the tool declares both hints that make reusing its result safe."""
    if tool is None or tool.annotations is None:
        return False
    hints = tool.annotations
    return hints.get("readOnlyHint") is True and hints.get("idempotentHint") is True


class ResultCache:
    """Results of one server, least recently used first out past ``max_entries``."""

    def __init__(
        self, ttl: float, max_entries: int = 256, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self.clock = clock
        self._entries: OrderedDict[str, tuple[float, CallResult]] = OrderedDict()

    @staticmethod
    def key(tool: str, arguments: dict[str, Any]) -> str | None:
        """The tool and its arguments as canonical JSON; None when they cannot be keyed."""
        try:
            return json.dumps([tool, arguments], sort_keys=True, separators=(",", ":"))
        except (TypeError, ValueError, RecursionError):
            return None

    def get(self, key: str) -> CallResult | None:
        """The stored result when it is younger than the ttl."""
        found = self._entries.get(key)
        if found is None:
            return None
        stored_at, result = found
        if self.clock() - stored_at >= self.ttl:
            del self._entries[key]
            return None
        self._entries.move_to_end(key)
        return result

    def put(self, key: str, result: CallResult) -> None:
        """Store a result; an error result is never stored."""
        if result.is_error:
            return
        self._entries[key] = (self.clock(), result)
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)

    def clear(self) -> None:
        self._entries.clear()
