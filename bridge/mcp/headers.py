"""The HTTP headers MCP 2026-07-28 mirrors from a message (SEP-2243), and their encoding.

``Mcp-Method`` and ``Mcp-Name`` repeat what the body says so that proxies can route
without reading it; a tool's ``x-mcp-header`` properties become ``Mcp-Param-*`` headers.
A value that would not survive an HTTP field is sent as ``=?base64?...?=``.
"""

from __future__ import annotations

import base64
import logging
import re
from collections.abc import Iterator, Mapping
from typing import Any

from bridge.mcp.negotiation import META_VERSION
from bridge.mcp.transport import ParamHeaderMaps
from bridge.mcp.types import Tool

__all__ = [
    "MCP_METHOD",
    "MCP_NAME",
    "NAMED_BY",
    "PARAM_PREFIX",
    "PROTOCOL_VERSION",
    "encode_value",
    "invalid_param_header",
    "param_header_map",
    "param_headers",
    "param_text",
    "routed_tools",
    "standard_headers",
]

log = logging.getLogger(__name__)

PROTOCOL_VERSION = "MCP-Protocol-Version"
MCP_METHOD = "Mcp-Method"
MCP_NAME = "Mcp-Name"
PARAM_PREFIX = "Mcp-Param-"
ANNOTATION = "x-mcp-header"

NAMED_BY = {"tools/call": "name", "prompts/get": "name", "resources/read": "uri"}
"""The params field each routed method names its target by (``Mcp-Name``)."""
_PRINTABLE = re.compile(r"[\x20-\x7e]*")
_SENTINEL = re.compile(r"=\?base64\?.*\?=")
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")  # RFC 9110 field-name characters
_HEADER_TYPES = frozenset({"string", "integer", "boolean"})  # never number: float text varies
# JSON Schema keywords whose values are subschemas; crossing one leaves the plain
# `properties` chain, where an annotation is not allowed.
_ONE = frozenset(
    {"items", "contains", "additionalProperties", "propertyNames", "not", "if", "then", "else"}
    | {"unevaluatedItems", "unevaluatedProperties", "contentSchema"}
)
_MANY = frozenset({"allOf", "anyOf", "oneOf", "prefixItems"})
_NAMED = frozenset({"patternProperties", "dependentSchemas", "$defs", "definitions"})

Path = tuple[str, ...]


def encode_value(text: str) -> str:
    """``text`` as a header value: verbatim when plain printable ASCII, else base64-wrapped."""
    if _PRINTABLE.fullmatch(text) and text == text.strip() and not _SENTINEL.fullmatch(text):
        return text
    return f"=?base64?{base64.b64encode(text.encode('utf-8')).decode('ascii')}?="


def standard_headers(message: Mapping[str, Any]) -> dict[str, str]:
    """``Mcp-Method``, ``Mcp-Name`` and the ``_meta`` protocol version of a message."""
    method = message.get("method")
    if not isinstance(method, str):
        return {}  # a response: nothing to route by
    headers = {MCP_METHOD: method}
    params = message.get("params")
    if not isinstance(params, Mapping):
        return headers
    field = NAMED_BY.get(method)
    if field is not None and isinstance(params.get(field), str):
        headers[MCP_NAME] = encode_value(params[field])
    meta = params.get("_meta")
    if isinstance(meta, Mapping) and isinstance(meta.get(META_VERSION), str):
        headers[PROTOCOL_VERSION] = meta[META_VERSION]
    return headers


def _positions(schema: Any) -> Iterator[tuple[Path | None, dict[str, Any]]]:
    """Every subschema with its chain of ``properties`` keys (None once off that chain).

    ``$ref`` is never followed, so the walk ends on any finite value; a stack, not
    recursion, so a deep schema cannot exhaust the interpreter's.
    """
    stack: list[tuple[Path | None, Any]] = [((), schema)]
    while stack:
        path, node = stack.pop()
        if not isinstance(node, dict):
            continue
        yield path, node
        for key, value in node.items():
            if key == "properties" and isinstance(value, dict):
                stack.extend(
                    ((*path, name) if path is not None else None, sub)
                    for name, sub in value.items()
                )
            elif key in _ONE:
                stack.append((None, value))
            elif key in _MANY and isinstance(value, list):
                stack.extend((None, sub) for sub in value)
            elif key in _NAMED and isinstance(value, dict):
                stack.extend((None, sub) for sub in value.values())


def invalid_param_header(schema: Any) -> str | None:
    """Why a tool's ``x-mcp-header`` annotations are unusable, or None when they are fine.

    A tool with such a schema must not be offered (SEP-2243): the server would reject
    every call to it, or read a header the client cannot send faithfully.
    """
    seen: dict[str, str] = {}
    for path, node in _positions(schema):
        if ANNOTATION not in node:
            continue
        if not path:
            return f"{ANNOTATION} outside a plain chain of properties"
        where = ".".join(path)
        token = node[ANNOTATION]
        if not isinstance(token, str) or not _TOKEN.fullmatch(token):
            shown = repr(token[:40]) if isinstance(token, str) else "not a string"
            return f"property {where!r}: {ANNOTATION} {shown} is not a header name"
        if node.get("type") not in _HEADER_TYPES:
            return f"property {where!r}: {ANNOTATION} is allowed on strings, integers, booleans"
        if token.lower() in seen:
            return f"property {where!r}: {ANNOTATION} {token!r} repeats {seen[token.lower()]!r}"
        seen[token.lower()] = where
    return None


def param_header_map(schema: Any) -> dict[Path, str]:
    """Property path -> header token for each annotated property of a valid schema."""
    return {
        path: node[ANNOTATION]
        for path, node in _positions(schema)
        if path and isinstance(node.get(ANNOTATION), str)
    }


def param_headers(header_map: Mapping[Path, str], arguments: Mapping[str, Any]) -> dict[str, str]:
    """The ``Mcp-Param-*`` headers of one call; an absent or null value sends no header."""
    headers: dict[str, str] = {}
    for path, token in header_map.items():
        value: Any = arguments
        for key in path:
            value = value.get(key) if isinstance(value, Mapping) else None
        text = param_text(value)
        if text is not None:  # null, missing, or not a scalar: nothing to mirror
            headers[f"{PARAM_PREFIX}{token}"] = encode_value(text)
    return headers


def param_text(value: Any) -> str | None:
    """An argument as its ``Mcp-Param-*`` header says it, or None when none is sent."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int):
        return str(value)
    return None


def routed_tools(server: str, tools: list[Tool]) -> tuple[list[Tool], ParamHeaderMaps]:
    """The tools a 2026-07-28 client may offer, and the ``Mcp-Param-*`` map of each.

    A tool whose ``x-mcp-header`` annotations are invalid is left out (SEP-2243: the
    server would refuse its calls); one bad tool never costs the others.
    """
    kept: list[Tool] = []
    routes: ParamHeaderMaps = {}
    for tool in tools:
        why = invalid_param_header(tool.input_schema)
        if why is not None:
            log.warning("server %r: tool %.80r left out: %s", server, tool.name, why)
            continue
        header_map = param_header_map(tool.input_schema)
        if header_map:
            routes[tool.name] = header_map
        kept.append(tool)
    return kept, routes
