"""What a stateless (2026-07-28) request over HTTP must carry: the envelope, the version
header, and headers that mirror the body (SEP-2243); and the status of its answer."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from bridge.mcp.headers import param_header_map, param_headers, standard_headers
from bridge.mcp.negotiation import META_CAPABILITIES, META_VERSION, MODERN_VERSION
from bridge.mcp.server_checks import check_request, status_of

SCHEMA = {
    "type": "object",
    "properties": {
        "region": {"type": "string", "x-mcp-header": "Region"},
        "n": {"type": "integer"},
    },
}
META = {META_VERSION: MODERN_VERSION, META_CAPABILITIES: {}}


def _call(**arguments: Any) -> dict[str, Any]:
    params = {"name": "lookup", "arguments": arguments, "_meta": META}
    return {"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": params}


def _headers(message: dict[str, Any], **extra: str) -> dict[str, str]:
    """The headers our own client sends for ``message``, lower-cased as the server keys them."""
    sent = {**standard_headers(message)}
    sent.update(param_headers(param_header_map(SCHEMA), message["params"]["arguments"]))
    sent.update(extra)
    return {k.lower(): v for k, v in sent.items() if v is not None}


def _check(message: dict[str, Any], headers: dict[str, str]):
    return check_request(message, headers, lambda name: SCHEMA if name == "lookup" else None)


def test_what_our_client_sends_passes_including_a_base64_wrapped_parameter():
    plain = _call(region="eu-west", n=3)
    assert _check(plain, _headers(plain)) is None
    odd = _call(region="  spaced ünïcode ")
    assert _headers(odd)["mcp-param-region"].startswith("=?base64?")
    assert _check(odd, _headers(odd)) is None


@pytest.mark.parametrize(
    ("meta", "expected"),
    [
        (None, "needs the 2026-07-28 _meta envelope"),
        ({META_CAPABILITIES: {}}, "lacks io.modelcontextprotocol/protocolVersion"),
        ({META_VERSION: MODERN_VERSION}, "lacks io.modelcontextprotocol/clientCapabilities"),
    ],
)
def test_an_incomplete_envelope_is_invalid_params_with_400(meta, expected):
    message = {"jsonrpc": "2.0", "id": 7, "method": "server/discover", "params": {}}
    if meta is not None:
        message["params"]["_meta"] = meta
    refusal = _check(message, {"mcp-protocol-version": MODERN_VERSION})
    assert refusal is not None
    assert (refusal.status, refusal.code) == (400, -32602)
    assert expected in refusal.message


def test_a_version_header_that_disagrees_is_a_mismatch_before_the_version_is_judged():
    message = _call(region="x")
    message["params"]["_meta"] = {**META, META_VERSION: "v999"}
    mismatch = _check(message, _headers(message, **{"MCP-Protocol-Version": MODERN_VERSION}))
    unsupported = _check(message, _headers(message))
    assert mismatch is not None and (mismatch.status, mismatch.code) == (400, -32020)
    assert unsupported is not None and (unsupported.status, unsupported.code) == (400, -32022)
    assert unsupported.data == {"supported": [MODERN_VERSION], "requested": "v999"}


@pytest.mark.parametrize(
    "change",
    [
        {"Mcp-Method": "prompts/list"},
        {"Mcp-Method": "TOOLS/CALL"},
        {"Mcp-Method": None},
        {"Mcp-Name": "other"},
        {"Mcp-Name": None},
        {"Mcp-Param-Region": "elsewhere"},
        {"Mcp-Param-Region": "=?base64?SGVsbG8?="},  # bad padding
        {"Mcp-Param-Region": "=?base64?SGVs!!!bG8=?="},  # not the alphabet
        {"Mcp-Param-Region": None},  # the argument is set: its header must be
    ],
)
def test_a_header_that_does_not_mirror_the_body_is_refused(change):
    message = _call(region="Hello")
    headers = _headers(message)
    for name, value in change.items():
        headers.pop(name.lower(), None)
        if value is not None:
            headers[name.lower()] = value
    refusal = _check(message, headers)
    assert refusal is not None and (refusal.status, refusal.code) == (400, -32020)


def test_whitespace_around_values_and_literal_lookalikes_of_base64_are_accepted():
    wrapped = "=?base64?" + base64.b64encode(b"Hello").decode()
    message = _call(region=wrapped)  # no closing ?=: a literal value, not base64
    headers = _headers(message, **{"Mcp-Name": "  lookup  ", "Mcp-Param-Region": wrapped})
    assert _check(message, headers) is None


def test_an_answers_error_code_sets_its_status():
    def answer(code: int) -> dict[str, Any]:
        return {"jsonrpc": "2.0", "id": 1, "error": {"code": code, "message": "x"}}

    assert status_of(answer(-32601)) == 404
    assert [status_of(answer(c)) for c in (-32020, -32021, -32022)] == [400, 400, 400]
    assert status_of(answer(-32603)) == 200
    assert status_of({"jsonrpc": "2.0", "id": 1, "result": {}}) == 200
