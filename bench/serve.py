"""Benchmark: what a tool call gains through `agent serve` against calling the server directly.

Run: python bench/serve.py [--calls 300] [--runs 5] [--clients 200] [--parts stdio,http,...]
     [--tree OTHER_CHECKOUT]  (the gateway runs from there: before/after comparisons)

Every figure comes from real processes: our own client (bridge.mcp) calls `echo` on a fleet
server directly, then through `python -m agent serve --config F` fronting that same server.
Direct and gateway batches alternate, so load from other work on the machine hits both;
each run gives a median per call, and the spread of the runs is printed beside the median.

- stdio: the raw echo server over stdio; the gateway over stdio. Target: < 1 ms added.
- http: the `mcp` SDK's reference server over Streamable HTTP (JSON answers); the gateway
  over HTTP fronting it as a remote server. Target: gateway/direct <= 1.2x.
- http-front: the gateway over HTTP fronting the raw stdio server, against that server
  direct over stdio: the cost of our HTTP front and the gateway together (no target).
- crowd: N clients (default 200), each with its own HTTP connection and session, call the
  gateway at once, stateless (2026-07-28) and then with sessions (2025-11-25); every answer
  is checked against what that client sent. Throughput, p50/p99 latency, errors, and the
  CPU per call of the clients (one process), the gateway and the fleet server are printed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

RAW = [sys.executable, str(ROOT / "tests/servers/raw_server.py"), "echo"]
SDK_HTTP = [sys.executable, str(ROOT / "tests/servers/sdk_server.py"), "streamable-http"]
TREE = ROOT  # where `python -m agent` runs from: --tree compares another checkout
Call = Callable[[str], Awaitable[str]]  # sends a text, returns the text the server answered


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def fleet_config(directory: Path, server: str, limit: int) -> Path:
    """A fleet of one server whose names pass through unchanged (``prefix: ""``)."""
    if server == "raw":
        entry = f"command: {json.dumps(RAW[0])}\n    args: {json.dumps(RAW[1:])}"
    else:
        entry = f"url: {server}"
    path = directory / ("fleet-raw.yaml" if server == "raw" else "fleet-http.yaml")
    path.write_text(
        f"servers:\n  echo:\n    {entry}\n    prefix: ''\nserve:\n  max_concurrent: {limit}\n"
    )
    return path


# -- clients: each yields a Call ------------------------------------------------------------


@asynccontextmanager
async def session_call(transport: Any, protocol: str) -> AsyncIterator[Call]:
    """Our client on ``transport``; the answer's text, as the server put it."""
    from bridge.mcp import ClientSession

    session = ClientSession(transport, name="bench", protocol=protocol)
    await session.open()
    assert session.server is not None
    session.negotiated = session.server.protocol_version  # type: ignore[attr-defined]

    async def call(text: str) -> str:
        result = await session.call_tool("echo", {"text": text}, timeout=60)
        if result.is_error:
            raise RuntimeError(f"tool error: {result.text[:200]}")
        return result.text

    call.session = session  # type: ignore[attr-defined]
    try:
        yield call
    finally:
        await session.aclose()


def stdio_client(argv: list[str], protocol: str) -> Any:
    from bridge.mcp import StdioTransport

    return session_call(StdioTransport(argv[0], argv[1:], cwd=TREE, name="bench"), protocol)


def http_client(url: str, protocol: str) -> Any:
    from bridge.mcp.http import StreamableHTTPTransport

    return session_call(StreamableHTTPTransport(url, name="bench"), protocol)


def expected(server: str, text: str) -> str:
    """What the echo tool answers: the raw server echoes the arguments as JSON."""
    return json.dumps({"text": text}) if server == "raw" else text


# -- processes --------------------------------------------------------------------------------


