"""Benchmark: ``agent chat`` from process start to its first paint on a terminal.

Run: python bench/tui_first_paint.py [--runs 7] [--target 1.0]

Each run starts the real command (``python -m agent chat``, a config with the toolbox
server and an OpenAI model that is never called) on a pseudo-terminal of 120x36 and times
from just before the spawn until the terminal has received the whole first screen (the
message box's placeholder, drawn with the rest of the layout). Then ctrl+q quits it. The
figure includes interpreter start-up and every import; it prints the median of the runs.
"""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import pty
import select
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAINTED = b"enter sends"  # in the message box's placeholder: the layout is on screen
TIMEOUT = 20.0


def write_config(directory: Path) -> Path:
    config = directory / "agent.yaml"
    python = json.dumps(sys.executable)
    config.write_text(
        "model: openai:gpt-bench\n"
        "providers:\n  openai: {api_key: sk-bench, base_url: 'http://127.0.0.1:9/v1'}\n"
        f"servers:\n  box: {{command: {python}, args: [-m, agent, toolbox]}}\n"
    )
    return config


def read_until(fd: int, marker: bytes, deadline: float) -> bytes:
    seen = b""
    while marker not in seen:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError(f"no {marker!r} on the terminal; got {seen[-400:]!r}")
        ready, _, _ = select.select([fd], [], [], left)
        if ready:
            try:
                seen += os.read(fd, 65536)
            except OSError:  # the terminal closed
                break
    return seen


def one_run(config: Path, data: Path) -> float:
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 36, 120, 0, 0))
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    env.update(TERM="xterm-256color", XDG_DATA_HOME=str(data))
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "agent", "chat", "--config", str(config)],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    os.close(slave)
    try:
        read_until(master, PAINTED, time.monotonic() + TIMEOUT)
        painted = time.perf_counter() - started
        read_until(master, b"box", time.monotonic() + TIMEOUT)  # the fleet is up
        os.write(master, b"\x11")  # ctrl+q
        deadline = time.monotonic() + TIMEOUT
        while process.poll() is None and time.monotonic() < deadline:
            select.select([master], [], [], 0.1)
            try:
                os.read(master, 65536)  # keep the terminal drained while it exits
            except OSError:
                break
        if process.wait(timeout=TIMEOUT) != 0:
            raise RuntimeError(f"agent chat exited with {process.returncode}")
        return painted
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        os.close(master)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--target", type=float, default=1.0, help="seconds")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        directory = Path(scratch)
        config = write_config(directory)
        one_run(config, directory / "data")  # warm the file cache and .pyc files
        times = [one_run(config, directory / "data") for _ in range(options.runs)]
    median = statistics.median(times)
    print(
        f"agent chat first paint: median {median * 1000:.0f} ms over {options.runs} runs "
        f"(min {min(times) * 1000:.0f}, max {max(times) * 1000:.0f}); "
        f"target < {options.target * 1000:.0f} ms: {'met' if median < options.target else 'MISSED'}"
    )


if __name__ == "__main__":
    main()
