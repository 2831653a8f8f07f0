"""SSE streams from servers are split into lines as httpx does, and bounded: an endless
line or event fails the stream with a clear error instead of filling memory."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bridge.errors import MCPError
from bridge.mcp import ClientSession, sse
from bridge.mcp.http import StreamableHTTPTransport
from bridge.mcp.sse import EventTooLarge, parse_events, sse_lines


async def _chunks(data: bytes, cuts: list[int]) -> AsyncIterator[bytes]:
    last = 0
    for cut in sorted(c % (len(data) + 1) for c in cuts):
        yield data[last:cut]
        last = cut
    yield data[last:]


async def _lines(data: bytes, cuts: list[int]) -> list[str]:
    return [line async for line in sse_lines(_chunks(data, cuts), name="s")]


async def _httpx_lines(data: bytes) -> list[str]:
    return [line async for line in httpx.Response(200, content=data).aiter_lines()]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.sampled_from(["a", "bc", "é", "\r", "\n", "\r\n", ":", " "]), max_size=30),
    st.lists(st.integers(min_value=0, max_value=200), max_size=6),
)
def test_lines_split_as_httpx_splits_them_however_the_chunks_fall(pieces, cuts):
    data = "".join(pieces).encode()
    assert asyncio.run(_lines(data, cuts)) == asyncio.run(_httpx_lines(data))


async def _endless(piece: bytes) -> AsyncIterator[bytes]:
    while True:
        yield piece


async def test_an_endless_line_fails_once_it_passes_the_limit():
    with pytest.raises(EventTooLarge, match="server 'far' sent an SSE line or event over 1 MiB"):
        async for _ in sse_lines(_endless(b"x" * 4096), name="far", limit=2**20):
            pass


async def test_an_event_of_endless_data_lines_fails_once_it_passes_the_limit():
    async def lines() -> AsyncIterator[str]:
        while True:
            yield "data: " + "y" * 1000

    with pytest.raises(EventTooLarge, match="over 1 MiB"):
        async for _ in parse_events(lines(), name="far", limit=2**20):
            pass


async def test_events_under_the_limit_pass_whole():
    body = b'id: 1\r\ndata: {"a":\r\ndata: 1}\r\n\r\n: comment\rdata: two\r\r'
    events = [e async for e in parse_events(sse_lines(_chunks(body, [3, 17, 18]), name="s"))]
    assert [(e.id, e.data) for e in events] == [("1", '{"a":\n1}'), (None, "two")]


async def test_a_server_answering_with_an_endless_sse_line_fails_the_start_not_the_process(
    monkeypatch: pytest.MonkeyPatch,
):
    monkeypatch.setattr(sse, "MAX_EVENT", 2**20)
    sent = 0

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal sent
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n\r\ndata: ")
        try:
            while sent < 64 * 2**20:  # stops long after the client must have given up
                writer.write(b"x" * 65536)
                sent += 65536
                await writer.drain()
        except ConnectionError:
            pass
        writer.close()

    listener = await asyncio.start_server(answer, "127.0.0.1", 0)
    port = listener.sockets[0].getsockname()[1]
    session = ClientSession(
        StreamableHTTPTransport(f"http://127.0.0.1:{port}/mcp", name="far"), name="far"
    )
    try:
        with pytest.raises(MCPError, match="SSE line or event over 1 MiB"):
            await session.open(timeout=20)
    finally:
        await session.aclose()
        listener.close()
    assert sent < 16 * 2**20