@asynccontextmanager
async def sdk_http_server() -> AsyncIterator[str]:
    port = free_port()
    proc = subprocess.Popen(  # noqa: ASYNC220 - started once, outside any timing
        [*SDK_HTTP, "--port", str(port), "--json"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        await wait_listening(port, proc)
        yield f"http://127.0.0.1:{port}/mcp"
    finally:
        proc.terminate()
        proc.wait(10)


@asynccontextmanager
async def http_gateway(config: Path) -> AsyncIterator[tuple[str, int]]:
    """``agent serve --http`` on a free port, once /health says every server is up."""
    import httpx

    port = free_port()
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(  # noqa: ASYNC220 - started once, outside any timing
            [*gateway_stdio(config), "--http", f"127.0.0.1:{port}"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=log,
            cwd=TREE,
        )
        try:
            await wait_listening(port, proc)
            async with httpx.AsyncClient() as client:
                for _ in range(600):
                    health = (await client.get(f"http://127.0.0.1:{port}/health")).json()
                    if set(health["servers"].values()) == {"up"}:
                        break
                    await asyncio.sleep(0.05)  # polling: the gateway has no event to wait on
                else:
                    raise RuntimeError(f"the fleet did not come up: {health}")
            yield f"http://127.0.0.1:{port}/mcp", proc.pid
        except BaseException:
            log.seek(0)
            sys.stderr.write(log.read()[-2000:].decode(errors="replace"))
            raise
        finally:
            proc.terminate()
            proc.wait(15)


async def wait_listening(port: int, proc: subprocess.Popen[bytes]) -> None:
    for _ in range(600):
        if proc.poll() is not None:
            raise RuntimeError(f"{proc.args} ended with {proc.returncode} before it listened")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.1):
                return
        except OSError:
            await asyncio.sleep(0.05)  # polling a port: there is no event to wait on
    raise RuntimeError(f"nothing listened on port {port} within 30 s")


def gateway_stdio(config: Path) -> list[str]:
    return [sys.executable, "-m", "agent", "serve", "--config", str(config)]


# -- measuring --------------------------------------------------------------------------------


async def warm(call: Call, server: str, count: int = 50) -> None:
    for i in range(count):
        text = f"warm-{i}"
        answer = await call(text)
        if answer != expected(server, text):
            raise RuntimeError(f"wrong answer while warming up: {answer[:200]!r}")


async def batch(call: Call, calls: int) -> list[float]:
    times = []
    for _ in range(calls):
        began = time.perf_counter()
        await call("hi")
        times.append(time.perf_counter() - began)
    return times


def p(times: list[float], q: float) -> float:
    if not times:
        return float("nan")
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))] * 1000


def spread(values: list[float]) -> str:
    return f"{statistics.median(values):7.3f} [{min(values):.3f}..{max(values):.3f}]"


async def compare(
    label: str, direct: Any, gateway: Any, server: str, options: argparse.Namespace, target: str
) -> None:
    """Alternate direct and gateway batches; print medians, spreads and the paired figures."""
    async with direct as call_direct, gateway as call_gateway:
        await warm(call_direct, server)
        await warm(call_gateway, server)
        runs: dict[str, list[float]] = {"direct": [], "gateway": []}
        every: dict[str, list[float]] = {"direct": [], "gateway": []}
        for _ in range(options.runs):
            for name, call in (("direct", call_direct), ("gateway", call_gateway)):
                times = await batch(call, options.calls)
                runs[name].append(statistics.median(times) * 1000)
                every[name] += times
        versions = (call_direct.session.negotiated, call_gateway.session.negotiated)  # type: ignore[attr-defined]
    added = [g - d for d, g in zip(runs["direct"], runs["gateway"], strict=True)]
    ratio = [g / d for d, g in zip(runs["direct"], runs["gateway"], strict=True)]
    print(f"{label}  (client speaks {versions[0]} direct, {versions[1]} to the gateway)")
    for name in ("direct", "gateway"):
        print(f"  {name:<8} median ms {spread(runs[name])}  p99 ms {p(every[name], 0.99):7.3f}")
    print(f"  added ms {spread(added)}   gateway/direct {spread(ratio)}x   target: {target}")


def cpu_seconds(pid: int | None = None) -> float:
    """User + system CPU of a process so far (Linux /proc), or of this one."""
    if pid is None:
        return time.process_time()
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_of_tree(pid: int) -> tuple[float, float]:
    """CPU seconds of a process and of its children together (the gateway, its fleet)."""
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as kids:
            children = [int(kid) for kid in kids.read().split()]
    except OSError:
        children = []
    return cpu_seconds(pid), sum(cpu_seconds(kid) for kid in children)


async def crowd(
    url: str, pid: int, protocol: str, server: str, options: argparse.Namespace
) -> None:
    """``clients`` sessions at once, each calling ``crowd_calls`` times; answers checked.

    CPU per call of each process says which one the crowd waits on: the bench's clients
    share one process (and the machine's cores) with nothing else of theirs.
    """
    width = options.clients
    async with AsyncExitStack() as stack:
        # Sessions open a few at a time: each of our HTTP clients builds an SSL context
        # (~20 ms of CPU), and 200 at once starve the event loop past the 2 s discover probe.
        gate = asyncio.Semaphore(options.open_width)

        async def open_one() -> Call:
            async with gate:
                call: Call = await stack.enter_async_context(http_client(url, protocol))
                return call

        began = time.perf_counter()
        opened = await asyncio.gather(*(open_one() for _ in range(width)), return_exceptions=True)
        calls: list[Call] = [c for c in opened if not isinstance(c, BaseException)]
        failed_open = Counter(
            f"{type(c).__name__}: {str(c)[:120]}" for c in opened if isinstance(c, BaseException)
        )
        print(
            f"crowd ({protocol}): {len(calls)}/{width} sessions opened "
            f"({options.open_width} at a time, serve.max_concurrent {options.limit}) in "
            f"{time.perf_counter() - began:.2f} s"
            + (f"; failed: {dict(failed_open)}" if failed_open else "")
        )
        if not calls:
            return
        for run in range(options.crowd_runs):
            began, mine, (theirs, fleet) = time.perf_counter(), cpu_seconds(), cpu_of_tree(pid)
            latencies, errors = await crowd_round(calls, server, run, options.crowd_calls)
            wall = time.perf_counter() - began
            after = cpu_of_tree(pid)
            total = len(calls) * options.crowd_calls
            print(
                f"  run {run + 1}: {total} calls in {wall:.2f} s = {total / wall:6.0f} calls/s  "
                f"p50 {p(latencies, 0.5):6.1f} ms  p99 {p(latencies, 0.99):6.1f} ms  "
                f"errors {sum(errors.values())}" + (f" {dict(errors)}" if errors else "")
            )
            print(
                "    cpu ms/call: clients {:.3f}  gateway {:.3f}  fleet server {:.3f}".format(
                    *(
                        1000 * x / total
                        for x in (cpu_seconds() - mine, after[0] - theirs, after[1] - fleet)
                    )
                )
            )


