"""What a stateless (2026-07-28) request over HTTP must carry before it is served.

A request without a session stands alone: its ``_meta`` envelope names the protocol
version and the client's capabilities, the ``MCP-Protocol-Version`` header repeats the
version, and ``Mcp-Method``, ``Mcp-Name`` and a tool's ``Mcp-Param-*`` headers repeat
the body (SEP-2243) so that proxies can route by them: a header that disagrees with the
body is refused, or a proxy and the server would act on different requests. Refusals are
HTTP 400 with a JSON-RPC error; an answer's error code sets its HTTP status too.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from bridge.mcp.headers import NAMED_BY, PARAM_PREFIX, param_header_map, param_text
from bridge.mcp.jsonrpc import INVALID_PARAMS, METHOD_NOT_FOUND
from bridge.mcp.negotiation import (
    META_CAPABILITIES,
    META_VERSION,
    MODERN_VERSION,
    UNSUPPORTED_VERSION,
)

__all__ = ["HEADER_MISMATCH", "MISSING_CAPABILITY", "Refusal", "check_request", "status_of"]

HEADER_MISMATCH = -32020
MISSING_CAPABILITY = -32021

Schemas = Callable[[str], Mapping[str, Any] | None]
"""A tool's input schema by the name a client calls it, or None."""


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why a request is not served: its HTTP status and JSON-RPC error."""

    status: int
    code: int
    message: str
    data: Any = None


def check_request(
    message: Mapping[str, Any], headers: Mapping[str, str], schemas: Schemas
) -> Refusal | None:
    """Why a stateless request cannot be served (``headers`` keyed in lower case), or None."""
    params = message.get("params")
    meta = params.get("_meta") if isinstance(params, Mapping) else None
    if not isinstance(meta, Mapping):
        return _invalid(
            "a request without a session needs the 2026-07-28 _meta envelope "
            f"({META_VERSION}, {META_CAPABILITIES}); or initialize a session first"
        )
    version = meta.get(META_VERSION)
    if not isinstance(version, str):
        return _invalid(f"_meta lacks {META_VERSION}")
    if not isinstance(meta.get(META_CAPABILITIES), Mapping):
        return _invalid(f"_meta lacks {META_CAPABILITIES} (an object; {{}} declares none)")
    said = headers.get("mcp-protocol-version", "").strip()
    if said != version:
        return _mismatch(f"the MCP-Protocol-Version header {said!r} is not _meta's {version!r}")
    if version != MODERN_VERSION:
        return Refusal(
            400,
            UNSUPPORTED_VERSION,
            f"Unsupported protocol version: {version!r}",
            {"supported": [MODERN_VERSION], "requested": version},
        )
    return _check_mirrors(message, params, headers, schemas)


def status_of(answer: Mapping[str, Any]) -> int:
    """The HTTP status of a stateless request's answer: 404 for a method not found, 400
    for the errors 2026-07-28 sends as a bad request, else 200."""
    error = answer.get("error")
    code = error.get("code") if isinstance(error, Mapping) else None
    if code == METHOD_NOT_FOUND:
        return 404
    if code in (HEADER_MISMATCH, MISSING_CAPABILITY, UNSUPPORTED_VERSION):
        return 400
    return 200


def _check_mirrors(
    message: Mapping[str, Any], params: Any, headers: Mapping[str, str], schemas: Schemas
) -> Refusal | None:
    method = message.get("method")
    said = headers.get("mcp-method")
    if said is None or said.strip() != method:
        return _mismatch(f"the Mcp-Method header {said!r} is not the body's method {method!r}")
    field = NAMED_BY.get(str(method))
    named = params.get(field) if field is not None and isinstance(params, Mapping) else None
    if isinstance(named, str):
        name = _decoded(headers.get("mcp-name"))
        if name != named:
            return _mismatch(f"the Mcp-Name header does not name the body's {field} {named!r}")
    if method != "tools/call" or not isinstance(named, str):
        return None
    schema = schemas(named)
    arguments = params.get("arguments")
    if schema is None or not isinstance(arguments, Mapping):
        return None
    for path, token in param_header_map(schema).items():
        value: Any = arguments
        for key in path:
            value = value.get(key) if isinstance(value, Mapping) else None
        expected = param_text(value)
        if expected is None:
            continue  # nothing to mirror: any header is ignored
        header, argument = f"{PARAM_PREFIX}{token}", ".".join(path)
        sent = headers.get(header.lower())
        if sent is None:
            return _mismatch(f"the {header} header is missing; the argument {argument!r} is set")
        if _decoded(sent) != expected:
            return _mismatch(f"the {header} header does not match the argument {argument!r}")
    return None


def _decoded(value: str | None) -> str | None:
    """A header value as text: ``=?base64?...?=`` decoded strictly, else taken literally
    (trimmed); None when absent or not valid base64."""
    if value is None:
        return None
    value = value.strip()
    if value.startswith("=?base64?") and value.endswith("?=") and len(value) >= 11:
        try:
            return base64.b64decode(value[9:-2], validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return None
    return value


def _invalid(message: str) -> Refusal:
    return Refusal(400, INVALID_PARAMS, message)


def _mismatch(message: str) -> Refusal:
    return Refusal(400, HEADER_MISMATCH, message)
