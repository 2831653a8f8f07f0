"""An `mcp` SDK v2 server for tests of what ``agent serve`` relays besides tool calls.

Run: python gateway_peer_server.py (stdio). It records the log level a client set and the
roots changes it was told of (tool ``state``), logs at a level asked for (``say``), asks
the client for its roots (``roots``), announces prompts/resources list changes
(``announce``) and lists ``notes://today``, the URI resource_server.py lists too.
"""

from __future__ import annotations

import json
import warnings
from typing import Any

import mcp_types as types
from mcp.server.mcpserver import Context, MCPServer

warnings.filterwarnings("ignore")

server = MCPServer("gateway-peer", version="1.0.0")
seen: dict[str, Any] = {"level": None, "roots_changes": 0}


async def set_level(_ctx: Any, params: types.SetLevelRequestParams) -> types.EmptyResult:
    seen["level"] = params.level
    return types.EmptyResult()


async def roots_changed(_ctx: Any, _params: types.NotificationParams) -> None:
    seen["roots_changes"] += 1


server._lowlevel_server.add_request_handler(
    "logging/setLevel", types.SetLevelRequestParams, set_level
)
server._lowlevel_server.add_notification_handler(
    "notifications/roots/list_changed", types.NotificationParams, roots_changed
)


@server.resource("notes://today", name="today", mime_type="text/plain")
def today() -> str:
    return "The peer's notes."


@server.prompt(description="Say hello to someone")
def hello(who: str) -> str:
    return f"Hello, {who}!"


@server.tool()
def state() -> str:
    """What the server was told: the log level, how many roots changes."""
    return json.dumps(seen)


@server.tool()
async def say(level: str, text: str, ctx: Context) -> str:
    """Log ``text`` at ``level``, then answer."""
    await ctx.log(level, text, logger_name="peer")  # type: ignore[arg-type]
    return "said"


@server.tool()
async def roots(ctx: Context) -> str:
    """Ask the client for its roots and name them."""
    listed = await ctx.session.list_roots()
    return " ".join(str(root.uri) for root in listed.roots) or "no roots"


@server.tool()
async def announce(ctx: Context) -> str:
    """Tell the client the prompts and the resources changed."""
    await ctx.session.send_prompt_list_changed()
    await ctx.session.send_resource_list_changed()
    return "announced"


if __name__ == "__main__":
    server.run("stdio")
