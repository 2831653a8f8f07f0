"""The conformance client: the official MCP harness runs it against its scenario servers.

Contract: the server URL is the last argument, the scenario is in MCP_CONFORMANCE_SCENARIO
(and MCP_CONFORMANCE_CONTEXT for some auth scenarios). It drives our bridge, nothing else:
connect over Streamable HTTP, do the scenario's work, exit 0.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bridge.mcp import ClientSession
from bridge.mcp.http import StreamableHTTPTransport

SAMPLES: dict[str, Any] = {
    "string": "test",
    "number": 1,
    "integer": 1,
    "boolean": True,
    "array": [],
    "object": {},
}


def sample_arguments(schema: dict[str, Any]) -> dict[str, Any]:
    """Arguments that satisfy a simple schema: a sample for each required property."""
    properties = schema.get("properties") or {}
    arguments = {}
    for name in schema.get("required") or []:
        prop = properties.get(name) or {}
        if "default" in prop:
            arguments[name] = prop["default"]
        elif prop.get("enum"):
            arguments[name] = prop["enum"][0]
        else:
            arguments[name] = SAMPLES.get(str(prop.get("type")), "test")
    return arguments


async def accept_with_defaults(params: dict[str, Any]) -> dict[str, Any]:
    """Accept an elicitation, filling every field that has a default (SEP-1034)."""
    schema = params.get("requestedSchema") or {}
    content = {
        name: prop["default"]
        for name, prop in (schema.get("properties") or {}).items()
        if isinstance(prop, dict) and "default" in prop
    }
    return {"action": "accept", "content": content}


async def run(url: str, scenario: str) -> None:
    transport = StreamableHTTPTransport(url, name=scenario)
    session = ClientSession(
        transport,
        name=scenario,
        client_name="mcp-agent-host-conformance",
        elicitation=accept_with_defaults,
    )
    await session.open(timeout=30)
    try:
        tools = await session.list_tools()
        if scenario != "initialize":
            for tool in tools:
                result = await session.call_tool(
                    tool.name, sample_arguments(tool.input_schema), timeout=30
                )
                logging.info("%s -> %s", tool.name, result.text[:200])
    finally:
        await session.aclose()


def main() -> None:
    logging.basicConfig(level=logging.INFO, stream=sys.stderr)
    scenario = os.environ.get("MCP_CONFORMANCE_SCENARIO", "")
    asyncio.run(run(sys.argv[-1], scenario))


if __name__ == "__main__":
    main()
