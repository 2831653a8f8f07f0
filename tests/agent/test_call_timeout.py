"""``agent call --timeout``: a hard bound on the call, which progress does not extend."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path


def test_call_timeout_is_a_hard_bound_that_progress_notifications_do_not_stretch(
    tmp_path: Path,
):
    config = tmp_path / "agent.yaml"
    python = json.dumps(sys.executable)
    config.write_text(f"servers:\n  box: {{command: {python}, args: [-m, agent, toolbox]}}\n")
    # 200 steps of 0.2 s, each with a progress notification: 40 s unless cut.
    arguments = json.dumps({"n": 200, "delay": 0.2})
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "agent", "call", "--config", str(config), "box__count_slowly",
         "--args", arguments, "--timeout", "2"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    took = time.monotonic() - started
    assert done.returncode == 4, done.stderr
    assert "did not finish within --timeout 2s" in done.stderr
    assert "progress: 1/200" in done.stderr  # progress was flowing all along
    # Progress used to push the deadline back tenfold (20 s); start-up costs a few seconds.
    assert took < 15, f"{took:.1f}s"


def test_call_timeout_help_says_it_is_a_hard_bound():
    command = [sys.executable, "-m", "agent", "call", "--help"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert "a hard bound: progress does not extend it" in " ".join(done.stdout.split())
