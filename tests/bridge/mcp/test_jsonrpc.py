"""The JSON-RPC engine over an in-memory transport: ids, timeouts, cancellation, handlers."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from bridge.errors import ConnectionClosedError, RemoteError, RequestTimeoutError
from bridge.mcp import Connection


class MemoryTransport:
    """One end of an in-memory pipe: what we send is recorded, what we receive is fed."""

    name = "memory"

    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []
        self.sent_event = asyncio.Event()
        self.inbox: asyncio.Queue[Any] = asyncio.Queue()

    async def start(self) -> None:
        pass

    async def send(self, message: dict[str, Any]) -> None:
        self.sent.append(message)
        self.sent_event.set()

    async def receive(self) -> Any:
        return await self.inbox.get()

    async def close(self) -> None:
        self.inbox.put_nowait(None)

    def describe_end(self) -> str:
        return " (the test closed it)"

    async def next_sent(self) -> dict[str, Any]:
        async with asyncio.timeout(5):
            while not self.sent:
                self.sent_event.clear()
                await self.sent_event.wait()
        return self.sent.pop(0)


@pytest.fixture
async def pair():
    transport = MemoryTransport()
    connection = Connection(transport, name="mem")
    connection.start()
    yield transport, connection
    await connection.aclose()


async def test_responses_resolve_by_id_even_out_of_order(pair):
    transport, connection = pair
    first = asyncio.create_task(connection.request("a"))
    second = asyncio.create_task(connection.request("b"))
    one, two = await transport.next_sent(), await transport.next_sent()
    transport.inbox.put_nowait({"jsonrpc": "2.0", "id": two["id"], "result": "B"})
    transport.inbox.put_nowait({"jsonrpc": "2.0", "id": one["id"], "result": "A"})
    assert await first == "A"
    assert await second == "B"


async def test_responses_to_unknown_ids_are_ignored(pair):
    transport, connection = pair
    transport.inbox.put_nowait({"jsonrpc": "2.0", "id": 999, "result": "stray"})
    task = asyncio.create_task(connection.request("x"))
    sent = await transport.next_sent()
    transport.inbox.put_nowait({"jsonrpc": "2.0", "id": sent["id"], "result": "ok"})
    assert await task == "ok"


async def test_error_responses_raise_remote_error_with_code_and_data(pair):
    transport, connection = pair
    task = asyncio.create_task(connection.request("x"))
    sent = await transport.next_sent()
    transport.inbox.put_nowait(
        {"jsonrpc": "2.0", "id": sent["id"], "error": {"code": -32602, "message": "bad", "data": 1}}
    )
    with pytest.raises(RemoteError) as caught:
        await task
    assert (caught.value.code, caught.value.message, caught.value.data) == (-32602, "bad", 1)


async def test_a_timeout_sends_cancelled_and_raises(pair):
    transport, connection = pair
    with pytest.raises(RequestTimeoutError, match=r"within 0\.05s"):
        await connection.request("slow", timeout=0.05)
    request = await transport.next_sent()
    cancelled = await transport.next_sent()
    assert cancelled["method"] == "notifications/cancelled"
    assert cancelled["params"]["requestId"] == request["id"]


async def test_cancelling_the_caller_sends_cancelled(pair):
    transport, connection = pair
    task = asyncio.create_task(connection.request("slow"))
    request = await transport.next_sent()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    cancelled = await transport.next_sent()
    assert cancelled == {
        "jsonrpc": "2.0",
        "method": "notifications/cancelled",
        "params": {"requestId": request["id"], "reason": "cancelled by the client"},
    }


async def test_peer_request_without_handler_gets_method_not_found(pair):
    transport, _ = pair
    transport.inbox.put_nowait({"jsonrpc": "2.0", "id": "r1", "method": "roots/list"})
    answer = await transport.next_sent()
    assert answer["id"] == "r1"
    assert answer["error"]["code"] == -32601


async def test_a_slow_handler_does_not_block_the_reader(pair):
    transport, connection = pair
    release = asyncio.Event()

    async def slow_handler(_params: dict[str, Any]) -> dict[str, Any]:
        await release.wait()
        return {"done": True}

    connection.request_handlers["sampling/createMessage"] = slow_handler
    transport.inbox.put_nowait({"jsonrpc": "2.0", "id": 1, "method": "sampling/createMessage"})
    task = asyncio.create_task(connection.request("ping"))
    ping = await transport.next_sent()
    transport.inbox.put_nowait({"jsonrpc": "2.0", "id": ping["id"], "result": {}})
    assert await task == {}
    release.set()
    assert (await transport.next_sent())["result"] == {"done": True}


async def test_peer_can_cancel_a_running_handler(pair):
    transport, connection = pair
    started = asyncio.Event()
    cancelled = asyncio.Event()

    async def handler(_params: dict[str, Any]) -> dict[str, Any]:
        started.set()
        try:
            await asyncio.Event().wait()
        finally:
            cancelled.set()
        return {}

    connection.request_handlers["elicitation/create"] = handler
    transport.inbox.put_nowait({"jsonrpc": "2.0", "id": 5, "method": "elicitation/create"})
    async with asyncio.timeout(5):
        await started.wait()
        transport.inbox.put_nowait(
            {"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": 5}}
        )
        await cancelled.wait()
    assert transport.sent == []


async def test_a_batch_is_dispatched_item_by_item(pair):
    transport, connection = pair
    first = asyncio.create_task(connection.request("a"))
    second = asyncio.create_task(connection.request("b"))
    one, two = await transport.next_sent(), await transport.next_sent()
    transport.inbox.put_nowait(
        [
            {"jsonrpc": "2.0", "id": one["id"], "result": 1},
            {"jsonrpc": "2.0", "id": two["id"], "result": 2},
        ]
    )
    assert (await first, await second) == (1, 2)


async def test_end_of_stream_fails_pending_requests_with_the_reason(pair):
    transport, connection = pair
    task = asyncio.create_task(connection.request("x"))
    await transport.next_sent()
    transport.inbox.put_nowait(None)
    with pytest.raises(ConnectionClosedError, match="the test closed it"):
        await task
    with pytest.raises(ConnectionClosedError):
        await connection.request("y")
