"""Benchmark: a long streamed answer in ``agent chat``, on a real pseudo-terminal.

Run: python bench/tui_stream.py [--lines 200] [--seconds 10] [--runs 1]

The real command (``python -m agent chat``, the toolbox server, an OpenAI model) talks to
the scripted fake OpenAI endpoint of tests/modelfakes, paced so that it sends a Markdown
answer of ``--lines`` lines (paragraphs, lists, a code block, a table) in small deltas over
``--seconds``. The script types a message, then while the answer streams it types one
character every 150 ms and times how long each takes to show on the terminal. It prints:
- lag: from the endpoint's last chunk to the end of the turn, when the whole answer has
  been rendered and the session is saved (target < 0.5 s);
- CPU: the chat process's CPU seconds while the answer streamed, as a share of the time;
- keys: median and worst keystroke echo while streaming, when the worst came and how many
  took over 150 ms (targets: median < 50 ms, worst < 150 ms);
- memory: the process's peak resident size.
"""

from __future__ import annotations

import argparse
import asyncio
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
from collections.abc import AsyncIterator, Iterable
from pathlib import Path

from starlette.responses import StreamingResponse

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.modelfakes.openai_fake import FakeOpenAI  # noqa: E402
from tests.modelfakes.script import Reply  # noqa: E402

KEY = "¤"  # typed while streaming; never in the answer, so its echo is unambiguous
TIMEOUT = 90.0
TICKS = os.sysconf("SC_CLK_TCK")
SLOW_KEY = 0.15  # seconds: an echo slower than this is felt


class PacedOpenAI(FakeOpenAI):
    """The fake OpenAI endpoint, sending its stream over ``seconds`` like a real model."""

    def __init__(self, seconds: float) -> None:
        super().__init__()
        self.seconds = seconds
        self.sent_last: float | None = None  # time.monotonic() of the last chunk

    def stream(self, lines: Iterable[str], media_type: str) -> StreamingResponse:  # type: ignore[override]
        chunks = list(lines)
        pause = self.seconds / max(len(chunks), 1)

        async def body() -> AsyncIterator[bytes]:
            for line in chunks:
                yield line.encode()
                await asyncio.sleep(pause)
            self.sent_last = time.monotonic()

        return StreamingResponse(body(), media_type=media_type)


def answer(lines: int) -> str:
    """A Markdown answer of about ``lines`` lines, in the shapes models write."""
    out: list[str] = []
    section = 0
    while len(out) < lines - 1:
        section += 1
        out += [f"## Part {section}", ""]
        out += [f"Paragraph {section} explains **one** thing with `code` and a bit more text "
                "so that the line is as long as a model's." for _ in range(3)]  # fmt: skip
        out += [""] + [f"- point {n} of part {section}, with *emphasis*" for n in range(5)]
        out += ["", "```python"] + [f"def f{n}(x):  return x * {n}" for n in range(8)] + ["```"]
        out += ["", "| name | value |", "|---|---:|"] + [f"| row {n} | {n * 7} |" for n in range(4)]
        out += [""]
    return "\n".join([*out[: lines - 1], "The end."])


def write_config(directory: Path, url: str) -> Path:
    config = directory / "agent.yaml"
    python = json.dumps(sys.executable)
    config.write_text(
        "model: openai:gpt-bench\n"
        f"providers:\n  openai: {{api_key: sk-bench, base_url: {json.dumps(url)}}}\n"
        f"servers:\n  box: {{command: {python}, args: [-m, agent, toolbox]}}\n"
    )
    return config


