"""The built-in toolbox: a small stdio MCP server with safe, local tools."""

from __future__ import annotations

import asyncio

__all__ = ["serve_stdio"]


def serve_stdio() -> None:
    """Run the toolbox on this process's stdin and stdout until the client leaves."""
    from agent import __version__
    from agent.toolbox.server import ToolServer
    from agent.toolbox.tools import TOOLS
    from bridge.mcp.server_stdio import StdioServerTransport

    server = ToolServer(
        "agent-toolbox",
        __version__,
        TOOLS,
        instructions="Safe local tools: arithmetic, the clock, and text utilities.",
    )
    asyncio.run(server.serve(StdioServerTransport()))
