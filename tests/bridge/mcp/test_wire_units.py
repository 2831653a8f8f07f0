"""The pure parts of MCP 2026-07-28: mirrored headers, their encoding, the probe's verdict,
and the retry of a multi-round-trip request."""

from __future__ import annotations

import base64

import pytest

from bridge.errors import AuthorizationError, ConnectionClosedError, ProtocolError, RemoteError
from bridge.mcp.headers import (
    encode_value,
    invalid_param_header,
    param_header_map,
    param_headers,
    standard_headers,
)
from bridge.mcp.input_required import is_input_required, retry_params
from bridge.mcp.negotiation import mutual_modern_version, read_discover, should_fall_back


def test_plain_ascii_header_values_go_verbatim_and_the_rest_in_base64():
    assert encode_value("us-west1") == "us-west1"
    assert encode_value("us west 1") == "us west 1"
    for raw in (" padded ", "Hello, 世界", "line1\nline2", "\tx", "=?base64?eA==?="):
        wrapped = encode_value(raw)
        assert wrapped.startswith("=?base64?") and wrapped.endswith("?=")
        assert base64.b64decode(wrapped[9:-2]).decode() == raw


def test_standard_headers_name_the_method_the_target_and_the_version_of_the_meta():
    message = {
        "method": "tools/call",
        "params": {"name": "my tool", "_meta": {"io.modelcontextprotocol/protocolVersion": "v"}},
    }
    assert standard_headers(message) == {
        "Mcp-Method": "tools/call",
        "Mcp-Name": "my tool",
        "MCP-Protocol-Version": "v",
    }
    read = {"method": "resources/read", "params": {"uri": "file:///a"}}
    assert standard_headers(read)["Mcp-Name"] == "file:///a"
    assert standard_headers({"id": 1, "result": {}}) == {}


@pytest.mark.parametrize(
    ("prop", "why"),
    [
        ({"type": "string", "x-mcp-header": ""}, "not a header name"),
        ({"type": "string", "x-mcp-header": "My Region"}, "not a header name"),
        ({"type": "string", "x-mcp-header": "Région"}, "not a header name"),
        ({"type": "number", "x-mcp-header": "Score"}, "allowed on"),
        ({"type": "object", "x-mcp-header": "Data"}, "allowed on"),
    ],
)
def test_an_unusable_header_annotation_is_reported(prop, why):
    schema = {"type": "object", "properties": {"value": prop}}
    assert why in (invalid_param_header(schema) or "")


def test_a_header_name_used_twice_in_any_case_is_reported():
    schema = {
        "type": "object",
        "properties": {
            "a": {"type": "string", "x-mcp-header": "MyField"},
            "b": {"type": "string", "x-mcp-header": "myfield"},
        },
    }
    assert "repeats" in (invalid_param_header(schema) or "")


def test_an_annotation_off_the_properties_chain_is_reported_and_refs_are_not_followed():
    schema = {
        "$defs": {"x": {"type": "string", "x-mcp-header": "X"}},
        "properties": {"a": {"$ref": "https://example.com/schema.json"}},
    }
    assert "plain chain" in (invalid_param_header(schema) or "")
    assert invalid_param_header({"properties": {"a": {"$ref": "#/$defs/x"}}}) is None


def test_param_headers_mirror_present_values_and_omit_null_and_missing_ones():
    schema = {
        "type": "object",
        "properties": {
            "region": {"type": "string", "x-mcp-header": "Region"},
            "priority": {"type": "integer", "x-mcp-header": "Priority"},
            "verbose": {"type": "boolean", "x-mcp-header": "Verbose"},
            "debug": {"type": "boolean", "x-mcp-header": "Debug"},
            "query": {"type": "string"},
        },
    }
    assert invalid_param_header(schema) is None
    header_map = param_header_map(schema)
    arguments = {"region": "eu", "priority": 3, "verbose": None, "debug": False, "query": "q"}
    assert param_headers(header_map, arguments) == {
        "Mcp-Param-Region": "eu",
        "Mcp-Param-Priority": "3",
        "Mcp-Param-Debug": "false",
    }


def test_the_probe_falls_back_unless_the_server_is_stateless_only_or_refuses_authorization():
    assert should_fall_back(RemoteError(-32601, "Method not found"))
    assert should_fall_back(ConnectionClosedError("HTTP 400: missing session id"))
    assert should_fall_back(RemoteError(-32022, "no", {"supported": ["2025-11-25"]}))
    assert not should_fall_back(RemoteError(-32022, "no", {"supported": ["2027-01-01"]}))
    assert not should_fall_back(AuthorizationError("refused"))
    named = RemoteError(-32022, "no", {"supported": ["2026-07-28"]})
    assert mutual_modern_version(named) == "2026-07-28"


def test_a_discover_result_without_a_version_we_speak_means_a_handshake_server():
    assert read_discover("s", {}, "2026-07-28") is None
    assert read_discover("s", {"supportedVersions": ["2025-11-25"]}, "2026-07-28") is None
    info = read_discover(
        "s",
        {
            "supportedVersions": ["2026-07-28"],
            "capabilities": {"tools": {}},
            "_meta": {"io.modelcontextprotocol/serverInfo": {"name": "n", "version": "1"}},
        },
        "2026-07-28",
    )
    assert info is not None and (info.name, info.protocol_version) == ("n", "2026-07-28")
    with pytest.raises(ProtocolError, match="capabilities"):
        read_discover("s", {"supportedVersions": ["2026-07-28"], "capabilities": []}, "x")


async def test_a_retry_echoes_the_state_unread_and_drops_the_previous_rounds_answers():
    async def elicit(_params):
        return {"action": "accept", "content": {"ok": True}}

    result = {
        "resultType": "input_required",
        "inputRequests": {"c": {"method": "elicitation/create", "params": {"message": "?"}}},
        "requestState": '{"opaque": 1}',
    }
    earlier = {"name": "t", "inputResponses": {"old": {}}, "requestState": "old"}
    retry = await retry_params("s", "tools/call", earlier, result, {"elicitation/create": elicit})
    assert retry == {
        "name": "t",
        "inputResponses": {"c": {"action": "accept", "content": {"ok": True}}},
        "requestState": '{"opaque": 1}',
    }
    result.pop("requestState")
    handlers = {"elicitation/create": elicit}
    retry = await retry_params("s", "tools/call", {"name": "t"}, result, handlers)
    assert "requestState" not in retry
    assert not is_input_required({"content": []})  # no resultType: complete


async def test_a_question_without_a_handler_is_a_clear_protocol_error():
    result = {"resultType": "input_required", "inputRequests": {"r": {"method": "roots/list"}}}
    with pytest.raises(ProtocolError, match="roots/list"):
        await retry_params("s", "tools/call", {}, result, {})