async def crowd_round(
    calls: list[Call], server: str, run: int, count: int
) -> tuple[list[float], Counter[str]]:
    """Every client calls ``count`` times, all at once: latencies, and errors by kind."""
    from bridge.errors import MCPError

    latencies: list[float] = []
    errors: Counter[str] = Counter()

    async def client(number: int, call: Call) -> None:
        for k in range(count):
            text = f"client-{number}-run-{run}-call-{k}"
            began = time.perf_counter()
            try:
                answer = await call(text)
            except (MCPError, RuntimeError) as exc:  # counted and shown: they are the figure
                errors[f"{type(exc).__name__}: {str(exc)[:80]}"] += 1
                continue
            latencies.append(time.perf_counter() - began)
            if answer != expected(server, text):
                errors["wrong answer"] += 1

    await asyncio.gather(*(client(n, call) for n, call in enumerate(calls)))
    return latencies, errors


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=300, help="calls per batch")
    parser.add_argument("--runs", type=int, default=5, help="alternating batches per side")
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--crowd-calls", type=int, default=25, help="calls per crowd client")
    parser.add_argument("--crowd-runs", type=int, default=3, help="rounds of the whole crowd")
    parser.add_argument("--parts", default="stdio,http,http-front,crowd")
    parser.add_argument("--open-width", type=int, default=10, help="crowd sessions opening at once")
    parser.add_argument("--protocol", default="auto", help="our client's protocol setting")
    parser.add_argument(
        "--crowd-protocols",
        default="2026-07-28,2025-11-25",
        help="the crowd runs once per protocol (stateless, then sessions)",
    )
    parser.add_argument(
        "--limit",
        type=int,
        default=1000,
        help="serve.max_concurrent: keyed by address, so every local client shares it; "
        "the default 32 turns most of a local crowd away with 429",
    )
    parser.add_argument(
        "--tree", type=Path, default=ROOT, help="run the gateway from this checkout (A/B)"
    )
    options = parser.parse_args()
    global TREE
    TREE = options.tree.resolve()
    parts = options.parts.split(",")
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"load average {load} on {os.cpu_count()} cores (other work skews every figure)")
    with tempfile.TemporaryDirectory() as scratch:
        directory = Path(scratch)
        os.environ["XDG_CACHE_HOME"] = str(directory / "cache")  # no catalog cache of ours
        raw_fleet = fleet_config(directory, "raw", options.limit)
        if "stdio" in parts:
            await compare(
                "stdio: raw echo server",
                stdio_client(RAW, options.protocol),
                stdio_client(gateway_stdio(raw_fleet), options.protocol),
                "raw",
                options,
                "added < 1 ms",
            )
        if "http" in parts:
            async with sdk_http_server() as url:
                fleet = fleet_config(directory, url, options.limit)
                async with http_gateway(fleet) as (front, _pid):
                    await compare(
                        "http: mcp SDK server (JSON answers), gateway over HTTP in front",
                        http_client(url, options.protocol),
                        http_client(front, options.protocol),
                        "sdk",
                        options,
                        "gateway/direct <= 1.2x",
                    )
        if "http-front" in parts or "crowd" in parts:
            async with http_gateway(raw_fleet) as (front, pid):
                if "http-front" in parts:
                    await compare(
                        "http-front: raw server over stdio direct, vs gateway over HTTP",
                        stdio_client(RAW, options.protocol),
                        http_client(front, options.protocol),
                        "raw",
                        options,
                        "none (what our HTTP front costs)",
                    )
                if "crowd" in parts:
                    for protocol in options.crowd_protocols.split(","):
                        await crowd(front, pid, protocol, "raw", options)


if __name__ == "__main__":
    asyncio.run(main())
