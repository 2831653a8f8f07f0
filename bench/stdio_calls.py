"""Benchmark: tools/call round trips over stdio, our client vs the `mcp` SDK vs a bare floor.

Run: python bench/stdio_calls.py [--calls 500] [--rounds 10] [--servers raw,everything]

For each server (the npm everything server, a minimal raw Python echo server) and client
it measures sequential per-call latency (median, p99) and 200-way concurrent rounds (the
median time of a round divided by 200), then prints the ratios the project targets:
ours within 1.3x of the floor, and at least 2x faster than the SDK client.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

Call = Callable[[], Awaitable[Any]]

SERVERS = {
    "raw": ([sys.executable, str(ROOT / "tests/servers/raw_server.py"), "echo"], {"text": "hi"}),
    "everything": (
        [str(ROOT / "tests/npm/node_modules/.bin/mcp-server-everything"), "stdio"],
        {"message": "hi"},
    ),
}


@asynccontextmanager
async def ours(argv: list[str], arguments: dict[str, Any]) -> Any:
    from bridge.mcp import ClientSession, StdioTransport

    session = ClientSession(StdioTransport(argv[0], argv[1:], name="bench"), name="bench")
    await session.open()
    try:
        yield lambda: session.call_tool("echo", arguments)
    finally:
        await session.aclose()


@asynccontextmanager
async def sdk(argv: list[str], arguments: dict[str, Any]) -> Any:
    from mcp.client.session import ClientSession
    from mcp.client.stdio import StdioServerParameters, stdio_client

    params = StdioServerParameters(command=argv[0], args=argv[1:])
    async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
        await session.initialize()
        yield lambda: session.call_tool("echo", arguments)


@asynccontextmanager
async def floor(argv: list[str], arguments: dict[str, Any]) -> Any:
    """The least a correct client can do: write a line, match the answer by id."""
    proc = await asyncio.create_subprocess_exec(
        *argv,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
        limit=2**24,
    )
    assert proc.stdin is not None and proc.stdout is not None
    stdin, stdout = proc.stdin, proc.stdout
    pending: dict[int, asyncio.Future[Any]] = {}
    ids = itertools.count(1)

    async def reader() -> None:
        while line := await stdout.readline():
            message = json.loads(line)
            future = pending.pop(message.get("id"), None)
            if future is not None:
                future.set_result(message.get("result"))

    async def request(method: str, params: dict[str, Any]) -> Any:
        request_id = next(ids)
        future = asyncio.get_running_loop().create_future()
        pending[request_id] = future
        stdin.write(
            json.dumps(
                {"jsonrpc": "2.0", "id": request_id, "method": method, "params": params}
            ).encode()
            + b"\n"
        )
        await stdin.drain()
        return await future

    task = asyncio.create_task(reader())
    await request(
        "initialize",
        {
            "protocolVersion": "2025-11-25",
            "capabilities": {},
            "clientInfo": {"name": "floor", "version": "0"},
        },
    )
    stdin.write(b'{"jsonrpc":"2.0","method":"notifications/initialized"}\n')
    try:
        yield lambda: request("tools/call", {"name": "echo", "arguments": arguments})
    finally:
        stdin.close()
        try:
            await asyncio.wait_for(proc.wait(), 2)
        except TimeoutError:
            proc.kill()
            await proc.wait()
        task.cancel()


CLIENTS: dict[str, Callable[[list[str], dict[str, Any]], AbstractAsyncContextManager[Call]]] = {
    "floor": floor,
    "ours": ours,
    "sdk": sdk,
}


async def measure(call: Call, calls: int, rounds: int, width: int) -> dict[str, float]:
    for _ in range(50):  # warm up
        await call()
    latencies = []
    for _ in range(calls):
        start = time.perf_counter()
        await call()
        latencies.append(time.perf_counter() - start)
    round_times = []
    for _ in range(rounds):
        start = time.perf_counter()
        await asyncio.gather(*(call() for _ in range(width)))
        round_times.append(time.perf_counter() - start)
    latencies.sort()
    return {
        "median_ms": statistics.median(latencies) * 1000,
        "p99_ms": latencies[int(len(latencies) * 0.99) - 1] * 1000,
        "concurrent_per_call_ms": statistics.median(round_times) / width * 1000,
    }


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--width", type=int, default=200)
    parser.add_argument("--servers", default="raw,everything")
    parser.add_argument("--clients", default="floor,ours,sdk")
    options = parser.parse_args()
    print(f"{'server':<11}{'client':<7}{'median ms':>10}{'p99 ms':>9}{'200-way ms/call':>17}")
    for server in options.servers.split(","):
        argv, arguments = SERVERS[server]
        results = {}
        for client in options.clients.split(","):
            async with CLIENTS[client](argv, arguments) as call:
                results[client] = await measure(call, options.calls, options.rounds, options.width)
            r = results[client]
            print(
                f"{server:<11}{client:<7}{r['median_ms']:>10.3f}{r['p99_ms']:>9.3f}"
                f"{r['concurrent_per_call_ms']:>17.4f}"
            )
        if {"ours", "floor"} <= results.keys():
            for key in ("median_ms", "concurrent_per_call_ms"):
                ratio = results["ours"][key] / results["floor"][key]
                print(f"  ours/floor {key}: {ratio:.2f}x (target <= 1.3)")
        if {"ours", "sdk"} <= results.keys():
            for key in ("median_ms", "concurrent_per_call_ms"):
                ratio = results["sdk"][key] / results["ours"][key]
                print(f"  sdk/ours {key}: {ratio:.2f}x (target >= 2)")


if __name__ == "__main__":
    asyncio.run(main())
