"""The call log: per-tool counts, error rates and latency percentiles of a fleet's calls.

Kept in memory for the life of the fleet; ``agent servers --tools`` shows it and a run's
``summary`` event reports it. Latencies are the most recent ``WINDOW`` calls of a tool.
"""

from __future__ import annotations

import math
import statistics
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field

__all__ = ["CallLog", "ToolStats", "percentile"]

WINDOW = 1000


@dataclass(frozen=True, slots=True)
class ToolStats:
    """One tool's calls so far: ``errors`` includes refusals; latencies are in ms."""

    server: str
    tool: str
    calls: int
    errors: int
    cached: int
    refused: int
    p50_ms: float | None
    p95_ms: float | None
    p99_ms: float | None

    @property
    def error_rate(self) -> float:
        return self.errors / self.calls if self.calls else 0.0


@dataclass
class _Record:
    calls: int = 0
    errors: int = 0
    cached: int = 0
    refused: int = 0
    latencies: deque[float] = field(default_factory=lambda: deque(maxlen=WINDOW))


def percentile(values: list[float], fraction: float) -> float | None:
    """The nearest-rank percentile of ``values`` (sorted), or None when there are none."""
    if not values:
        return None
    rank = math.ceil(fraction * len(values) - 1e-9)  # the epsilon absorbs 0.95 * 20 > 19
    return values[min(max(rank, 1), len(values)) - 1]


class CallLog:
    """Counts and latencies by (server, tool), in the order tools were first called."""

    def __init__(self) -> None:
        self._records: dict[tuple[str, str], _Record] = {}

    def _record(self, server: str, tool: str) -> _Record:
        return self._records.setdefault((server, tool), _Record())

    def finished(self, server: str, tool: str, seconds: float, *, error: bool) -> None:
        """A call reached the server and ended (an error result or exception is an error)."""
        record = self._record(server, tool)
        record.calls += 1
        record.errors += error
        record.latencies.append(seconds)

    def cached(self, server: str, tool: str) -> None:
        """A call answered from the result cache."""
        record = self._record(server, tool)
        record.calls += 1
        record.cached += 1

    def refused(self, server: str, tool: str) -> None:
        """A call failed at once (the breaker is open): an error that never reached the server."""
        record = self._record(server, tool)
        record.calls += 1
        record.errors += 1
        record.refused += 1

    def server_totals(self, server: str) -> tuple[int, float | None]:
        """The calls that reached ``server`` and their median latency in ms (None: no call)."""
        records = [record for (name, _), record in self._records.items() if name == server]
        reached = sum(record.calls - record.cached - record.refused for record in records)
        latencies = [seconds for record in records for seconds in record.latencies]
        return reached, statistics.median(latencies) * 1000 if latencies else None

    def stats(self, tools: Iterable[tuple[str, str]] = ()) -> list[ToolStats]:
        """A row per tool called so far, plus a zero row for each of ``tools`` not called."""
        keys = list(self._records)
        keys += [pair for pair in dict.fromkeys(tools) if pair not in self._records]
        rows = []
        for server, tool in keys:
            record = self._records.get((server, tool)) or _Record()
            ordered = sorted(record.latencies)
            p50, p95, p99 = (percentile(ordered, f) for f in (0.50, 0.95, 0.99))
            rows.append(
                ToolStats(
                    server,
                    tool,
                    record.calls,
                    record.errors,
                    record.cached,
                    record.refused,
                    p50 * 1000 if p50 is not None else None,
                    p95 * 1000 if p95 is not None else None,
                    p99 * 1000 if p99 is not None else None,
                )
            )
        return rows
