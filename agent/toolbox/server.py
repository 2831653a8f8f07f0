"""A minimal MCP tool server on our JSON-RPC engine: the handshake, listing and calling."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from bridge.errors import RemoteError
from bridge.mcp import SUPPORTED_PROTOCOL_VERSIONS, Connection, Transport
from bridge.mcp.jsonrpc import INVALID_PARAMS

__all__ = ["Context", "ServerTool", "ToolError", "ToolServer"]


class ToolError(Exception):
    """Raised by a tool for a failure the model should read (an ``isError`` result)."""


@dataclass
class Context:
    """What a running tool may use: progress reporting to the caller."""

    connection: Connection
    progress_token: Any = None

    async def progress(
        self, progress: float, total: float | None = None, message: str = ""
    ) -> None:
        if self.progress_token is None:
            return
        params: dict[str, Any] = {"progressToken": self.progress_token, "progress": progress}
        if total is not None:
            params["total"] = total
        if message:
            params["message"] = message
        await self.connection.notify("notifications/progress", params)


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
    """Serves a fixed set of tools over one transport until the client goes away."""

    def __init__(
        self, name: str, version: str, tools: list[ServerTool], instructions: str = ""
    ) -> None:
        self.name = name
        self.version = version
        self.instructions = instructions
        self.tools = {tool.name: tool for tool in tools}
        self._connection: Connection | None = None

    async def serve(self, transport: Transport) -> None:
        await transport.start()
        connection = Connection(
            transport,
            name=self.name,
            request_handlers={
                "initialize": self._initialize,
                "ping": _empty,
                "tools/list": self._list,
                "tools/call": self._call,
                "logging/setLevel": _empty,
            },
        )
        self._connection = connection
        connection.start()
        await connection.closed.wait()
        await connection.aclose()

    async def _initialize(self, params: dict[str, Any]) -> dict[str, Any]:
        asked = params.get("protocolVersion")
        version = asked if asked in SUPPORTED_PROTOCOL_VERSIONS else SUPPORTED_PROTOCOL_VERSIONS[0]
        result: dict[str, Any] = {
            "protocolVersion": version,
            "capabilities": {"tools": {"listChanged": False}, "logging": {}},
            "serverInfo": {"name": self.name, "version": self.version},
        }
        if self.instructions:
            result["instructions"] = self.instructions
        return result

    async def _list(self, _params: dict[str, Any]) -> dict[str, Any]:
        return {"tools": [tool.wire() for tool in self.tools.values()]}

    async def _call(self, params: dict[str, Any]) -> dict[str, Any]:
        tool = self.tools.get(str(params.get("name")))
        if tool is None:
            raise RemoteError(INVALID_PARAMS, f"Unknown tool: {params.get('name')!r}")
        arguments = params.get("arguments") or {}
        if not isinstance(arguments, dict):
            return _error("arguments must be an object")
        meta = params.get("_meta") or {}
        assert self._connection is not None
        context = Context(self._connection, meta.get("progressToken"))
        try:
            outcome = await tool.function(arguments, context)
        except ToolError as exc:
            return _error(str(exc))
        except (KeyError, TypeError, ValueError) as exc:
            return _error(f"invalid arguments for {tool.name}: {exc}")
        except asyncio.CancelledError:
            raise
        if isinstance(outcome, tuple):
            text, structured = outcome
            return {"content": [_text(text)], "structuredContent": structured, "isError": False}
        return {"content": [_text(str(outcome))], "isError": False}


def _text(text: str) -> dict[str, Any]:
    return {"type": "text", "text": text}


def _error(message: str) -> dict[str, Any]:
    return {"content": [_text(message)], "isError": True}


async def _empty(_params: dict[str, Any]) -> dict[str, Any]:
    return {}
