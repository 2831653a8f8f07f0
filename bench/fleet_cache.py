"""Benchmark: time to the first model request with a warm catalog cache vs. waiting for
every server (today's cold start), on the four npm reference servers.

Run: python bench/fleet_cache.py [--rounds 5]

Each round is a fresh process (the SDK import is part of what is measured) that does what
``agent run`` does: load the config, import the provider SDK in a thread while the fleet
starts, then send the first request to a local fake OpenAI server, which records when it
arrives. Target: with a warm cache the first request leaves within 300 ms of the SDK import.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

BIN = ROOT / "tests" / "npm" / "node_modules" / ".bin"
TARGET_MS = 300


def write_config(directory: Path, url: str) -> Path:
    servers = {
        "everything": {"command": str(BIN / "mcp-server-everything"), "args": ["stdio"]},
        "filesystem": {"command": str(BIN / "mcp-server-filesystem"), "args": [str(directory)]},
        "memory": {
            "command": str(BIN / "mcp-server-memory"),
            "env": {"MEMORY_FILE_PATH": str(directory / "memory.jsonl")},
        },
        "thinking": {"command": str(BIN / "mcp-server-sequential-thinking")},
    }
    config = {
        "model": "openai:gpt-fake",
        "providers": {"openai": {"api_key": "sk-bench", "base_url": url}},
        "servers": servers,
    }
    path = directory / "agent.yaml"
    path.write_text(json.dumps(config))  # JSON is YAML
    return path


async def child(config_path: str, wait: bool) -> None:
    """One measured run in this process; prints its timings (wall clock) as JSON."""
    began = time.time()
    from agent.commands.fleet import running_fleet
    from bridge.loop import LoopSettings, run
    from config import load
    from providers.settings import create_from_config, preload
    from providers.types import UserMessage

    config = load(config_path)
    spec = "openai:gpt-fake"
    imported: list[float] = []

    def import_sdk() -> None:
        preload(spec)
        imported.append(time.time())

    sdk = asyncio.create_task(asyncio.to_thread(import_sdk))
    async with running_fleet(config, wait_for_cached=wait) as toolset:
        fleet_ready = time.time()
        await sdk
        provider = create_from_config(config, spec)
        tools = len(toolset.catalog)
        async for _event in run(provider, toolset, [UserMessage("hi")], LoopSettings()):
            pass
        await provider.aclose()
    print(json.dumps({"began": began, "sdk": imported[0], "fleet": fleet_ready, "tools": tools}))


def one_round(config: Path, cache: Path, wait: bool, fake: object) -> dict[str, float]:
    env = {**os.environ, "XDG_CACHE_HOME": str(cache)}
    before = len(fake.requests)  # type: ignore[attr-defined]
    args = [sys.executable, __file__, "--child", str(config)] + (["--wait"] if wait else [])
    done = subprocess.run(args, capture_output=True, text=True, env=env, timeout=120)
    if done.returncode != 0:
        raise SystemExit(f"the measured run failed:\n{done.stderr}")
    timings = json.loads(done.stdout.splitlines()[-1])
    request = fake.requests[before]  # type: ignore[attr-defined]
    timings["request"] = request.at
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--child", metavar="CONFIG", help=argparse.SUPPRESS)
    parser.add_argument("--wait", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.child:
        asyncio.run(child(options.child, options.wait))
        return
    if not (BIN / "mcp-server-everything").exists():
        raise SystemExit("the npm servers are missing: npm ci --prefix tests/npm")
    from tests.modelfakes.openai_fake import FakeOpenAI
    from tests.modelfakes.script import Reply

    results: dict[str, list[dict[str, float]]] = {"cold": [], "warm": []}
    with tempfile.TemporaryDirectory() as scratch, FakeOpenAI() as fake:
        directory = Path(scratch)
        config = write_config(directory, fake.url)
        warm_cache = directory / "warm-cache"
        fake.script(*[Reply(text="ok") for _ in range(2 * options.rounds + 1)])
        one_round(config, warm_cache, True, fake)  # fills the warm cache
        for n in range(options.rounds):
            # today: no cache, so every server is waited for
            results["cold"].append(one_round(config, directory / f"cold-{n}", True, fake))
            results["warm"].append(one_round(config, warm_cache, False, fake))
    print(f"medians over {options.rounds} rounds, four npm reference servers:")
    for mode, label in (("cold", "no cache (waits for the slowest)"), ("warm", "warm cache")):
        rows = results[mode]
        start = statistics.median((r["request"] - r["began"]) * 1000 for r in rows)
        after_sdk = statistics.median((r["request"] - r["sdk"]) * 1000 for r in rows)
        fleet = statistics.median((r["fleet"] - r["began"]) * 1000 for r in rows)
        tools = int(rows[0]["tools"])
        print(
            f"  {label:34} first request {start:6.0f} ms after start, "
            f"{after_sdk:6.0f} ms after the SDK import; fleet ready {fleet:6.0f} ms; "
            f"{tools} tools"
        )
    warm_after = statistics.median((r["request"] - r["sdk"]) * 1000 for r in results["warm"])
    verdict = "met" if warm_after <= TARGET_MS else "missed"
    print(f"  target: warm first request within {TARGET_MS} ms of the SDK import: {verdict}")


if __name__ == "__main__":
    main()