class Terminal:
    """The master side of the chat's pseudo-terminal: everything it drew so far."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.seen = b""

    def read(self, timeout: float) -> bytes:
        ready, _, _ = select.select([self.fd], [], [], max(timeout, 0))
        if not ready:
            return b""
        try:
            data = os.read(self.fd, 1 << 16)
        except OSError:
            return b""
        self.seen += data
        return data

    def until(self, marker: bytes, deadline: float, start: int = 0) -> None:
        while marker not in self.seen[start:]:
            if time.monotonic() > deadline:
                raise TimeoutError(f"no {marker!r} on the terminal; got {self.seen[-300:]!r}")
            self.read(deadline - time.monotonic())


def cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def peak_memory_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def one_run(lines: int, seconds: float) -> dict[str, float]:
    with PacedOpenAI(seconds) as fake, tempfile.TemporaryDirectory() as scratch:
        fake.script(Reply(text=answer(lines), chunks=max(lines * 15, 3)))
        config = write_config(Path(scratch), fake.url)
        master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 36, 120, 0, 0))
        env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
        env.update(TERM="xterm-256color", XDG_DATA_HOME=scratch)
        process = subprocess.Popen(
            [sys.executable, "-m", "agent", "chat", "--config", str(config)],
            stdin=slave, stdout=slave, stderr=slave, cwd=ROOT, env=env,
            start_new_session=True,
        )  # fmt: skip
        os.close(slave)
        term = Terminal(master)
        try:
            term.until(b"enter sends", time.monotonic() + TIMEOUT)
            term.until(b"box", time.monotonic() + TIMEOUT)  # the fleet is up
            os.write(master, b"go\r")
            while not fake.requests:
                term.read(0.05)
            began, cpu_began = time.monotonic(), cpu_seconds(process.pid)
            echoes: list[float] = []
            typed_at: list[float] = []  # seconds into the stream
            while fake.sent_last is None:  # type while the endpoint streams
                mark = len(term.seen)
                os.write(master, KEY.encode())
                typed = time.monotonic()
                term.until(KEY.encode(), typed + TIMEOUT, start=mark)
                echoes.append(time.monotonic() - typed)
                typed_at.append(typed - began)
                pause_until = time.monotonic() + 0.15
                while time.monotonic() < pause_until:
                    term.read(pause_until - time.monotonic())
            saved = Path(scratch) / "agent" / "sessions"
            deadline = time.monotonic() + TIMEOUT
            while not any(saved.glob("*.jsonl")):  # written once the answer is on screen
                if time.monotonic() > deadline:
                    raise TimeoutError("the turn did not end")
                term.read(0.01)
            shown = time.monotonic()
            cpu = cpu_seconds(process.pid) - cpu_began
            memory = peak_memory_mb(process.pid)
            os.write(master, b"\x11")  # ctrl+q
            deadline = time.monotonic() + 20
            while process.poll() is None and time.monotonic() < deadline:
                term.read(0.1)
        finally:
            if process.poll() is None:
                process.kill()
            process.wait()
            os.close(master)
        return {
            "stream": fake.sent_last - began,
            "lag": shown - fake.sent_last,
            "cpu": cpu / (shown - began),
            "key_median": statistics.median(echoes) if echoes else float("nan"),
            "key_worst": max(echoes, default=float("nan")),
            "keys": len(echoes),
            "key_worst_at": typed_at[echoes.index(max(echoes))] if echoes else float("nan"),
            "keys_slow": sum(echo > SLOW_KEY for echo in echoes),
            "memory": memory,
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--runs", type=int, default=1)
    options = parser.parse_args()
    for _ in range(options.runs):
        r = one_run(options.lines, options.seconds)
        print(
            f"{options.lines}-line answer sent in {r['stream']:.1f} s: on screen "
            f"{r['lag']:.2f} s after the last chunk (target < 0.5 s); "
            f"CPU {r['cpu'] * 100:.0f}% of a core; "
            f"keys typed while streaming ({r['keys']:.0f}): median "
            f"{r['key_median'] * 1000:.0f} ms, worst {r['key_worst'] * 1000:.0f} ms "
            f"at {r['key_worst_at']:.1f} s, {r['keys_slow']:.0f} over {SLOW_KEY * 1000:.0f} ms "
            f"(targets: median < 50 ms, worst < 150 ms); peak memory {r['memory']:.0f} MB"
        )


if __name__ == "__main__":
    main()
