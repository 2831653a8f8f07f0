"""An `mcp` SDK v2 server with resources of each kind (text, an image, other binary, a
template) and a prompt, for tests of ``--attach`` and ``--prompt`` in each provider's dialect.

Run: python resource_server.py (stdio).
"""

from __future__ import annotations

import base64
import warnings

from mcp.server.mcpserver import MCPServer

warnings.filterwarnings("ignore")

# A 1x1 PNG: small enough to compare whole in a request body.
PIXEL = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)

server = MCPServer("resource-reference", version="1.0.0")


@server.resource("notes://today", name="today", mime_type="text/plain")
def today() -> str:
    return "Buy milk. Call Ada."


@server.resource("pics://pixel", name="pixel", mime_type="image/png")
def pixel() -> bytes:
    return PIXEL


@server.resource("data://archive", name="archive", mime_type="application/zip")
def archive() -> bytes:
    return b"PK\x03\x04 not really a zip"


@server.resource("notes://day/{day}", name="day", mime_type="text/plain")
def day(day: str) -> str:
    return f"Notes of {day}: nothing much."


@server.prompt(description="Review a piece of text")
def review(text: str, tone: str = "kind") -> str:
    return f"Review this in a {tone} tone: {text}"


if __name__ == "__main__":
    server.run("stdio")
