"""Benchmark: start-up. ``agent --help`` against a bare Python, and how soon ``agent run``
sends its first model request compared with importing the provider's SDK alone.

Targets: ``agent --help`` under 150 ms more than ``python -c pass``; the first request
within 250 ms of the SDK import alone (the fleet starts while the SDK imports).
Run: python bench/startup.py [--runs 10]  (needs the test extra: it uses the fake server)
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.modelfakes.openai_fake import FakeOpenAI  # noqa: E402
from tests.modelfakes.script import Reply  # noqa: E402


def wall(argv: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        subprocess.run(argv, check=True, capture_output=True)
        times.append(time.perf_counter() - began)
    return statistics.median(times)


def first_request(runs: int) -> float:
    """Median seconds from spawning ``agent run`` to the fake model receiving its request."""
    delays = []
    with FakeOpenAI() as fake, tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "agent.yaml"
        config.write_text(
            "model: openai:gpt-fake\n"
            f"providers:\n  openai: {{api_key: sk-bench, base_url: {json.dumps(fake.url)}}}\n"
        )
        for _ in range(runs):
            fake.script(Reply(text="ok"))
            seen = len(fake.requests)
            began = time.time()
            subprocess.run(
                [sys.executable, "-m", "agent", "run", "--config", str(config), "hi"],
                check=True,
                capture_output=True,
                stdin=subprocess.DEVNULL,
            )
            delays.append(fake.requests[seen].at - began)
    return statistics.median(delays)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    runs = parser.parse_args().runs
    bare = wall([sys.executable, "-c", "pass"], runs)
    help_ = wall([sys.executable, "-m", "agent", "--help"], runs)
    print(f"python -c pass:        {bare * 1000:6.0f} ms")
    extra = (help_ - bare) * 1000
    print(f"agent --help:          {help_ * 1000:6.0f} ms  (+{extra:.0f} ms; target +150)")
    sdk = wall([sys.executable, "-c", "import openai"], runs)
    request = first_request(runs)
    print(f"python -c import openai: {sdk * 1000:4.0f} ms")
    print(
        f"agent run, first request: {request * 1000:4.0f} ms after spawn "
        f"(+{(request - sdk) * 1000:.0f} ms over the import alone; target +250)"
    )


if __name__ == "__main__":
    main()
