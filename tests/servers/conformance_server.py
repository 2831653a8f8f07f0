"""Our conformance server: the tools, prompts and resources the MCP conformance suites' server
scenarios call (test_simple_text, test://static-text, ...), written on the `mcp` SDK v2.

Run: python conformance_server.py [stdio|streamable-http] [--port N]. Over HTTP it binds
127.0.0.1 (port 0: any free one) and prints ``listening on http://127.0.0.1:PORT/mcp`` on
stderr once its socket listens. What asks the client for input lives in conformance_asks.py.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import socket
import sys
import warnings
from typing import Annotated, Any

# Run as a script, this file's directory is on sys.path.
from conformance_asks import PROMPTS, TOOLS
from mcp.server import ServerRequestContext
from mcp.server.mcpserver import Context, MCPServer, RequestStateSecurity
from mcp.server.mcpserver.exceptions import ToolError
from mcp.server.mcpserver.prompts.base import Message, UserMessage
from mcp.server.mcpserver.tools import Tool
from mcp.server.streamable_http import EventCallback, EventMessage, EventStore
from mcp.types import (
    AudioContent,
    Completion,
    CompletionArgument,
    CompletionContext,
    EmbeddedResource,
    EmptyResult,
    ImageContent,
    JSONRPCMessage,
    PromptReference,
    ResourceTemplateReference,
    SetLevelRequestParams,
    SubscribeRequestParams,
    TextContent,
    TextResourceContents,
    UnsubscribeRequestParams,
)
from pydantic import Field

warnings.filterwarnings("ignore")  # the SDK warns on every use of the (deprecated) logging API

# A 1x1 PNG and a WAV with two bytes of silence: the smallest media the scenarios accept.
PNG = (
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAF"
    "BQIAX8jx0gAAAABJRU5ErkJggg=="
)
WAV = "UklGRiYAAABXQVZFZm10IBAAAAABAAEAQB8AAAB9AAACABAAZGF0YQIAAAA="

# The 2026-07-28 retry carries requestState back; a fixed key keeps it verifiable across
# restarts of this test server (the SDK signs and checks it; a tampered one is refused).
STATE_KEY = b"conformance-server-request-state-key-0123456789"

server = MCPServer(
    "conformance-server",
    version="1.0.0",
    request_state_security=RequestStateSecurity(keys=[STATE_KEY]),
    log_level="WARNING",
)
for _asking in TOOLS:
    server.add_tool(_asking)
for _asking in PROMPTS:
    server.prompt()(_asking)

subscribed: set[str] = set()


def _text(text: str) -> TextContent:
    return TextContent(type="text", text=text)


def _image() -> ImageContent:
    return ImageContent(type="image", data=PNG, mime_type="image/png")


# --- Tools: content of each kind -----------------------------------------------------------


@server.tool()
def test_simple_text() -> str:
    """Answer with one text block."""
    return "This is a simple text response for testing."


@server.tool()
def test_image_content() -> list[ImageContent]:
    """Answer with a PNG image."""
    return [_image()]


@server.tool()
def test_audio_content() -> list[AudioContent]:
    """Answer with a WAV clip."""
    return [AudioContent(type="audio", data=WAV, mime_type="audio/wav")]


@server.tool()
def test_embedded_resource() -> list[EmbeddedResource]:
    """Answer with an embedded text resource."""
    embedded = TextResourceContents(
        uri="test://embedded-resource",
        mime_type="text/plain",
        text="This is an embedded resource content.",
    )
    return [EmbeddedResource(type="resource", resource=embedded)]


@server.tool()
def test_multiple_content_types() -> list[TextContent | ImageContent | EmbeddedResource]:
    """Answer with text, an image and an embedded JSON resource."""
    embedded = TextResourceContents(
        uri="test://mixed-content-resource",
        mime_type="application/json",
        text=json.dumps({"test": "data", "value": 123}),
    )
    return [
        _text("Multiple content types test:"),
        _image(),
        EmbeddedResource(type="resource", resource=embedded),
    ]


@server.tool()
def test_error_handling() -> str:
    """Always fail: the answer is an error result, not a protocol error."""
    raise ToolError("This tool intentionally returns an error for testing")


# --- Tools: notifications during a call ----------------------------------------------------


@server.tool()
async def test_tool_with_logging(ctx: Context) -> str:
    """Log three lines at info, ~50 ms apart (the scenario checks they arrive mid-call)."""
    for pause, line in ((0.05, "Tool execution started"), (0.05, "Tool processing data")):
        await ctx.info(line)
        await asyncio.sleep(pause)
    await ctx.info("Tool execution completed")
    return "Tool with logging executed successfully"


@server.tool()
async def test_logging_tool(ctx: Context) -> str:
    """Log one line; a 2026-07-28 client that set no logLevel must not receive it."""
    await ctx.info("test_logging_tool ran")
    return "logged"


@server.tool()
async def test_tool_with_progress(ctx: Context) -> str:
    """Report progress 0, 50 and 100 of 100, ~50 ms apart."""
    for step in (0, 50):
        await ctx.report_progress(step, 100, f"{step} of 100")
        await asyncio.sleep(0.05)
    await ctx.report_progress(100, 100, "100 of 100")
    return "Progress reported: 0, 50, 100 of 100"


@server.tool()
async def test_reconnection(ctx: Context) -> str:
    """Close the SSE stream mid-call, so the client resumes it with Last-Event-ID (SEP-1699)."""
    await ctx.info("Before disconnect")
    await ctx.close_sse_stream()
    # The client reconnects after the retry interval (100 ms); give it that long.
    await asyncio.sleep(0.2)
    await ctx.info("After reconnect")
    return "Reconnection test completed"


@server.tool()
def test_x_mcp_header(
    region: Annotated[str, Field(json_schema_extra={"x-mcp-header": "Region"})] = "none",
) -> str:
    """Echo the region, which a 2026-07-28 client mirrors into Mcp-Param-Region (SEP-2243)."""
    return f"region={region}"


# --- Tools: list changes announced to subscriptions/listen streams (SEP-2575) -------------


def _passing() -> str:
    """Registered and removed again by the trigger tools."""
    return "passing"


@server.tool()
async def test_trigger_tool_change(ctx: Context) -> str:
    """Add and remove a tool, and announce that the tool list changed."""
    server.add_tool(_passing, name="test_passing_tool")
    server.remove_tool("test_passing_tool")
    await ctx.notify_tools_changed()
    return "tool list changed"


@server.tool()
async def test_trigger_prompt_change(ctx: Context) -> str:
    """Add and remove a prompt, and announce that the prompt list changed."""
    server.prompt(name="test_passing_prompt", description="passing")(_passing)
    server.remove_prompt("test_passing_prompt")
    await ctx.notify_prompts_changed()
    return "prompt list changed"


# --- A tool whose input schema uses JSON Schema 2020-12 (SEP-1613, SEP-2106) --------------

SCHEMA_2020_12: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "$defs": {
        "address": {
            "$anchor": "addressDef",
            "type": "object",
            "properties": {"street": {"type": "string"}, "city": {"type": "string"}},
        }
    },
    "properties": {
        "name": {"type": "string"},
        "address": {"$ref": "#/$defs/address"},
        "contactMethod": {"type": "string", "enum": ["phone", "email"]},
        "phone": {"type": "string"},
        "email": {"type": "string"},
    },
    "allOf": [{"anyOf": [{"required": ["phone"]}, {"required": ["email"]}]}],
    "if": {"properties": {"contactMethod": {"const": "phone"}}, "required": ["contactMethod"]},
    "then": {"required": ["phone"]},
    "else": {"required": ["email"]},
    "additionalProperties": False,
}


def _schema_tool() -> str:
    """A tool with JSON Schema 2020-12 features in its input schema."""
    return "json_schema_2020_12_tool"


# The decorator derives the schema from the signature; this one is written by hand, so the
# tool is built first and its advertised parameters replaced.
_built = Tool.from_function(_schema_tool, name="json_schema_2020_12_tool")
server._tool_manager._tools[_built.name] = _built.model_copy(update={"parameters": SCHEMA_2020_12})


# --- Resources ------------------------------------------------------------------------------


@server.resource("test://static-text", mime_type="text/plain")
def static_text() -> str:
    """A static text resource."""
    return "This is the content of the static text resource."


@server.resource("test://static-binary", mime_type="image/png")
def static_binary() -> bytes:
    """A static binary resource (a PNG)."""
    return base64.b64decode(PNG)


@server.resource("test://template/{id}/data", mime_type="application/json")
def template_data(id: str) -> str:
    """Data for one id, read through a URI template."""
    return json.dumps({"id": id, "templateTest": True, "data": f"Data for ID: {id}"})


@server.resource("test://watched-resource", mime_type="text/plain")
def watched() -> str:
    """A resource clients may subscribe to."""
    return "Watched resource content"


# --- Prompts --------------------------------------------------------------------------------


@server.prompt()
def test_simple_prompt() -> list[Message]:
    """A prompt without arguments."""
    return [UserMessage(content=_text("This is a simple prompt for testing."))]


@server.prompt()
def test_prompt_with_arguments(arg1: str, arg2: str) -> list[Message]:
    """A prompt with two required arguments."""
    return [UserMessage(content=_text(f"Prompt with arguments: arg1='{arg1}', arg2='{arg2}'"))]


@server.prompt()
def test_prompt_with_embedded_resource(resourceUri: str) -> list[Message]:
    """A prompt that embeds the resource it is given."""
    embedded = TextResourceContents(
        uri=resourceUri, mime_type="text/plain", text="Embedded resource content for testing."
    )
    return [
        UserMessage(content=EmbeddedResource(type="resource", resource=embedded)),
        UserMessage(content=_text("Please process the embedded resource above.")),
    ]


@server.prompt()
def test_prompt_with_image() -> list[Message]:
    """A prompt with an image."""
    return [
        UserMessage(content=_image()),
        UserMessage(content=_text("Please analyze the image above.")),
    ]


# --- Completion, logging level, subscriptions ----------------------------------------------

COLOURS = ["paris", "park", "party", "red", "green", "blue"]


@server.completion()
async def complete(
    ref: PromptReference | ResourceTemplateReference,
    argument: CompletionArgument,
    context: CompletionContext | None,
) -> Completion:
    """Offer the known words that start with what was typed."""
    values = [word for word in COLOURS if word.startswith(argument.value)]
    return Completion(values=values, total=len(values), has_more=False)


async def set_level(ctx: ServerRequestContext[Any], params: SetLevelRequestParams) -> EmptyResult:
    return EmptyResult()


async def subscribe(ctx: ServerRequestContext[Any], params: SubscribeRequestParams) -> EmptyResult:
    subscribed.add(str(params.uri))
    return EmptyResult()


async def unsubscribe(
    ctx: ServerRequestContext[Any], params: UnsubscribeRequestParams
) -> EmptyResult:
    subscribed.discard(str(params.uri))
    return EmptyResult()


# MCPServer (SDK 2.3) has no public hook for these three methods; the low-level server has.
for _method, _params, _handler in (
    ("logging/setLevel", SetLevelRequestParams, set_level),
    ("resources/subscribe", SubscribeRequestParams, subscribe),
    ("resources/unsubscribe", UnsubscribeRequestParams, unsubscribe),
):
    server._lowlevel_server.add_request_handler(_method, _params, _handler)


# --- Resumable SSE streams (SEP-1699) -------------------------------------------------------


class MemoryEvents(EventStore):
    """Every event of every stream, kept so a client that reconnects gets what it missed."""

    def __init__(self) -> None:
        self.events: list[tuple[str, int, JSONRPCMessage | None]] = []

    async def store_event(self, stream_id: str, message: JSONRPCMessage | None) -> str:
        self.events.append((stream_id, len(self.events) + 1, message))
        return str(len(self.events))

    async def replay_events_after(
        self, last_event_id: str, send_callback: EventCallback
    ) -> str | None:
        if not last_event_id.isdigit() or not 0 < int(last_event_id) <= len(self.events):
            return None
        stream = self.events[int(last_event_id) - 1][0]
        for stream_id, number, message in self.events[int(last_event_id) :]:
            # A None message is a stream's priming event: nothing to replay.
            if stream_id == stream and message is not None:
                await send_callback(EventMessage(message, str(number)))
        return stream


async def serve_http(port: int) -> None:
    """Serve Streamable HTTP on 127.0.0.1:port and say where once the socket listens."""
    import uvicorn

    # Binding here, not in uvicorn, lets port 0 work: the real port is known before serving.
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    sock.listen(128)
    app = server.streamable_http_app(event_store=MemoryEvents(), retry_interval=100)
    config = uvicorn.Config(app, log_level="warning", lifespan="on")
    print(f"listening on http://127.0.0.1:{sock.getsockname()[1]}/mcp", file=sys.stderr, flush=True)
    await uvicorn.Server(config).serve(sockets=[sock])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "transport", nargs="?", default="stdio", choices=["stdio", "streamable-http"]
    )
    parser.add_argument("--port", type=int, default=0)
    options = parser.parse_args()
    if options.transport == "stdio":
        server.run("stdio")
    else:
        asyncio.run(serve_http(options.port))


if __name__ == "__main__":
    main()
