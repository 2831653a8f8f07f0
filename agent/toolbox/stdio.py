"""The server side of stdio: our own stdin and stdout as a JSON-lines transport."""

from __future__ import annotations

import asyncio
import json
import logging
import sys

from bridge.errors import ConnectionClosedError, ProtocolError
from bridge.mcp.transport import Message, TransportFailure

_encode = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode

__all__ = ["StdioServerTransport"]

log = logging.getLogger(__name__)


class StdioServerTransport:
    """Reads requests from stdin and writes responses to stdout, one JSON message a line."""

    def __init__(self, name: str = "client", limit: int = 32 * 1024 * 1024) -> None:
        self.name = name
        self.limit = limit
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.WriteTransport | None = None

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        reader = self._reader = asyncio.StreamReader(limit=self.limit)
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin.buffer)
        self._writer, _ = await loop.connect_write_pipe(asyncio.Protocol, sys.stdout.buffer)

    async def send(self, message: Message) -> None:
        if self._writer is None or self._writer.is_closing():
            raise ConnectionClosedError("stdout is closed")
        data = _encode(message)
        self._writer.write(data.encode() + b"\n")

    async def receive(self) -> Message | list[Message] | TransportFailure | None:
        assert self._reader is not None, "start() first"
        while True:
            try:
                line = await self._reader.readline()
            except ValueError as exc:
                raise ProtocolError("a message exceeded the size limit") from exc
            if not line:
                return None
            try:
                message = json.loads(line)
            except ValueError:
                log.warning("skipped a line that is not JSON: %.200r", line)
                continue
            if isinstance(message, dict | list):
                return message

    async def close(self) -> None:
        if self._writer is not None:
            self._writer.close()

    def describe_end(self) -> str:
        return ""
