"""Property-based fuzzing of the JSON-RPC engine: whatever a server writes, no call hangs.

Arbitrary JSON values (biased towards message-shaped objects) go through a client session's
connection, and arbitrary byte lines through the stdio transport's decoder. After them comes
the true answer to a pending call: the call ends with that answer or an MCPError, at once,
and the reader never dies of an exception of its own.
"""

from __future__ import annotations

import asyncio
import json
from types import SimpleNamespace
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bridge.errors import MCPError
from bridge.mcp import ClientSession, StdioTransport
from tests.bridge.mcp.test_jsonrpc import MemoryTransport

FUZZ = settings(
    max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)

scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20)
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
METHODS = [
    "ping",
    "notifications/progress",
    "notifications/cancelled",
    "notifications/message",
    "notifications/tools/list_changed",
    "sampling/createMessage",
    "roots/list",
]
ids = st.integers(min_value=-2, max_value=4) | st.sampled_from(["1", "²", "", "x"]) | json_values
message_shaped = st.fixed_dictionaries(
    {},
    optional={
        "jsonrpc": st.just("2.0") | json_values,
        "id": ids,
        "method": st.sampled_from(METHODS) | json_values,
        "params": st.fixed_dictionaries(
            {},
            optional={
                "progressToken": ids,
                "requestId": ids,
                "progress": json_values,
                "total": json_values,
                "message": json_values,
                "level": json_values,
                "data": json_values,
            },
        )
        | json_values,
        "result": json_values,
        "error": st.fixed_dictionaries(
            {}, optional={"code": json_values, "message": json_values, "data": json_values}
        )
        | json_values,
    },
)
messages = st.lists(message_shaped | json_values | st.lists(message_shaped, max_size=3), max_size=6)


def assert_ended_well(outcome: Any, session: ClientSession) -> None:
    """The call got an answer or an MCPError; the reader never died of its own exception.

    (The fuzzed input may itself answer the call, whose id is 1: any answer will do.)
    """
    if isinstance(outcome, BaseException):
        assert isinstance(outcome, MCPError), repr(outcome)
    error = session.connection.error
    assert error is None or isinstance(error, MCPError)
    assert "reader stopped on" not in str(error or "")


async def exchange(transport: Any, session: ClientSession, feed: Any) -> Any:
    """Start a call, feed the hostile input and then its answer; return how the call ended."""
    session.connection.start()
    try:
        call = asyncio.create_task(session.request("tools/call", timeout=30))
        await transport.sent_one()
        feed()
        async with asyncio.timeout(5):  # far below the call's own 30 s
            (outcome,) = await asyncio.gather(call, return_exceptions=True)
        return outcome
    finally:
        await session.aclose()


class FedMemory(MemoryTransport):
    async def sent_one(self) -> None:
        await self.next_sent()


@FUZZ
@given(messages)
@example([{"jsonrpc": "2.0", "id": {"a": 1}, "result": 1}])
@example([{"method": "notifications/progress", "params": {"progressToken": [1]}}])
@example([{"method": "notifications/cancelled", "params": {"requestId": {}}}])
@example([{"method": "notifications/message", "params": {"data": [[[[[[[[[[1]]]]]]]]]]}}])
def test_no_sequence_of_json_values_makes_a_call_hang_or_kills_the_reader(feed):
    async def scenario() -> None:
        transport = FedMemory()
        session = ClientSession(transport, name="fuzz")

        def put() -> None:
            for item in feed:
                transport.inbox.put_nowait(item)
            transport.inbox.put_nowait({"jsonrpc": "2.0", "id": 1, "result": "the answer"})

        assert_ended_well(await exchange(transport, session, put), session)

    asyncio.run(scenario())


class FedStdio(StdioTransport):
    """The stdio transport's decoder, reading from a stream the test writes (no process)."""

    def __init__(self) -> None:
        super().__init__("fuzz", (), name="fuzz")
        self.reader = asyncio.StreamReader()
        self._proc = SimpleNamespace(stdout=self.reader, returncode=0, pid=None)  # type: ignore[assignment]
        self.written = asyncio.Event()

    async def send(self, message: dict[str, Any]) -> None:
        self.written.set()

    async def close(self) -> None:
        self.reader.feed_eof()

    async def sent_one(self) -> None:
        async with asyncio.timeout(5):
            await self.written.wait()


