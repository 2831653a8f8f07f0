"""Bridge: the MCP client, the fleet, the tool catalog, schema dialects and the loop."""

from bridge.errors import BridgeError, MCPError

__all__ = ["BridgeError", "MCPError"]
