"""A reference MCP server written with the `mcp` SDK v2, for tests of our client.

Run: python sdk_server.py [stdio|streamable-http|sse] [--port N] [--json]. Modes that
misbehave are chosen with MISBEHAVE=... in the environment (comma-separated; garbage on
stdout lives in raw_server.py because the SDK points fd 1 at stderr while it serves):
ignore-eof (keep running after
stdin closes, ignoring SIGTERM), stderr-noise (write to stderr continuously).
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
import warnings

from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError

warnings.filterwarnings("ignore")  # the SDK warns about deprecated logging on every call

MODES = set(filter(None, os.environ.get("MISBEHAVE", "").split(",")))

server = MCPServer("sdk-reference", version="1.0.0", instructions="A test server.")


@server.tool()
def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


@server.tool()
def echo(text: str) -> str:
    """Echo the text back."""
    return text


@server.tool()
def fail(message: str = "it broke") -> str:
    """Always fails with the given message."""
    raise ToolError(message)


@server.tool()
async def slow(steps: int = 3, delay: float = 0.05, ctx: Context | None = None) -> str:
    """Report progress for each step, then finish."""
    import anyio

    for step in range(1, steps + 1):
        await anyio.sleep(delay)
        if ctx is not None:
            await ctx.report_progress(step, steps, f"step {step}")
    return f"done after {steps} steps"


@server.tool()
def crash(code: int = 3) -> str:
    """Exit the whole process mid-call with the given code."""
    sys.stderr.write(f"crashing on purpose with code {code}\n")
    sys.stderr.flush()
    os._exit(code)


@server.tool()
def big(size: int = 1000) -> str:
    """Return a text of `size` characters."""
    return "x" * size


@server.tool()
async def log_something(ctx: Context) -> str:
    """Send a log notification, then answer."""
    await ctx.info("hello from the server")
    return "logged"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("transport", nargs="?", default="stdio")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--json", action="store_true")
    options = parser.parse_args()
    if options.transport == "stdio":
        server.run("stdio")
    elif options.transport == "sse":
        server.run("sse", host="127.0.0.1", port=options.port)
    else:
        server.run(
            "streamable-http", host="127.0.0.1", port=options.port, json_response=options.json
        )
    if "ignore-eof" in MODES:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        time.sleep(3600)


if __name__ == "__main__":
    main()
