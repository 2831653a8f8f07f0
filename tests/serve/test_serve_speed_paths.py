"""``agent serve --http``: the quick paths of an answer (one JSON body, one write) and the
bounds around them (a long call's headers come early; a refused body ends cleanly)."""

from __future__ import annotations

import asyncio
import json
import time

import httpx

from tests.serve.conftest import fleet_yaml, start_served, stop_served

BOTH = {"accept": "application/json, text/event-stream"}
INIT = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t"}},
}


async def _session(http: httpx.AsyncClient, url: str) -> dict[str, str]:
    init = await http.post(url, json=INIT, headers=BOTH)
    headers = {**BOTH, "mcp-session-id": init.headers["mcp-session-id"]}
    note = {"jsonrpc": "2.0", "method": "notifications/initialized"}
    await http.post(url, json=note, headers=headers)
    return headers


def _call(request_id: int, tool: str, arguments: dict[str, object]) -> dict[str, object]:
    params = {"name": tool, "arguments": arguments}
    return {"jsonrpc": "2.0", "id": request_id, "method": "tools/call", "params": params}


async def test_a_quick_answer_comes_back_as_one_json_body(http_gateway):
    async with asyncio.timeout(30), httpx.AsyncClient(timeout=20) as http:
        headers = await _session(http, http_gateway.url)
        answer = await http.post(
            http_gateway.url, json=_call(2, "echo", {"text": "hi"}), headers=headers
        )
    assert answer.headers["content-type"] == "application/json"
    assert answer.headers["mcp-session-id"] == headers["mcp-session-id"]
    assert answer.json()["id"] == 2
    assert answer.json()["result"]["content"][0]["text"] == "hi"


async def test_a_client_that_accepts_only_event_streams_gets_its_answer_as_one(http_gateway):
    async with asyncio.timeout(30), httpx.AsyncClient(timeout=20) as http:
        headers = await _session(http, http_gateway.url)
        headers["accept"] = "text/event-stream"
        answer = await http.post(
            http_gateway.url, json=_call(2, "echo", {"text": "hi"}), headers=headers
        )
    assert answer.headers["content-type"] == "text/event-stream"
    data = [line[len("data: ") :] for line in answer.text.splitlines() if line.startswith("data:")]
    assert [json.loads(item)["result"]["content"][0]["text"] for item in data] == ["hi"]


async def test_progress_makes_the_answer_a_stream_with_every_event(http_gateway):
    call = _call(2, "count_slowly", {"n": 2, "delay": 0.01})
    call["params"]["_meta"] = {"progressToken": "p"}  # type: ignore[index]
    async with asyncio.timeout(30), httpx.AsyncClient(timeout=20) as http:
        headers = await _session(http, http_gateway.url)
        answer = await http.post(http_gateway.url, json=call, headers=headers)
    assert answer.headers["content-type"] == "text/event-stream"
    data = [json.loads(line[6:]) for line in answer.text.splitlines() if line.startswith("data:")]
    assert [item.get("method") for item in data] == [
        "notifications/progress",
        "notifications/progress",
        None,
    ]
    assert data[-1]["result"]["content"][0]["text"] == "counted to 2"


async def test_a_long_call_gets_its_headers_long_before_its_answer(http_gateway):
    call = _call(2, "count_slowly", {"n": 3, "delay": 0.3})  # no progress token: no events
    async with asyncio.timeout(30), httpx.AsyncClient(timeout=20) as http:
        headers = await _session(http, http_gateway.url)
        began = time.perf_counter()
        async with http.stream("POST", http_gateway.url, json=call, headers=headers) as answer:
            accepted = time.perf_counter() - began
            body = await answer.aread()
        finished = time.perf_counter() - began
    assert answer.headers["content-type"] == "text/event-stream"
    assert b"counted to 3" in body
    assert finished - accepted > 0.5  # the headers did not wait for the 0.9 s of counting


async def test_a_refused_oversized_body_gets_its_413_every_time_and_ends_the_connection(
    tmp_path,
):
    served = await start_served(fleet_yaml(tmp_path, "serve:\n  max_body: 4096\n"), "--http")
    big = b'{"x": "' + b"a" * 20000 + b'"}'
    try:
        async with asyncio.timeout(60), httpx.AsyncClient(timeout=20) as http:
            answers = [await http.post(served.url, content=big, headers=BOTH) for _ in range(100)]
    finally:
        await stop_served(served)
    assert {answer.status_code for answer in answers} == {413}
    assert {answer.headers.get("connection") for answer in answers} == {"close"}


async def test_open_get_streams_do_not_use_up_the_request_slots_of_their_client(tmp_path):
    served = await start_served(fleet_yaml(tmp_path, "serve:\n  max_concurrent: 1\n"), "--http")
    try:
        async with asyncio.timeout(60), httpx.AsyncClient(timeout=20) as http:
            headers = await _session(http, served.url)
            listen = {**headers, "accept": "text/event-stream"}
            async with http.stream("GET", served.url, headers=listen) as stream:
                assert stream.status_code == 200
                call = _call(2, "echo", {"text": "still served"})
                answer = await http.post(served.url, json=call, headers=headers)
                second = await http.get(served.url, headers=listen)
    finally:
        await stop_served(served)
    assert answer.status_code == 200
    assert answer.json()["result"]["content"][0]["text"] == "still served"
    assert second.status_code == 429  # streams are bounded too, on their own count


async def test_a_client_that_floods_its_open_stream_with_bytes_is_disconnected(tmp_path):
    served = await start_served(fleet_yaml(tmp_path, "serve:\n  max_body: 4096\n"), "--http")
    url = httpx.URL(served.url)
    try:
        async with asyncio.timeout(60), httpx.AsyncClient(timeout=20) as http:
            headers = await _session(http, served.url)
            reader, writer = await asyncio.open_connection(url.host, url.port)
            request = (
                f"GET {url.raw_path.decode()} HTTP/1.1\r\nhost: {url.host}\r\n"
                f"accept: text/event-stream\r\nmcp-session-id: {headers['mcp-session-id']}\r\n\r\n"
            )
            writer.write(request.encode())
            assert (await reader.readline()).startswith(b"HTTP/1.1 200")
            writer.write(b"x" * 200_000)  # far past a request the server would read
            await writer.drain()
            async with asyncio.timeout(10):
                while await reader.read(65536):
                    pass  # until the server hangs up
            writer.close()
    finally:
        await stop_served(served)
