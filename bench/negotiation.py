"""Benchmark: what the server/discover probe adds to a session's start over stdio.

Run: python bench/negotiation.py [--rounds 5]

For each server it opens sessions with ``protocol="auto"`` (probe, then fall back) and
with 2025-11-25 pinned (``initialize`` only), and prints the median time from spawn to a
negotiated session for each. Servers: the SDK v2 reference server (answers the
probe: 2026-07-28), a raw handshake-only server (answers the probe with method not found),
and a legacy server that ignores unknown methods (the probe times out). Targets: the
probe costs a legacy server that answers at most 20 ms; a silent one pays the 2 s bound.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SERVERS = {
    "sdk (2026-07-28)": ([str(ROOT / "tests/servers/sdk_server.py")], "2025-11-25"),
    "raw (method not found)": ([str(ROOT / "tests/servers/raw_server.py"), "echo"], "2025-11-25"),
    "silent legacy": ([str(ROOT / "tests/faults/hostile_rpc_server.py"), "behave"], "2025-11-25"),
}


async def open_once(argv: list[str], protocol: str) -> float:
    from bridge.mcp import ClientSession, StdioTransport

    with tempfile.TemporaryDirectory() as scratch:
        args = [*argv, str(Path(scratch) / "pid")] if "hostile" in argv[0] else argv
        session = ClientSession(
            StdioTransport(sys.executable, args, name="bench"), name="bench", protocol=protocol
        )
        started = time.perf_counter()
        await session.open(timeout=30)
        took = time.perf_counter() - started
        await session.aclose()
    return took


async def main(rounds: int) -> None:
    for label, (argv, pinned) in SERVERS.items():
        auto = [await open_once(argv, "auto") for _ in range(rounds)]
        fixed = [await open_once(argv, pinned) for _ in range(rounds)]
        a, f = statistics.median(auto) * 1000, statistics.median(fixed) * 1000
        print(f"{label:24} auto {a:7.1f} ms   pinned {pinned} {f:7.1f} ms   probe {a - f:+7.1f} ms")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    asyncio.run(main(parser.parse_args().rounds))
