"""The toolbox as an MCP app: a fixed set of tools, listed and called (``bridge.mcp.server``
runs the handshake and the wire)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from bridge.errors import RemoteError
from bridge.mcp import Transport
from bridge.mcp.jsonrpc import INVALID_PARAMS, RequestHandler
from bridge.mcp.server import MCPServer, Peer

__all__ = ["Context", "ServerTool", "ToolError", "ToolServer"]


class ToolError(Exception):
    """Raised by a tool for a failure the model should read (an ``isError`` result)."""


@dataclass
class Context:
    """What a running tool may use: progress reporting to the client that called it."""

    peer: Peer
    progress_token: Any = None

    async def progress(
        self, progress: float, total: float | None = None, message: str = ""
    ) -> None:
        await self.peer.progress(self.progress_token, progress, total, message)


ToolFunction = Callable[[dict[str, Any], Context], Awaitable[Any]]


@dataclass(frozen=True)
class ServerTool:
    """A tool: its wire description and the coroutine that runs it.

    The function returns a string (one text block) or a ``(text, structured)`` pair.
    """

    name: str
    description: str
    input_schema: dict[str, Any]
    function: ToolFunction
    output_schema: dict[str, Any] | None = None
    annotations: dict[str, Any] = field(default_factory=dict)

    def wire(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "name": self.name,
            "description": self.description,
            "inputSchema": self.input_schema,
        }
        if self.output_schema is not None:
            data["outputSchema"] = self.output_schema
        if self.annotations:
            data["annotations"] = self.annotations
        return data


class ToolServer:
    """An app of a fixed set of tools, served by ``bridge.mcp.server.MCPServer``."""

    def __init__(
        self, name: str, version: str, tools: list[ServerTool], instructions: str = ""
    ) -> None:
        self.name = name
        self.version = version
        self.instructions = instructions
        self.tools = {tool.name: tool for tool in tools}

    async def serve(self, transport: Transport) -> None:
        """Serve one client over ``transport`` until it goes away."""
        await MCPServer(self).serve(transport)

    def capabilities(self) -> dict[str, Any]:
        return {"tools": {"listChanged": False}, "logging": {}}

    def handlers(self, peer: Peer) -> dict[str, RequestHandler]:
        async def call(params: dict[str, Any]) -> dict[str, Any]:
            return await self._call(peer, params)

        return {"tools/list": self._list, "tools/call": call}

    def attach(self, peer: Peer) -> None:
        pass

    def detach(self, peer: Peer) -> None:
        pass

    def tool_schema(self, name: str) -> dict[str, Any] | None:
        tool = self.tools.get(name)
        return tool.input_schema if tool is not None else None

    async def _list(self, _params: dict[str, Any]) -> dict[str, Any]:
        return {"tools": [tool.wire() for tool in self.tools.values()]}

    async def _call(self, peer: Peer, params: dict[str, Any]) -> dict[str, Any]:
        tool = self.tools.get(str(params.get("name")))
        if tool is None:
            raise RemoteError(INVALID_PARAMS, f"Unknown tool: {params.get('name')!r}")
        arguments = params.get("arguments") or {}
        if not isinstance(arguments, dict):
            return _error("arguments must be an object")
        meta = params.get("_meta") or {}
        context = Context(peer, meta.get("progressToken") if isinstance(meta, dict) else None)
        try:
            outcome = await tool.function(arguments, context)
        except ToolError as exc:
            return _error(str(exc))
        except (KeyError, TypeError, ValueError) as exc:
            return _error(f"invalid arguments for {tool.name}: {exc}")
        if isinstance(outcome, tuple):
            text, structured = outcome
            return {"content": [_text(text)], "structuredContent": structured, "isError": False}
        return {"content": [_text(str(outcome))], "isError": False}


def _text(text: str) -> dict[str, Any]:
    return {"type": "text", "text": text}


def _error(message: str) -> dict[str, Any]:
    return {"content": [_text(message)], "isError": True}
