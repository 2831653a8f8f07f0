"""``agent toolbox``: serve the built-in toolbox on stdio, or over HTTP with ``--http``."""

from __future__ import annotations

import argparse
from typing import Any


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

    def tool_of(params: dict[str, Any]) -> tuple[str | None, None]:
        tool = params.get("name")
        return (tool if isinstance(tool, str) else None), None

    server = MCPServer(toolbox_server(), report=request_logger(tool_of, name="agent toolbox"))
    interrupts.run(listen(server, HTTPLimits(), http, None, name="agent toolbox"))
    return 0
