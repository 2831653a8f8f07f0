"""Resilience: the per-server breaker, the opt-in result cache and the call log."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from bridge.breaker import Breaker
from bridge.calllog import CallLog, percentile
from bridge.errors import RemoteError, RequestTimeoutError
from bridge.fleet import Fleet
from bridge.result_cache import ResultCache
from config.schema import ServerConfig

from .mcp.conftest import SERVERS

SCRIPTED = str(SERVERS / "scripted_server.py")
READ_ONLY = {"readOnlyHint": True, "idempotentHint": True}


def scripted(tmp_path: Path, extra: dict[str, Any] | None = None, **behaviour: Any) -> ServerConfig:
    path = tmp_path / "behaviour.json"
    path.write_text(json.dumps(behaviour))
    return ServerConfig.model_validate(
        {"command": sys.executable, "args": [SCRIPTED, str(path)], **(extra or {})}
    )


def tool(name: str, annotations: dict[str, Any] | None = None) -> dict[str, Any]:
    listed: dict[str, Any] = {"name": name, "inputSchema": {"type": "object"}}
    if annotations is not None:
        listed["annotations"] = annotations
    return listed


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_a_failing_server_trips_its_breaker_and_calls_then_fail_at_once(tmp_path):
    server = scripted(tmp_path, {"breaker": {"failures": 3, "cooldown": 30}}, calls="error")
    async with Fleet({"down": server}) as fleet:
        for _ in range(3):
            with pytest.raises(RemoteError, match="the backend is down"):
                await fleet.call("down", "echo", {})
        assert fleet.status()[0].breaker == "open"
        refused = await fleet.call("down", "echo", {})
        assert refused.is_error
        assert "server 'down' failed 3 calls in a row" in refused.text
        assert "the backend is down" in refused.text
        assert "use another tool, or answer without this one" in refused.text
        (row,) = fleet.call_stats()
        assert (row.calls, row.errors, row.refused) == (4, 4, 1)
        assert fleet.status()[0].calls == 3  # the refusal never reached the server


async def test_timeouts_trip_the_breaker_too(tmp_path):
    server = scripted(tmp_path, {"breaker": {"failures": 2}, "call_timeout": 0.2}, calls="hang")
    async with Fleet({"slow": server}) as fleet:
        for _ in range(2):
            with pytest.raises(RequestTimeoutError):
                await fleet.call("slow", "echo", {})
        assert fleet.status()[0].breaker == "open"
        assert (await fleet.call("slow", "echo", {})).is_error


def test_after_the_cooldown_one_trial_call_decides():
    clock = Clock()
    breaker = Breaker(failures=2, cooldown=30, clock=clock)
    breaker.failed("boom")
    assert breaker.refusal("s") is None and breaker.state == "closed"
    breaker.failed("boom")
    assert breaker.state == "open" and "paused for 30s" in (breaker.refusal("s") or "")
    clock.now += 30
    assert breaker.state == "half-open"
    assert breaker.refusal("s") is None  # the trial goes through...
    assert breaker.refusal("s") is not None  # ...alone
    breaker.failed("still down")
    assert breaker.state == "open"  # a failed trial opens it again at once
    clock.now += 30
    assert breaker.refusal("s") is None
    breaker.succeeded()
    assert breaker.state == "closed" and breaker.refusal("s") is None


async def test_tool_error_results_do_not_trip_the_breaker(tmp_path):
    box = ServerConfig.model_validate(
        {"command": sys.executable, "args": ["-m", "agent", "toolbox"], "breaker": {"failures": 1}}
    )
    async with Fleet({"box": box}) as fleet:
        for _ in range(3):
            assert (await fleet.call("box", "calculate", {"expression": "1/0"})).is_error
        assert fleet.status()[0].breaker == "closed"
        (row,) = fleet.call_stats()
        assert (row.calls, row.errors, row.refused) == (3, 3, 0)


async def test_results_of_read_only_idempotent_tools_are_reused_within_the_ttl(tmp_path):
    tools = [tool("lookup", READ_ONLY), tool("write"), tool("half", {"readOnlyHint": True})]
    server = scripted(tmp_path, {"cache": {"ttl": 60}}, tools=tools)
    async with Fleet({"s": server}) as fleet:
        first = await fleet.call("s", "lookup", {"a": 1, "b": 2})
        again = await fleet.call("s", "lookup", {"b": 2, "a": 1})  # the same, canonically
        other = await fleet.call("s", "lookup", {"a": 2})
        assert first.text == again.text == 'call 1 {"a": 1, "b": 2}'
        assert other.text == 'call 2 {"a": 2}'
        # Without both hints nothing is cached.
        assert (await fleet.call("s", "write", {})).text == "call 3 {}"
        assert (await fleet.call("s", "write", {})).text == "call 4 {}"
        assert (await fleet.call("s", "half", {})).text == "call 5 {}"
        assert (await fleet.call("s", "half", {})).text == "call 6 {}"
        stats = {row.tool: row for row in fleet.call_stats()}
        assert (stats["lookup"].calls, stats["lookup"].cached) == (3, 1)
        (status,) = fleet.status()
        assert status.calls == 6 and status.median_ms is not None  # the cached one is not


async def test_without_the_cache_key_results_are_never_reused(tmp_path):
    server = scripted(tmp_path, tools=[tool("lookup", READ_ONLY)])
    async with Fleet({"s": server}) as fleet:
        texts = [(await fleet.call("s", "lookup", {})).text for _ in range(2)]
    assert texts == ["call 1 {}", "call 2 {}"]


def test_the_result_cache_forgets_after_the_ttl_and_never_stores_errors():
    from bridge.mcp import CallResult

    clock = Clock()
    cache = ResultCache(ttl=60, max_entries=2, clock=clock)
    ok = CallResult([{"type": "text", "text": "ok"}])
    key = cache.key("t", {"x": 1})
    assert key is not None
    cache.put(key, ok)
    clock.now += 59
    assert cache.get(key) is ok
    clock.now += 1
    assert cache.get(key) is None
    cache.put(key, CallResult([{"type": "text", "text": "no"}], is_error=True))
    assert cache.get(key) is None
    for n in range(3):
        cache.put(f"k{n}", ok)
    assert cache.get("k0") is None and cache.get("k2") is ok  # the oldest went first
    assert cache.key("t", {"x": {1, 2}}) is None  # not JSON: not cached


def test_the_call_log_reports_counts_error_rates_and_percentiles():
    log = CallLog()
    for ms in range(1, 101):
        log.finished("s", "t", ms / 1000, error=ms % 10 == 0)
    log.cached("s", "t")
    (row, zero) = log.stats([("s", "t"), ("s", "never")])
    assert (row.calls, row.errors, row.cached) == (101, 10, 1)
    assert row.error_rate == pytest.approx(10 / 101)
    assert (row.p50_ms, row.p95_ms, row.p99_ms) == pytest.approx((50, 95, 99))
    assert (zero.tool, zero.calls, zero.p50_ms, zero.error_rate) == ("never", 0, None, 0.0)
    assert percentile([], 0.5) is None and percentile([3.0], 0.99) == 3.0
