"""An `mcp` SDK v2 server whose tools need input from the client mid-call.

Run: python sdk_input_server.py [stdio|streamable-http] [--port N]. At 2026-07-28 the SDK
asks through an ``input_required`` result and a retry (multi-round-trip requests); at the
handshake versions it sends ``elicitation/create``, ``sampling/createMessage`` or
``roots/list`` during the call. Either way the tool's answer says what the client gave.
``grow`` adds a tool and publishes the change, ``touch`` the update of ``memo://note`` (to
``subscriptions/listen`` streams at 2026-07-28).
"""

from __future__ import annotations

import argparse
import warnings
from typing import Annotated

from mcp.server.mcpserver import Context, Elicit, MCPServer, Resolve
from mcp.server.mcpserver.resolve import ListRoots, Sample
from mcp_types import CreateMessageResult, ListRootsResult, SamplingMessage, TextContent
from pydantic import BaseModel

warnings.filterwarnings("ignore")

server = MCPServer("sdk-input", version="1.0.0")


class Name(BaseModel):
    name: str


def ask_name() -> Elicit[Name]:
    return Elicit("Who is there?", Name)


def ask_roots() -> ListRoots:
    return ListRoots()


@server.tool()
def greet(who: Annotated[Name, Resolve(ask_name)]) -> str:
    """Greet whoever the client names when asked."""
    return f"hello {who.name}"


@server.tool()
def count_roots(roots: Annotated[ListRootsResult, Resolve(ask_roots)]) -> str:
    """Say how many roots the client has."""
    return f"{len(roots.roots)} roots"


def ask_summary() -> Sample:
    message = SamplingMessage(role="user", content=TextContent(type="text", text="Summarize."))
    return Sample([message], max_tokens=50)


@server.tool()
def summarize(summary: Annotated[CreateMessageResult, Resolve(ask_summary)]) -> str:
    """Say what the client's model answered when asked to summarize."""
    content = summary.content
    return f"summary: {content.text if isinstance(content, TextContent) else '?'}"


@server.resource("memo://note")
def note() -> str:
    """A note whose changes ``touch`` announces."""
    return "a note"


@server.tool()
async def touch(ctx: Context) -> str:
    """Announce that memo://note changed (to ``subscriptions/listen`` streams)."""
    await ctx.notify_resource_updated("memo://note")
    return "touched"


@server.tool()
async def grow(ctx: Context) -> str:
    """Add a tool named ``grown`` and tell the listeners."""

    def grown() -> str:
        return "grown"

    server.add_tool(grown, name="grown")
    await ctx.notify_tools_changed()
    return "grew"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("transport", nargs="?", default="stdio")
    parser.add_argument("--port", type=int, default=0)
    options = parser.parse_args()
    if options.transport == "stdio":
        server.run("stdio")
    else:
        server.run("streamable-http", host="127.0.0.1", port=options.port)


if __name__ == "__main__":
    main()
