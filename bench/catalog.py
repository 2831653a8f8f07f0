"""Benchmark: a catalog of 5,000 tools built and converted for each dialect (target 50 ms).

The tools are the captured tools/list of the four npm reference servers, repeated over
many servers so that names collide only as real fleets do. Run: python bench/catalog.py
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bridge.catalog import Catalog  # noqa: E402
from bridge.mcp import Tool  # noqa: E402
from bridge.schema import DIALECTS, StrictSchemaError, convert  # noqa: E402
from config.schema import ServerConfig  # noqa: E402

CORPUS = sorted((ROOT / "tests/data/schemas").glob("npm-*.json"))


def fleet_tools(total: int) -> dict[str, list[Tool]]:
    listed = [Tool.from_wire(t) for path in CORPUS for t in json.loads(path.read_text())]
    servers: dict[str, list[Tool]] = {}
    index = 0
    while sum(len(tools) for tools in servers.values()) < total:
        servers[f"server{index}"] = listed[: total - sum(len(t) for t in servers.values())]
        index += 1
    return servers


def measure(tools: dict[str, list[Tool]], dialect: str) -> float:
    configs = {name: ServerConfig(command="x") for name in tools}
    began = time.perf_counter()
    catalog = Catalog.build(tools, configs)
    for entry in catalog:
        try:
            convert(entry.tool.input_schema, dialect)
        except StrictSchemaError:
            convert(entry.tool.input_schema, "openai")
    return time.perf_counter() - began


def main() -> None:
    tools = fleet_tools(5000)
    count = sum(len(t) for t in tools.values())
    print(f"{count} tools on {len(tools)} servers; median of 5 runs, build + convert:")
    for dialect in DIALECTS:
        runs = [measure(tools, dialect) for _ in range(5)]
        print(f"  {dialect:<14}{statistics.median(runs) * 1000:8.1f} ms (target < 50)")


if __name__ == "__main__":
    main()
