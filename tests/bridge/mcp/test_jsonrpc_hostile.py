"""The JSON-RPC engine against a hostile peer: malformed messages never stall a pending call."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from bridge.errors import ProtocolError, RemoteError
from bridge.mcp import Connection
from tests.bridge.mcp.test_jsonrpc import MemoryTransport, pair  # noqa: F401 - the fixture

# Every pending call below has a 30 s timeout: only the engine's own verdict may end it.
LONG = 30.0


async def answered(transport: MemoryTransport, connection: Connection, reply: dict[str, Any]):
    """Send one request, answer it with ``reply`` (its id filled in unless given), await it."""
    task = asyncio.create_task(connection.request("tools/call", timeout=LONG))
    sent = await transport.next_sent()
    transport.inbox.put_nowait({"jsonrpc": "2.0", "id": sent["id"], **reply})
    async with asyncio.timeout(5):
        return await task


async def still_answers(transport: MemoryTransport, connection: Connection) -> None:
    assert await answered(transport, connection, {"result": "alive"}) == "alive"


@pytest.mark.parametrize(
    ("bad_id", "kind"),
    [({"x": 1}, "an object"), ([1], "an array"), (True, "a boolean"), (1.5, "a number")],
)
async def test_a_response_with_an_unusable_id_fails_the_connection_at_once(pair, bad_id, kind):  # noqa: F811
    transport, connection = pair
    task = asyncio.create_task(connection.request("tools/call", timeout=LONG))
    await transport.next_sent()
    transport.inbox.put_nowait({"jsonrpc": "2.0", "id": bad_id, "result": {}})
    async with asyncio.timeout(5):
        with pytest.raises(ProtocolError, match=f"response whose id is {kind}"):
            await task
        await connection.closed.wait()
    assert isinstance(connection.error, ProtocolError)


@pytest.mark.parametrize(
    "notification",
    [
        {"method": "notifications/progress", "params": {"progressToken": {"a": 1}}},
        {"method": "notifications/progress", "params": {"progressToken": [1], "progress": 1}},
        {"method": "notifications/cancelled", "params": {"requestId": {"a": 1}}},
        {"method": "notifications/cancelled", "params": {"requestId": [[]]}},
        {"method": "notifications/progress", "params": {"progressToken": 1, "progress": 10**400}},
        {"method": "notifications/progress", "params": "not an object"},
    ],
)
async def test_a_malformed_notification_is_dropped_and_the_reader_goes_on(pair, notification):  # noqa: F811
    transport, connection = pair
    transport.inbox.put_nowait({"jsonrpc": "2.0", **notification})
    await still_answers(transport, connection)
    assert connection.error is None


@pytest.mark.parametrize(
    ("error", "why"),
    [
        ({"code": "boom", "message": "x"}, "its code is a string"),
        ({"code": None, "message": "x"}, "its code is null"),
        ({"code": [1], "message": "x"}, "its code is an array"),
        ({"code": 1e300, "message": "x"}, "its code is a number"),
        ({"code": -1, "message": {"m": 1}}, "its message is an object"),
        ("just text", "the error is a string"),
        ([1, 2], "the error is an array"),
    ],
)
async def test_a_malformed_error_fails_only_its_own_call_with_the_reason(pair, error, why):  # noqa: F811
    transport, connection = pair
    with pytest.raises(ProtocolError, match=f"malformed error \\({why}"):
        await answered(transport, connection, {"error": error})
    await still_answers(transport, connection)


async def test_an_integral_float_error_code_is_read_as_the_integer(pair):  # noqa: F811
    transport, connection = pair
    with pytest.raises(RemoteError) as caught:
        await answered(transport, connection, {"error": {"code": -32601.0, "message": "no"}})
    assert caught.value.code == -32601


async def test_a_response_with_neither_result_nor_error_fails_its_call(pair):  # noqa: F811
    transport, connection = pair
    with pytest.raises(ProtocolError, match="neither a result nor an error"):
        await answered(transport, connection, {})
    await still_answers(transport, connection)


@pytest.mark.parametrize("bad_id", [{"x": 1}, [1, 2], True])
async def test_a_request_with_an_unusable_id_is_answered_invalid_request(pair, bad_id):  # noqa: F811
    transport, connection = pair
    transport.inbox.put_nowait({"jsonrpc": "2.0", "id": bad_id, "method": "ping"})
    answer = await transport.next_sent()
    assert answer["id"] is None
    assert answer["error"]["code"] == -32600
    await still_answers(transport, connection)


async def test_a_request_whose_method_is_not_a_string_is_answered_invalid_request(pair):  # noqa: F811
    transport, connection = pair
    transport.inbox.put_nowait({"jsonrpc": "2.0", "id": 4, "method": 12})
    answer = await transport.next_sent()
    assert (answer["id"], answer["error"]["code"]) == (4, -32600)
    await still_answers(transport, connection)


@pytest.mark.parametrize("odd_id", ["²", "9" * 5000, "", "-1"])
async def test_odd_string_ids_in_responses_are_ignored_without_harm(pair, odd_id):  # noqa: F811
    transport, connection = pair
    transport.inbox.put_nowait({"jsonrpc": "2.0", "id": odd_id, "result": 1})
    await still_answers(transport, connection)


class BrokenTransport(MemoryTransport):
    """Hands over one message, then fails in a way no transport is supposed to."""

    async def receive(self) -> Any:
        message = await self.inbox.get()
        if message == "explode":
            raise RuntimeError("the decoder fell over")
        return message


async def test_a_reader_that_dies_of_anything_fails_every_pending_call_at_once():
    transport = BrokenTransport()
    connection = Connection(transport, name="broken")
    connection.start()
    try:
        calls = [
            asyncio.create_task(connection.request("a", timeout=LONG)),
            asyncio.create_task(connection.request("b", timeout=LONG)),
        ]
        await transport.next_sent()
        await transport.next_sent()
        transport.inbox.put_nowait("explode")
        async with asyncio.timeout(5):
            outcomes = await asyncio.gather(*calls, return_exceptions=True)
        for outcome in outcomes:
            assert isinstance(outcome, ProtocolError)
            assert "RuntimeError: the decoder fell over" in str(outcome)
        assert connection.error is outcomes[0]
        with pytest.raises(ProtocolError):
            await connection.request("c")
    finally:
        await connection.aclose()
