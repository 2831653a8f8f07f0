"""Benchmark: starting 50 toolbox servers at once vs starting one (target: under 2x).

Run: python bench/fleet_start.py [--servers 50] [--rounds 5]

Each toolbox is a Python process that spends most of its start on the CPU, so on a
2-core machine 50 of them cannot start in under twice the time of one. The floor is the
same servers spawned and initialized by a bare asyncio client that does nothing else:
how far the fleet sits above the floor is what the fleet itself costs.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import json

from bridge.fleet import Fleet, ServerState
from config.schema import ServerConfig

INITIALIZE = json.dumps(
    {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "initialize",
        "params": {
            "protocolVersion": "2025-11-25",
            "capabilities": {},
            "clientInfo": {"name": "floor", "version": "0"},
        },
    }
).encode()


async def floor_one() -> None:
    proc = await asyncio.create_subprocess_exec(
        *TOOLBOX, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE
    )
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write(INITIALIZE + b"\n")
    await proc.stdout.readline()
    proc.stdin.close()
    await proc.wait()


async def floor(count: int) -> float:
    began = time.perf_counter()
    await asyncio.gather(*(floor_one() for _ in range(count)))
    return time.perf_counter() - began


TOOLBOX = (sys.executable, "-m", "agent.toolbox")


def toolbox() -> ServerConfig:
    return ServerConfig(command=TOOLBOX[0], args=TOOLBOX[1:])


async def start(count: int) -> float:
    fleet = Fleet({f"box{i}": toolbox() for i in range(count)})
    began = time.perf_counter()
    await fleet.start()
    elapsed = time.perf_counter() - began
    assert all(row.state is ServerState.UP for row in fleet.status()), "a server failed"
    await fleet.aclose()
    return elapsed


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--servers", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=5)
    options = parser.parse_args()
    n = options.servers
    one = statistics.median([await start(1) for _ in range(options.rounds)])
    many = statistics.median([await start(n) for _ in range(options.rounds)])
    floor_one_s = statistics.median([await floor(1) for _ in range(options.rounds)])
    floor_many = statistics.median([await floor(n) for _ in range(options.rounds)])
    print(f"medians over {options.rounds} rounds, time until every server is up:")
    print(f"  fleet, 1 server:    {one * 1000:7.0f} ms")
    print(f"  fleet, {n} servers:  {many * 1000:7.0f} ms  ({many / one:.1f}x one; target < 2)")
    print(f"  floor, 1 server:    {floor_one_s * 1000:7.0f} ms")
    ratio = floor_many / floor_one_s
    print(f"  floor, {n} servers:  {floor_many * 1000:7.0f} ms  ({ratio:.1f}x one)")
    print(f"  fleet / floor with {n} servers: {many / floor_many:.2f}x")


if __name__ == "__main__":
    asyncio.run(main())
