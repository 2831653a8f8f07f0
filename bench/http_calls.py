"""Benchmark: tools/call over Streamable HTTP, our client vs the `mcp` SDK's client.

All talk to the same `mcp` SDK reference server (JSON answers, then SSE answers) on
127.0.0.1; the target is ours at least 2x faster per call than the SDK client. The floor
(one bare httpx POST per call) shows how much of a call is the server's own time.
Run: python bench/http_calls.py [--calls 300]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

Call = Callable[[], Awaitable[Any]]
ARGUMENTS: dict[str, Any] = {"text": "hi"}
EVERYTHING = ROOT / "tests/npm/node_modules/.bin/mcp-server-everything"


@asynccontextmanager
async def ours(url: str) -> AsyncIterator[Call]:
    from bridge.mcp import ClientSession
    from bridge.mcp.http import StreamableHTTPTransport

    session = ClientSession(StreamableHTTPTransport(url, name="bench"), name="bench")
    await session.open()
    try:
        yield lambda: session.call_tool("echo", ARGUMENTS)
    finally:
        await session.aclose()


@asynccontextmanager
async def sdk(url: str) -> AsyncIterator[Call]:
    from mcp.client.session import ClientSession
    from mcp.client.streamable_http import streamable_http_client

    async with (
        streamable_http_client(url) as streams,
        ClientSession(streams[0], streams[1]) as session,
    ):
        await session.initialize()
        yield lambda: session.call_tool("echo", ARGUMENTS)


@asynccontextmanager
async def floor(url: str) -> AsyncIterator[Call]:
    """The least a client can do: one httpx POST per call, the session id kept."""
    import json

    import httpx

    headers = {"Accept": "application/json, text/event-stream"}
    async with httpx.AsyncClient(timeout=30) as client:
        init = {
            "jsonrpc": "2.0",
            "id": 0,
            "method": "initialize",
            "params": {
                "protocolVersion": "2025-11-25",
                "capabilities": {},
                "clientInfo": {"name": "floor", "version": "0"},
            },
        }
        answer = await client.post(url, json=init, headers=headers)
        headers["Mcp-Session-Id"] = answer.headers.get("mcp-session-id", "")
        headers["MCP-Protocol-Version"] = "2025-11-25"
        note = {"jsonrpc": "2.0", "method": "notifications/initialized"}
        await client.post(url, json=note, headers=headers)
        body = {"jsonrpc": "2.0", "id": 1, "method": "tools/call"}
        body["params"] = {"name": "echo", "arguments": ARGUMENTS}

        async def call() -> Any:
            response = await client.post(url, json=body, headers=headers)
            text = response.text  # JSON, or one SSE event whose data is the answer
            return json.loads(text[text.index("{") :].splitlines()[0])

        yield call


@asynccontextmanager
async def server(kind: str) -> AsyncIterator[str]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    if kind == "everything":
        argv = [str(EVERYTHING), "streamableHttp"]
    else:
        argv = [sys.executable, str(ROOT / "tests/servers/sdk_server.py"), "streamable-http"]
        argv += ["--port", str(port)] + (["--json"] if kind == "sdk-json" else [])
    env = dict(os.environ, PORT=str(port))
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)  # noqa: ASYNC220
    try:
        for _ in range(400):
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.1):
                    break
            except OSError:
                await asyncio.sleep(0.025)  # polling a port: there is no event to wait on
        yield f"http://127.0.0.1:{port}/mcp"
    finally:
        proc.terminate()
        proc.wait()


async def measure(call: Call, calls: int) -> float:
    for _ in range(20):
        await call()
    times = []
    for _ in range(calls):
        began = time.perf_counter()
        await call()
        times.append(time.perf_counter() - began)
    return statistics.median(times) * 1000


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=300)
    calls = parser.parse_args().calls
    labels = {
        "sdk-json": "sdk, JSON",
        "sdk-sse": "sdk, SSE",
        "everything": "everything",
    }
    for kind, label in labels.items():
        ARGUMENTS.clear()
        ARGUMENTS.update({"message": "hi"} if kind == "everything" else {"text": "hi"})
        async with server(kind) as url:
            results = {}
            for name, client in (("floor", floor), ("ours", ours), ("sdk", sdk)):
                async with client(url) as call:
                    results[name] = await measure(call, calls)
        print(
            f"{label:<13} floor {results['floor']:5.2f} ms  ours {results['ours']:5.2f} ms  "
            f"sdk {results['sdk']:5.2f} ms  sdk/ours {results['sdk'] / results['ours']:.2f}x "
            f"(target >= 2)  ours/floor {results['ours'] / results['floor']:.2f}x"
        )


if __name__ == "__main__":
    asyncio.run(main())
