"""``agent serve``: the fleet as one MCP server over stdio, Streamable HTTP and WebSocket.

It only serves: no model runs here. Each request is logged on stderr as one line
(method, tool, server, duration, outcome).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import TYPE_CHECKING, Any

from agent import __version__, interrupts
from agent.commands.fleet import running_fleet
from agent.errors import UsageError
from agent.terminal import clean

if TYPE_CHECKING:
    from bridge.mcp.server import MCPServer
    from bridge.mcp.server_http import HTTPLimits
    from config.schema import Config

__all__ = ["LOOPBACK", "listen", "parse_address", "request_logger", "run_serve"]

LOOPBACK = ("127.0.0.1", "localhost", "::1")  # the hosts that may listen without a token


def run_serve(options: argparse.Namespace) -> int:
    from config import load

    config = load(options.config)
    http = parse_address(options.http, "--http") if options.http else None
    ws = parse_address(options.ws, "--ws") if options.ws else None
    for address in (http, ws):
        if address is not None and address[0] not in LOOPBACK and not config.serve.tokens:
            raise UsageError(
                f"agent serve listens on {address[0]} without a token; add `serve: tokens:` "
                "(e.g. ${AGENT_SERVE_TOKEN}) to the config, or listen on 127.0.0.1"
            )
    return interrupts.run(_serve(config, http, ws))


def parse_address(text: str, option: str) -> tuple[str, int]:
    """``HOST:PORT``, ``:PORT`` or ``PORT`` (host 127.0.0.1) as a pair."""
    host, colon, port = text.rpartition(":")
    if not colon:
        host, port = "", text
    host = host.strip("[]") or "127.0.0.1"
    if not port.isdigit() or not 0 <= int(port) < 65536:
        raise UsageError(f"{option} wants HOST:PORT (for example 127.0.0.1:8765), not {text!r}")
    return host, int(port)


def request_logger(route: Any = None, *, name: str = "agent serve") -> Any:
    """One stderr line per request: method, tool, server, milliseconds, outcome."""

    def report(method: str, params: dict[str, Any], seconds: float, outcome: str) -> None:
        tool, server = route(params) if route is not None else (None, None)
        parts = [method]
        if tool:
            parts.append(f"tool={tool}")
        if server:
            parts.append(f"server={server}")
        parts += [f"{seconds * 1000:.1f}ms", outcome]
        print(clean(f"{name}: " + " ".join(parts)), file=sys.stderr, flush=True)

    return report


def limits_of(config: Config) -> HTTPLimits:
    from bridge.mcp.server_http import HTTPLimits

    serve = config.serve
    return HTTPLimits(
        tokens=serve.tokens,
        allowed_origins=serve.allowed_origins,
        cors=serve.cors,
        max_body=serve.max_body,
        max_concurrent=serve.max_concurrent,
        max_sessions=serve.max_sessions,
    )


async def listen(
    server: MCPServer,
    limits: HTTPLimits,
    http: tuple[str, int] | None,
    ws: tuple[str, int] | None,
    health: Any = None,
    *,
    name: str = "agent serve",
) -> None:
    """Serve over HTTP and/or WebSocket until cancelled, else over stdio until EOF."""
    from bridge.mcp.server_http import HTTPServer
    from bridge.mcp.server_stdio import StdioServerTransport
    from bridge.mcp.websocket import serve_websocket

    if http is None and ws is None:
        await server.serve(StdioServerTransport())
        return
    front = HTTPServer(server, limits, health=health) if http is not None else None
    sockets = None
    try:
        if front is not None and http is not None:
            host, port = await front.start(*http)
            print(f"{name}: listening on http://{host}:{port}/mcp", file=sys.stderr)
        if ws is not None:
            sockets = await serve_websocket(server, ws[0], ws[1], limits)
            host, port = sockets.sockets[0].getsockname()[:2]
            print(f"{name}: listening on ws://{host}:{port}/", file=sys.stderr)
        sys.stderr.flush()
        await asyncio.Event().wait()  # until a signal cancels the command
    finally:
        if sockets is not None:
            sockets.close()
            await sockets.wait_closed()
        if front is not None:
            await front.aclose()


async def _serve(config: Config, http: tuple[str, int] | None, ws: tuple[str, int] | None) -> int:
    from bridge.approval import Policy
    from bridge.gateway import Gateway
    from bridge.mcp.server import MCPServer

    approval = config.agent.approval
    policy = Policy(approval.allow, approval.ask, approval.deny, approval.sampling)
    gateway = Gateway(policy, version=__version__)
    async with running_fleet(
        config, handlers=gateway.server_handlers(), require_servers=False, wait_for_cached=True
    ) as toolset:
        gateway.serve_toolset(toolset)
        server = MCPServer(gateway, report=request_logger(gateway.server_of))

        def health() -> dict[str, Any]:
            rows = toolset.fleet.status()
            return {
                "status": "ok",
                "servers": {row.name: row.state.value for row in rows},
                "tools": len(toolset.catalog),
            }

        await listen(server, limits_of(config), http, ws, health)
    return 0