lines = st.lists(st.binary(max_size=60).map(lambda b: b.replace(b"\n", b" ")), max_size=6)


@FUZZ
@given(lines)
@example([b"[" * 100_000])
@example([b'{"jsonrpc": "2.0", "id": 1, "result": ' + b"[" * 5000 + b"]" * 5000 + b"}"])
@example([b"\xff\xfe{}"])
@example(
    [
        b'{"method": "notifications/message", "params": {"level": "error", "data": '
        + b"[" * 960
        + b"]" * 960
        + b"}}"
    ]
)
@example([b'{"id": ' + b"9" * 5000 + b', "result": 1}'])
def test_no_sequence_of_byte_lines_on_stdout_makes_a_call_hang_or_kills_the_reader(feed):
    async def scenario() -> None:
        transport = FedStdio()
        session = ClientSession(transport, name="fuzz")

        def put() -> None:
            for line in feed:
                transport.reader.feed_data(line + b"\n")
            answer = {"jsonrpc": "2.0", "id": 1, "result": "the answer"}
            transport.reader.feed_data(json.dumps(answer).encode() + b"\n")
            transport.reader.feed_eof()

        assert_ended_well(await exchange(transport, session, put), session)

    asyncio.run(scenario())


class AnsweringTransport(MemoryTransport):
    """Answers initialize and tools/list with the given results, whatever they are."""

    def __init__(self, answers: dict[str, Any]) -> None:
        super().__init__()
        self.answers = answers

    async def send(self, message: dict[str, Any]) -> None:
        method = message.get("method")
        if "id" in message and method in self.answers:
            answer = {"jsonrpc": "2.0", "id": message["id"], "result": self.answers[method]}
            self.inbox.put_nowait(answer)
        elif "id" in message:  # a handshake-era server: server/discover is unknown to it
            error = {"code": -32601, "message": f"unknown method {method}"}
            self.inbox.put_nowait({"jsonrpc": "2.0", "id": message["id"], "error": error})


initialize_results = json_values | st.fixed_dictionaries(
    {"protocolVersion": st.sampled_from(["2025-06-18", "2024-11-05"]) | json_values},
    optional={
        "capabilities": json_values,
        "serverInfo": st.fixed_dictionaries(
            {}, optional={"name": json_values, "version": json_values}
        )
        | json_values,
        "instructions": json_values,
    },
)
listed_tools = st.fixed_dictionaries(
    {"name": st.text(max_size=5)},
    optional=dict.fromkeys(
        ("description", "inputSchema", "outputSchema", "title", "annotations"), json_values
    ),
)
tool_lists = json_values | st.fixed_dictionaries(
    {"tools": st.lists(listed_tools | json_values, max_size=3) | json_values},
    optional={"nextCursor": json_values},
)


@FUZZ
@given(initialize_results, tool_lists)
@example({"protocolVersion": "2025-06-18", "capabilities": "tools"}, {"tools": []})
@example({"protocolVersion": "2025-06-18", "serverInfo": [1]}, {"tools": []})
@example({"protocolVersion": "2025-06-18"}, {"tools": [], "nextCursor": {"a": 1}})
def test_a_session_starts_or_fails_with_an_mcp_error_whatever_the_handshake_says(init, tools):
    async def scenario() -> None:
        transport = AnsweringTransport({"initialize": init, "tools/list": tools})
        session = ClientSession(transport, name="fuzz")
        try:
            async with asyncio.timeout(5):
                info = await session.open(timeout=30)
                listed = await session.list_tools()
        except MCPError:
            return
        finally:
            await session.aclose()
        assert isinstance(info.capabilities, dict)
        assert isinstance(info.name, str) and isinstance(info.version, str)
        assert all(isinstance(tool.input_schema, dict) for tool in listed)
        assert all(isinstance(tool.description, str) for tool in listed)

    asyncio.run(scenario())
