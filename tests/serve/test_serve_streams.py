"""Streams of ``agent serve --http`` (and ``agent toolbox --http``): a client that goes away
lets go of its slot, a dropped stream resumes by ``Last-Event-ID``, a connection serves
its next request after a streamed answer, progress arrives as SSE events."""

from __future__ import annotations

import asyncio
import sys

import httpx

from bridge.mcp import ClientSession
from bridge.mcp.http import StreamableHTTPTransport
from tests.serve.conftest import fleet_yaml, start_listening, start_served, stop_served

INIT = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {
        "protocolVersion": "2025-11-25",
        "capabilities": {},
        "clientInfo": {"name": "t", "version": "1"},
    },
}
ACCEPT = {"accept": "application/json, text/event-stream"}


def _call(request_id: int, tool: str, progress: bool = False, **arguments: object) -> dict:
    params: dict = {"name": tool, "arguments": arguments}
    if progress:
        params["_meta"] = {"progressToken": "p"}
    return {"jsonrpc": "2.0", "id": request_id, "method": "tools/call", "params": params}


async def _session_headers(http: httpx.AsyncClient, url: str) -> dict[str, str]:
    """Initialize a session: the headers of its later requests."""
    answer = await http.post(url, json=INIT, headers=ACCEPT)
    return {
        **ACCEPT,
        "mcp-session-id": answer.headers["mcp-session-id"],
        "mcp-protocol-version": "2025-11-25",
    }


async def _open_and_drop(url: str, headers: dict[str, str]) -> int:
    """Open a GET stream, then drop the connection: the stream's status."""
    async with (
        httpx.AsyncClient(timeout=10) as http,
        http.stream("GET", url, headers={**headers, "accept": "text/event-stream"}) as stream,
    ):
        return stream.status_code


async def test_get_streams_whose_clients_went_away_free_their_slots(tmp_path):
    served = await start_served(fleet_yaml(tmp_path, "serve:\n  max_concurrent: 2\n"), "--http")
    try:
        async with asyncio.timeout(60):
            async with httpx.AsyncClient(timeout=10) as http:
                headers = await _session_headers(http, served.url)
            opened = [await _open_and_drop(served.url, headers) for _ in range(2)]
            # Each drop is noticed as the server reads the end of the connection; a client
            # told 429 meanwhile tries again, as a reconnecting client does.
            later = []
            for _ in range(4):
                for _attempt in range(100):
                    status = await _open_and_drop(served.url, headers)
                    if status != 429:
                        break
                    await asyncio.sleep(0.02)
                later.append(status)
    finally:
        await stop_served(served)
    assert opened == [200, 200]
    assert later == [200, 200, 200, 200]


async def test_a_connection_serves_its_next_request_after_a_streamed_answer(tmp_path):
    served = await start_served(fleet_yaml(tmp_path), "--http")
    slow = _call(2, "count_slowly", progress=True, n=3, delay=0.05)
    echo = _call(3, "echo", text="next")
    try:
        async with asyncio.timeout(60), httpx.AsyncClient(timeout=10) as http:
            headers = await _session_headers(http, served.url)
            streamed = await http.post(served.url, json=slow, headers=headers)
            after = await http.post(served.url, json=echo, headers=headers)  # same connection
    finally:
        await stop_served(served)
    assert streamed.headers["content-type"].startswith("text/event-stream")
    assert streamed.text.count("notifications/progress") == 3 and "counted to 3" in streamed.text
    assert after.status_code == 200 and "next" in after.text
    assert not any("Traceback" in line for line in served.lines), "".join(served.lines)


async def test_a_dropped_stream_resumes_by_get_with_last_event_id(tmp_path):
    served = await start_served(fleet_yaml(tmp_path), "--http")
    slow = _call(2, "count_slowly", progress=True, n=4, delay=0.1)
    try:
        async with asyncio.timeout(60):
            async with httpx.AsyncClient(timeout=10) as http:
                headers = await _session_headers(http, served.url)
            last = None
            async with (
                httpx.AsyncClient(timeout=10) as http,
                http.stream("POST", served.url, json=slow, headers=headers) as stream,
            ):
                async for line in stream.aiter_lines():
                    if line.startswith("id:"):
                        last = line[3:].strip()
                    if line.startswith("data:") and '"progress":1' in line:
                        break  # the first progress: drop the connection here
            assert last is not None
            async with httpx.AsyncClient(timeout=10) as http:
                resumed = await http.get(
                    served.url,
                    headers={**headers, "accept": "text/event-stream", "last-event-id": last},
                )
    finally:
        await stop_served(served)
    body = resumed.text
    assert '"progress":1' not in body  # only what came after the last event seen
    assert all(f'"progress":{n}' in body for n in (2, 3, 4))
    assert "counted to 4" in body


async def test_agent_toolbox_http_streams_progress_as_sse_events():
    served = await start_listening(
        [sys.executable, "-m", "agent", "toolbox", "--http", "127.0.0.1:0"]
    )
    seen = []
    session = ClientSession(StreamableHTTPTransport(served.url, name="box"), name="box")
    try:
        async with asyncio.timeout(60), session:
            await session.open()
            result = await session.call_tool(
                "count_slowly", {"n": 3, "delay": 0.02}, on_progress=seen.append
            )
    finally:
        await stop_served(served)
    assert result.text == "counted to 3"
    assert [p.progress for p in seen] == [1, 2, 3]
    assert any("agent toolbox: tools/call tool=count_slowly" in line for line in served.lines)


async def test_past_max_sessions_the_least_recently_used_session_ends(tmp_path):
    served = await start_served(fleet_yaml(tmp_path, "serve:\n  max_sessions: 2\n"), "--http")
    ping = {"jsonrpc": "2.0", "id": 9, "method": "ping"}
    try:
        async with asyncio.timeout(60), httpx.AsyncClient(timeout=10) as http:
            first = await _session_headers(http, served.url)
            second = await _session_headers(http, served.url)
            used = await http.post(served.url, json=ping, headers=first)  # first is fresher now
            third = await _session_headers(http, served.url)  # the second has to go
            answers = [
                (await http.post(served.url, json=ping, headers=h)).status_code
                for h in (first, second, third)
            ]
    finally:
        await stop_served(served)
    assert used.status_code == 200
    assert answers == [200, 404, 200]
