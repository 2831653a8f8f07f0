"""``agent toolbox``: serve the built-in toolbox on stdio, or over HTTP with ``--http``."""

from __future__ import annotations

import argparse


def run_toolbox(options: argparse.Namespace) -> int:
    address = getattr(options, "http", None)
    if not address:
        from agent.toolbox import serve_stdio

        serve_stdio()
        return 0
    from agent import interrupts
    from agent.commands.serve import LOOPBACK, listen, parse_address, request_logger
    from agent.toolbox import toolbox_server
    from bridge.mcp.server import MCPServer
    from bridge.mcp.server_http import HTTPLimits

    http = parse_address(address, "--http")
    if http[0] not in LOOPBACK:
        from agent.errors import UsageError

        raise UsageError("the toolbox serves HTTP on loopback only (it asks for no token)")
    server = MCPServer(toolbox_server(), report=request_logger())
    interrupts.run(listen(server, HTTPLimits(), http, None))
    return 0
