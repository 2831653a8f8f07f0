"""Our own MCP client: a JSON-RPC engine, transports, and the session on top."""

from bridge.mcp.jsonrpc import Connection
from bridge.mcp.session import (
    LATEST_PROTOCOL_VERSION,
    MODERN_PROTOCOL_VERSION,
    SUPPORTED_PROTOCOL_VERSIONS,
    ClientSession,
)
from bridge.mcp.stdio import StdioTransport
from bridge.mcp.transport import Transport
from bridge.mcp.types import CallResult, Progress, ProgressCallback, ServerInfo, Tool

__all__ = [
    "LATEST_PROTOCOL_VERSION",
    "MODERN_PROTOCOL_VERSION",
    "SUPPORTED_PROTOCOL_VERSIONS",
    "CallResult",
    "ClientSession",
    "Connection",
    "Progress",
    "ProgressCallback",
    "ServerInfo",
    "StdioTransport",
    "Tool",
    "Transport",
]
