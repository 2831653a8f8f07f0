"""The built-in toolbox: a small stdio MCP server with safe, local tools."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from agent.toolbox.server import ToolServer

__all__ = ["serve_stdio", "toolbox_server"]


def toolbox_server() -> ToolServer:
    """The toolbox app, ready for ``bridge.mcp.server.MCPServer``."""
    from agent import __version__
    from agent.toolbox.server import ToolServer
    from agent.toolbox.tools import TOOLS

    return ToolServer(
        "agent-toolbox",
        __version__,
        TOOLS,
        instructions="Safe local tools: arithmetic, the clock, and text utilities.",
    )


def serve_stdio() -> None:
    """Run the toolbox on this process's stdin and stdout until the client leaves."""
    from bridge.mcp.server_stdio import StdioServerTransport

    asyncio.run(toolbox_server().serve(StdioServerTransport()))
