"""An MCP server (the `mcp` SDK) with one tool, ``lookup_code``, that records every call.

Each call's arguments are appended as a JSON line to the file named by $CODES_LOG, so a test
asserts on what reached the server, never on what a model wrote around it.
"""

from __future__ import annotations

import hashlib
import json
import os
import warnings
from typing import Annotated

from mcp.server.mcpserver import MCPServer
from pydantic import Field

warnings.filterwarnings("ignore")

server = MCPServer("codes", version="1.0.0")


@server.tool()
def lookup_code(word: Annotated[str, Field(max_length=32)]) -> str:
    """Look up the secret code for a word."""
    with open(os.environ["CODES_LOG"], "a", encoding="utf-8") as log:
        log.write(json.dumps({"word": word}) + "\n")
    return f"The secret code for {word!r} is {hashlib.sha256(word.encode()).hexdigest()[:6]}."


if __name__ == "__main__":
    server.run("stdio")
