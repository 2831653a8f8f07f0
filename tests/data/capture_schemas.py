"""Capture the real ``tools/list`` of the npm reference servers into ``tests/data/schemas/``.

Run once by hand (``python tests/data/capture_schemas.py``) after ``npm ci --prefix tests/npm``;
the JSON files it writes are committed and feed the schema conversion tests.
"""

from __future__ import annotations

import asyncio
import json
import tempfile
from pathlib import Path
from typing import Any

from mcp import Client
from mcp.client.stdio import StdioServerParameters

HERE = Path(__file__).parent
BIN = HERE.parent / "npm" / "node_modules" / ".bin"
OUT = HERE / "schemas"


def servers(scratch: str) -> dict[str, StdioServerParameters]:
    """The servers to capture, keyed by the short name used in the output file."""
    return {
        "everything": StdioServerParameters(
            command=str(BIN / "mcp-server-everything"), args=["stdio"]
        ),
        "filesystem": StdioServerParameters(
            command=str(BIN / "mcp-server-filesystem"), args=[scratch]
        ),
        "memory": StdioServerParameters(
            command=str(BIN / "mcp-server-memory"),
            env={"MEMORY_FILE_PATH": str(Path(scratch) / "memory.jsonl")},
        ),
        "sequential-thinking": StdioServerParameters(
            command=str(BIN / "mcp-server-sequential-thinking")
        ),
    }


async def list_tools(params: StdioServerParameters) -> list[dict[str, Any]]:
    """Every tool of one server (all pages), as plain JSON objects."""
    tools: list[dict[str, Any]] = []
    async with Client(params, mode="legacy") as client:
        cursor: str | None = None
        while True:
            page = await asyncio.wait_for(client.list_tools(cursor=cursor), 30)
            for tool in page.tools:
                raw = tool.model_dump(mode="json", by_alias=True, exclude_none=True)
                tools.append(
                    {
                        "name": raw["name"],
                        "description": raw.get("description"),
                        "inputSchema": raw["inputSchema"],
                        "outputSchema": raw.get("outputSchema"),
                    }
                )
            cursor = page.next_cursor
            if not cursor:
                return tools


async def main() -> None:
    with tempfile.TemporaryDirectory() as scratch:
        for name, params in servers(scratch).items():
            tools = await list_tools(params)
            path = OUT / f"npm-{name}.json"
            path.write_text(json.dumps(tools, indent=2, ensure_ascii=False) + "\n")
            print(f"{path.relative_to(HERE.parent.parent)}: {len(tools)} tools")


if __name__ == "__main__":
    asyncio.run(main())
