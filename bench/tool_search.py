"""Benchmark: tool search on a fleet of 1,200 tools (a generated MCP server over stdio).

Prints the tokens of tool definitions sent per turn with and without tool search (the
characters/4 estimate of ``bridge.budget``, OpenAI dialect), the time of one search, and
how often a scripted model that searches, then calls the first tool found, reaches the
tool each task needs. Targets: with search, under 5% of the tokens sent without it; the
right tool first for at least 90% of the tasks. Run: python bench/tool_search.py
"""

from __future__ import annotations

import asyncio
import json
import re
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bridge.budget import estimate_tokens  # noqa: E402
from bridge.builtin_tools import SEARCH_TOOLS, HostToolset  # noqa: E402
from bridge.fleet import Fleet  # noqa: E402
from bridge.loop import LoopSettings, run  # noqa: E402
from bridge.toolset import FleetToolset  # noqa: E402
from config.schema import AgentConfig, ServerConfig  # noqa: E402
from providers.types import (  # noqa: E402
    AssistantMessage,
    Capabilities,
    ChatRequest,
    Finish,
    StreamEvent,
    ToolCall,
    ToolResultMessage,
    Usage,
    UserMessage,
)

DOMAINS = (
    "billing crm calendar mail storage git tickets wiki chat analytics inventory shipping "
    "payroll hiring weather maps translate search photos music video notes tasks contacts "
    "docs sheets slides forms backups monitoring dns"
).split()
ACTIONS = {
    "create": "Create a new",
    "get": "Fetch one",
    "list": "List every",
    "update": "Change fields of a",
    "delete": "Remove a",
    "archive": "Archive an old",
    "export": "Export as CSV each",
    "share": "Share with a colleague a",
}
OBJECTS = ("record", "report", "item", "entry", "folder")

SERVER = """
import json, sys
tools = json.loads(open(sys.argv[1]).read())
for line in sys.stdin:
    msg = json.loads(line)
    if "id" not in msg:
        continue
    method, rid = msg.get("method"), msg["id"]
    if method == "initialize":
        result = {"protocolVersion": msg["params"]["protocolVersion"],
                  "capabilities": {"tools": {}}, "serverInfo": {"name": "big", "version": "1"}}
    elif method == "tools/list":
        result = {"tools": tools}
    elif method == "tools/call":
        result = {"content": [{"type": "text", "text": "ran " + msg["params"]["name"]}]}
    elif method == "ping":
        result = {}
    else:
        reply = {"jsonrpc": "2.0", "id": rid, "error": {"code": -32601, "message": "no"}}
        print(json.dumps(reply), flush=True)
        continue
    print(json.dumps({"jsonrpc": "2.0", "id": rid, "result": result}), flush=True)
"""


def generated_tools() -> list[dict[str, object]]:
    tools = []
    for domain in DOMAINS:
        for action, verb in ACTIONS.items():
            for obj in OBJECTS:
                tools.append(
                    {
                        "name": f"{domain}_{action}_{obj}",
                        "description": f"{verb} {obj} in {domain}. Needs the {obj} id; "
                        "returns JSON with the fields the service keeps.",
                        "inputSchema": {
                            "type": "object",
                            "properties": {
                                f"{obj}_id": {"type": "string", "description": f"the {obj}"},
                                "workspace": {"type": "string"},
                                "limit": {"type": "integer", "minimum": 1},
                            },
                            "required": [f"{obj}_id"],
                        },
                    }
                )
    return tools


TASKS = [  # (what the model searches for, the tool the task needs): 40 spread over the fleet
    (f"{verb.lower()} {obj} {domain}", f"big__{domain}_{action}_{obj}")
    for n, (domain, (action, verb), obj) in enumerate(
        (d, a, o) for d in DOMAINS for a in ACTIONS.items() for o in OBJECTS
    )
    if n % 31 == 0
]


class SearchingModel:
    """A scripted model: search with the task's words, call the first tool listed, answer."""

    name, model = "scripted", "searcher"
    capabilities = Capabilities(dialect="openai")

    def __init__(self, query: str) -> None:
        self.query = query
        self.requests: list[ChatRequest] = []
        self.called: str | None = None

    async def stream(self, request: ChatRequest) -> AsyncIterator[StreamEvent]:
        self.requests.append(request)
        last = request.messages[-1]
        calls: tuple[ToolCall, ...] = ()
        if len(self.requests) == 1:
            calls = (ToolCall("s", SEARCH_TOOLS, {"query": self.query}),)
        elif isinstance(last, ToolResultMessage) and last.tool_name == SEARCH_TOOLS:
            found = re.search(r"^- ([\w-]+)", last.content[0].text, re.M)  # type: ignore[union-attr]
            if found:
                self.called = found.group(1)
                calls = (ToolCall("c", self.called, {f"{self.called.rsplit('_', 1)[1]}_id": "1"}),)
        yield Finish("tool_calls" if calls else "stop", Usage(), AssistantMessage("", calls))

    async def aclose(self) -> None:
        pass


async def main() -> None:
    tools = generated_tools()
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "big_server.py"
        script.write_text(SERVER)
        listing = Path(tmp) / "tools.json"
        listing.write_text(json.dumps(tools))
        config = ServerConfig(command=sys.executable, args=(str(script), str(listing)))
        async with Fleet({"big": config}) as fleet:
            fleet_tools = FleetToolset(fleet, {"big": config})
            print(f"{len(fleet_tools)} tools on one generated stdio server")
            if not fleet_tools:
                sys.exit(f"the generated server did not start: {fleet.status()[0].last_error}")
            every = HostToolset(fleet_tools, AgentConfig())
            without = estimate_tokens(every.specs("openai"), "openai")
            agent = AgentConfig.model_validate({"tool_search": {"threshold": 100, "results": 5}})
            began = time.perf_counter()
            index = HostToolset(fleet_tools, agent)._tool_index()
            built = time.perf_counter() - began
            searches = []
            for query, _ in TASKS:
                began = time.perf_counter()
                index.search(query, 5)
                searches.append(time.perf_counter() - began)
            hits, sent = 0, []
            for query, wanted in TASKS:
                searching = HostToolset(fleet_tools, agent)
                model = SearchingModel(query)
                messages = [UserMessage(query)]
                async for _ in run(model, searching, messages, LoopSettings(max_turns=4)):
                    pass
                hits += model.called == wanted
                sent += [estimate_tokens(r.tools, "openai") for r in model.requests]
    with_search = statistics.mean(sent)
    share = with_search / without
    print(f"tokens of tool definitions per turn: {without:,} without search")
    print(f"  with search: {with_search:,.0f} on average over {len(sent)} turns "
          f"({share:.1%}; target < 5%)")  # fmt: skip
    print(f"index of {len(index)} tools built in {built * 1000:.1f} ms; one search: median "
          f"{statistics.median(searches) * 1000:.2f} ms")  # fmt: skip
    print(f"right tool first: {hits}/{len(TASKS)} tasks (target >= 90%)")


if __name__ == "__main__":
    asyncio.run(main())
