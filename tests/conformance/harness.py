"""Running the conformance suites' server scenarios: where the harness lives, one run of a
leg (many scenarios, one node process) read back per scenario, and servers that say where
they listen."""

from __future__ import annotations

import json
import os
import queue
import re
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).parent
BIN = HERE / "node_modules" / ".bin"
SUITES = {
    "0.1.16": HERE / "node_modules" / "@modelcontextprotocol" / "conformance" / "dist" / "index.js",
    "0.2.0-alpha.12": HERE / "node_modules" / "conformance-next" / "dist" / "index.js",
}

# The harness names each scenario's directory server-<scenario>-<ISO timestamp>.
_RESULT_DIR = re.compile(r"^server-(?P<scenario>.+)-\d{4}-\d\d-\d\dT[\d-]+Z$")


def node_or_skip() -> Path:
    """The node 22 installed beside the suites; skip (fail under AGENT_REQUIRE_NPM) without it."""
    node = BIN / "node"
    if not node.exists() or not all(entry.exists() for entry in SUITES.values()):
        reason = "the conformance suites are not installed: run `npm ci --prefix tests/conformance`"
        if os.environ.get("AGENT_REQUIRE_NPM"):
            pytest.fail(reason)
        pytest.skip(reason)
    return node


@dataclass
class LegRun:
    """What one run of the harness wrote: each scenario's checks, and its own output."""

    checks: dict[str, list[dict[str, Any]]]
    output: str

    def failures(self, scenario: str) -> list[str]:
        """The failed checks of one scenario as ``id: message`` lines (or why there are none)."""
        if scenario not in self.checks:
            return [f"the harness wrote no results for {scenario}:\n{self.output[-3000:]}"]
        return [
            f"{check['id']}: {check.get('errorMessage', '')}"
            for check in self.checks[scenario]
            if check.get("status") == "FAILURE"
        ]


def run_leg(node: Path, suite: str, url: str, options: tuple[str, ...], out: Path) -> LegRun:
    """Run the server scenarios a suite selects with ``options`` against ``url``, in one go."""
    command = [str(node), str(SUITES[suite]), "server", "--url", url, *options, "-o", str(out)]
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    # The harness exits 1 when any check fails; the checks it wrote say which.
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=280)
    checks: dict[str, list[dict[str, Any]]] = {}
    for directory in out.iterdir() if out.exists() else ():
        named = _RESULT_DIR.match(directory.name)
        if named and (directory / "checks.json").exists():
            checks[named["scenario"]] = json.loads((directory / "checks.json").read_text())
    return LegRun(checks, done.stdout + done.stderr)


@dataclass
class Listening:
    """A server started as a subprocess: the URL it said it listens on, and its stderr lines."""

    process: subprocess.Popen[str]
    url: str
    lines: list[str] = field(default_factory=list)


@contextmanager
def listening(argv: list[str], cwd: Path, seconds: float = 30) -> Iterator[Listening]:
    """Start ``argv``, wait (bounded) for its ``listening on URL`` line, stop it afterwards."""
    process = subprocess.Popen(
        argv, cwd=cwd, stdin=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    lines: list[str] = []
    found: queue.Queue[str | None] = queue.Queue()

    def drain() -> None:
        # Read stderr to its end so a chatty server never blocks on a full pipe.
        assert process.stderr is not None
        for line in process.stderr:
            lines.append(line)
            if (match := re.search(r"listening on (\S+)", line)) is not None:
                found.put(match.group(1))
        found.put(None)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    try:
        try:
            url = found.get(timeout=seconds)
        except queue.Empty:
            url = None
        if url is None:
            raise RuntimeError(f"{argv[1:3]} never said where it listens:\n{''.join(lines)}")
        yield Listening(process, url, lines)
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)
        reader.join(10)
        if process.stderr is not None:
            process.stderr.close()
