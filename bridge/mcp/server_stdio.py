"""The server side of stdio: our own stdin and stdout as a JSON-lines transport."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import stat
import sys
import threading

from bridge.errors import ConnectionClosedError, ProtocolError
from bridge.mcp.transport import Message, TransportFailure

_encode = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode

__all__ = ["StdioServerTransport"]


def _pollable(fd: int) -> bool:
    mode = os.fstat(fd).st_mode
    return stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode)


def _pump(loop: asyncio.AbstractEventLoop, reader: asyncio.StreamReader) -> None:
    """Feed stdin to the reader from a thread, for inputs the event loop cannot poll."""
    while chunk := os.read(0, 65536):
        loop.call_soon_threadsafe(reader.feed_data, chunk)
    loop.call_soon_threadsafe(reader.feed_eof)


log = logging.getLogger(__name__)


class StdioServerTransport:
    """Reads requests from stdin and writes responses to stdout, one JSON message a line."""

    def __init__(self, name: str = "client", limit: int = 32 * 1024 * 1024) -> None:
        self.name = name
        self.limit = limit
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.WriteTransport | None = None
        self._plain_stdout = False

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        reader = self._reader = asyncio.StreamReader(limit=self.limit)
        if _pollable(sys.stdin.fileno()):
            await loop.connect_read_pipe(
                lambda: asyncio.StreamReaderProtocol(reader), sys.stdin.buffer
            )
        else:  # a file, /dev/null or a terminal: epoll refuses some of them
            threading.Thread(target=_pump, args=(loop, reader), daemon=True).start()
        if _pollable(sys.stdout.fileno()):
            # A duplicate: closing the transport must not close sys.stdout under the caller.
            pipe = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
            self._writer, _ = await loop.connect_write_pipe(asyncio.Protocol, pipe)
        else:
            self._plain_stdout = True

    async def send(self, message: Message) -> None:
        if self._plain_stdout:  # stdout is a file: plain blocking writes are fine
            sys.stdout.buffer.write(_encode(message).encode() + b"\n")
            sys.stdout.buffer.flush()
            return
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
