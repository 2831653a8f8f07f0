"""Which protocol a session speaks: the versions, the ``server/discover`` probe's verdict,
and the reading of an ``initialize`` or ``server/discover`` result into a ``ServerInfo``.
"""

from __future__ import annotations

from typing import Any

from bridge.errors import AuthorizationError, MCPError, ProtocolError, RemoteError
from bridge.mcp.jsonrpc import json_kind
from bridge.mcp.types import ServerInfo

__all__ = [
    "HANDSHAKE_VERSIONS",
    "META_CAPABILITIES",
    "META_CLIENT",
    "META_LOG_LEVEL",
    "META_VERSION",
    "MODERN_VERSION",
    "MODERN_VERSIONS",
    "UNSUPPORTED_VERSION",
    "mutual_modern_version",
    "read_discover",
    "read_initialize",
    "should_fall_back",
]

MODERN_VERSION = "2026-07-28"
MODERN_VERSIONS = (MODERN_VERSION,)
"""Stateless revisions: ``server/discover`` and a ``_meta`` envelope on every request."""
HANDSHAKE_VERSIONS = ("2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05")
"""The ``initialize`` family, newest first."""
UNSUPPORTED_VERSION = -32022
SERVER_INFO_META = "io.modelcontextprotocol/serverInfo"

# The _meta envelope of every 2026-07-28 request.
META_VERSION = "io.modelcontextprotocol/protocolVersion"
META_CAPABILITIES = "io.modelcontextprotocol/clientCapabilities"
META_CLIENT = "io.modelcontextprotocol/clientInfo"
META_LOG_LEVEL = "io.modelcontextprotocol/logLevel"


def _supported(exc: RemoteError) -> list[str] | None:
    """The versions a -32022 error names, or None when it names none readably."""
    data = exc.data if isinstance(exc.data, dict) else {}
    listed = data.get("supported")
    if not isinstance(listed, list):
        return None
    return [v for v in listed if isinstance(v, str)]


def mutual_modern_version(exc: MCPError) -> str | None:
    """The newest stateless version both sides speak, when ``exc`` is a -32022 naming one."""
    if not isinstance(exc, RemoteError) or exc.code != UNSUPPORTED_VERSION:
        return None
    supported = _supported(exc) or []
    return next((v for v in MODERN_VERSIONS if v in supported), None)


def should_fall_back(exc: MCPError) -> bool:
    """Whether a failed probe means "a server of the handshake family": try ``initialize``.

    Anything that is not positive evidence of a stateless server falls back (method not
    found, an HTTP 400 from a server that wants a session, no answer). Two things do not:
    a -32022 naming only stateless versions we lack (a real mismatch), and a refused
    authorization (initialize would be refused the same way).
    """
    if isinstance(exc, AuthorizationError):
        return False
    if isinstance(exc, RemoteError) and exc.code == UNSUPPORTED_VERSION:
        supported = _supported(exc)
        return supported is None or any(v in HANDSHAKE_VERSIONS for v in supported)
    return True


def read_initialize(server: str, result: Any) -> ServerInfo:
    """Read an ``initialize`` result; anything malformed fails start-up with what it was."""
    result = _result_object(server, "initialize", result)
    version = result.get("protocolVersion")
    if not isinstance(version, str):
        raise ProtocolError(
            f"server {server!r} answered initialize with a protocolVersion that is "
            f"{json_kind(version)}, not a string"
        )
    if version not in HANDSHAKE_VERSIONS:
        raise ProtocolError(
            f"server {server!r} speaks MCP protocol version {version[:40]!r}, which this "
            f"host does not support (supported: {', '.join(HANDSHAKE_VERSIONS)})"
        )
    return _server_info(server, "initialize", result, version, result.get("serverInfo"))


def read_discover(server: str, result: Any, version: str) -> ServerInfo | None:
    """Read a ``server/discover`` result offered at ``version``.

    None when the result lists no stateless version we speak (or is no discover result
    at all): such a server belongs to the handshake family, so the caller falls back to
    ``initialize``.
    """
    listed = result.get("supportedVersions") if isinstance(result, dict) else None
    if not isinstance(listed, list):
        return None  # not a discover result: no evidence of a stateless server
    mutual = [v for v in MODERN_VERSIONS if v in listed]
    if not mutual:
        return None
    chosen = version if version in mutual else mutual[0]
    meta = result.get("_meta")
    info = result.get("serverInfo")
    if info is None and isinstance(meta, dict):
        info = meta.get(SERVER_INFO_META)
    return _server_info(server, "server/discover", result, chosen, info)


def _result_object(server: str, method: str, result: Any) -> dict[str, Any]:
    if not isinstance(result, dict):
        raise ProtocolError(
            f"server {server!r} answered {method} with {json_kind(result)}, not an object"
        )
    return result


def _server_info(
    server: str, method: str, result: dict[str, Any], version: str, info: Any
) -> ServerInfo:
    capabilities = _field(server, method, result, "capabilities", dict, {})
    if info is not None and not isinstance(info, dict):
        raise ProtocolError(
            f"server {server!r} answered {method} with 'serverInfo' that is "
            f"{json_kind(info)}, not an object"
        )
    info = info or {}
    return ServerInfo(
        name=_label(server, method, info, "name"),
        version=_label(server, method, info, "version"),
        protocol_version=version,
        capabilities=dict(capabilities),
        instructions=_field(server, method, result, "instructions", str, None),
    )


def _field(
    server: str, method: str, result: dict[str, Any], key: str, kind: type, default: Any
) -> Any:
    """``result[key]`` when absent or of ``kind``; anything else fails the start."""
    value = result.get(key)
    if value is None:
        return default
    if not isinstance(value, kind):
        wanted = "an object" if kind is dict else "a string"
        # only a string is quoted: the repr of a deep value may be huge or fail to recurse
        shown = f" ({value[:60]!r})" if isinstance(value, str) else ""
        raise ProtocolError(
            f"server {server!r} answered {method} with {key!r} that is {json_kind(value)}"
            f"{shown}, not {wanted}"
        )
    return value


def _label(server: str, method: str, info: dict[str, Any], key: str) -> str:
    """serverInfo's name or version: a string (a number is taken as its text)."""
    value = info.get(key, "")
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    raise ProtocolError(
        f"server {server!r} answered {method} with serverInfo.{key} that is "
        f"{json_kind(value)}, not a string"
    )
