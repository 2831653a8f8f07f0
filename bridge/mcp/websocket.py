"""MCP over WebSocket (subprotocol ``mcp``), one JSON-RPC message per text frame, on both
sides: a client transport for ``ws://``/``wss://`` servers and the server side of
``agent serve --ws``. Uses the ``websockets`` package that google-genai already brings.
"""

from __future__ import annotations

import json
import logging
import ssl
from typing import TYPE_CHECKING, Any

from bridge.errors import ConnectionClosedError, ProtocolError, ServerStartError
from bridge.mcp.transport import Message, TransportFailure

if TYPE_CHECKING:
    from websockets.asyncio.client import ClientConnection
    from websockets.asyncio.server import Server, ServerConnection
    from websockets.http11 import Request, Response

    from bridge.mcp.server import MCPServer
    from bridge.mcp.server_guard import HTTPLimits

__all__ = ["SUBPROTOCOL", "WebSocketServerTransport", "WebSocketTransport", "serve_websocket"]

log = logging.getLogger(__name__)

SUBPROTOCOL = "mcp"
_encode = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode


class _Frames:
    """What both sides share: JSON text frames over an open WebSocket."""

    name: str
    _socket: ClientConnection | ServerConnection | None = None
    _end = ""

    async def send(self, message: Message) -> None:
        from websockets.exceptions import ConnectionClosed

        if self._socket is None:
            raise ConnectionClosedError(f"the WebSocket of {self.name!r} is not open")
        try:
            await self._socket.send(_encode(message))
        except ConnectionClosed as exc:
            raise ConnectionClosedError(f"the WebSocket of {self.name!r} closed: {exc}") from exc

    async def receive(self) -> Message | list[Message] | TransportFailure | None:
        from websockets.exceptions import ConnectionClosed

        assert self._socket is not None, "start() first"
        while True:
            try:
                frame = await self._socket.recv()
            except ConnectionClosed as exc:
                self._end = f" (WebSocket closed: {exc})"
                return None
            try:
                message: Any = json.loads(frame)
            except ValueError:
                log.warning("%s: skipped a frame that is not JSON: %.200r", self.name, frame)
                continue
            if isinstance(message, dict | list):
                return message

    async def close(self) -> None:
        if self._socket is not None:
            await self._socket.close()

    def describe_end(self) -> str:
        return self._end


class WebSocketTransport(_Frames):
    """A client transport to a ``ws://`` or ``wss://`` MCP server."""

    kind = "websocket"

    def __init__(
        self,
        url: str,
        *,
        name: str,
        headers: dict[str, str] | None = None,
        verify: bool = True,
        connect_timeout: float = 30.0,
        max_size: int = 32 * 1024 * 1024,
    ) -> None:
        self.url = url
        self.name = name
        self.headers = dict(headers or {})
        self.verify = verify
        self.connect_timeout = connect_timeout
        self.max_size = max_size

    async def start(self) -> None:
        from websockets.asyncio.client import connect
        from websockets.exceptions import InvalidHandshake

        context: ssl.SSLContext | None = None
        if self.url.startswith("wss://"):
            context = ssl.create_default_context()
            if not self.verify:
                context.check_hostname = False
                context.verify_mode = ssl.CERT_NONE
        try:
            socket = await connect(
                self.url,
                subprotocols=[SUBPROTOCOL],  # type: ignore[list-item]
                additional_headers=self.headers,
                open_timeout=self.connect_timeout,
                max_size=self.max_size,
                ssl=context,
            )
        except (OSError, InvalidHandshake, TimeoutError) as exc:
            raise ServerStartError(
                f"server {self.name!r}: cannot open a WebSocket to {self.url}: {exc}"
            ) from exc
        if socket.subprotocol != SUBPROTOCOL:
            await socket.close()
            raise ProtocolError(
                f"server {self.name!r} did not agree to the WebSocket subprotocol 'mcp'"
            )
        self._socket = socket


class WebSocketServerTransport(_Frames):
    """One client's accepted WebSocket, as a transport ``MCPServer`` serves."""

    def __init__(self, socket: ServerConnection, name: str = "client") -> None:
        self._socket = socket
        self.name = name

    async def start(self) -> None:
        pass


async def serve_websocket(server: MCPServer, host: str, port: int, limits: HTTPLimits) -> Server:
    """Listen for MCP clients over WebSocket; the same Origin and token checks as HTTP.

    Close the returned server (``close()``, ``wait_closed()``) to stop.
    """
    from websockets.asyncio.server import serve

    from bridge.mcp.server_guard import Refused, check_origin, client_key

    connected: dict[str, int] = {}  # open sockets per client, bounded as HTTP bounds requests

    def key(socket: ServerConnection, request: Request) -> str:
        headers = {k.lower(): v for k, v in request.headers.raw_items()}
        address = socket.remote_address[0] if socket.remote_address else "?"
        check_origin(headers, limits)
        return client_key(headers, limits, str(address))

    def admit(socket: ServerConnection, request: Request) -> Response | None:
        try:
            key(socket, request)
        except Refused as refused:
            return socket.respond(refused.status, f"{refused}\n")
        return None

    async def handle(socket: ServerConnection) -> None:
        # Counted here, not in admit: a handshake that fails after admit never gets here.
        assert socket.request is not None
        client = key(socket, socket.request)
        if connected.get(client, 0) >= limits.max_concurrent:
            await socket.close(1013, "too many concurrent connections from this client")
            return
        connected[client] = connected.get(client, 0) + 1
        try:
            await server.serve(WebSocketServerTransport(socket))
        finally:
            connected[client] -= 1
            if not connected[client]:
                del connected[client]

    return await serve(
        handle,
        host,
        port,
        subprotocols=[SUBPROTOCOL],  # type: ignore[list-item]
        process_request=admit,
        max_size=limits.max_body,
    )
