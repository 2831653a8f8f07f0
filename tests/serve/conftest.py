"""Fixtures for ``agent serve``: a fleet config, and the command run as a real subprocess."""

from __future__ import annotations

import asyncio
import os
import re
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

SERVERS = Path(__file__).parent.parent / "servers"
ROOT = Path(__file__).parent.parent.parent


def fleet_yaml(tmp_path: Path, extra: str = "") -> Path:
    """The toolbox (names kept: ``prefix: ""``) and the SDK server that asks mid-call."""
    path = tmp_path / "agent.yaml"
    path.write_text(
        f"""
servers:
  toolbox:
    command: {sys.executable}
    args: ["-m", "agent.toolbox"]
    prefix: ""
  input:
    command: {sys.executable}
    args: ["{SERVERS / "sdk_input_server.py"}"]
    protocol: "2025-11-25"
{extra}
"""
    )
    return path


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    return fleet_yaml(tmp_path)


def serve_command(config: Path, *options: str) -> list[str]:
    return [sys.executable, "-m", "agent", "serve", "--config", str(config), *options]


class Served:
    """A running ``agent serve --http/--ws``: its URL and the lines it logged."""

    def __init__(self, process: asyncio.subprocess.Process, url: str) -> None:
        self.process = process
        self.url = url
        self.lines: list[str] = []


async def start_served(config: Path, option: str) -> Served:
    return await start_listening(serve_command(config, option, "127.0.0.1:0"))


async def start_listening(argv: list[str]) -> Served:
    """Run ``argv`` (an ``agent`` command that serves) until it says where it listens."""
    env = {**os.environ, "AGENT_SERVE_TOKEN": "s3cret"}
    process = await asyncio.create_subprocess_exec(
        *argv,
        stdin=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
        env=env,
        cwd=ROOT,
    )
    assert process.stderr is not None
    async with asyncio.timeout(30):
        while True:
            line = (await process.stderr.readline()).decode()
            assert line, "agent serve ended before it listened"
            found = re.search(r"listening on (\S+)", line)
            if found:
                served = Served(process, found.group(1))
                break
    served.reader = asyncio.create_task(_collect(process, served.lines))  # type: ignore[attr-defined]
    return served


async def _collect(process: asyncio.subprocess.Process, lines: list[str]) -> None:
    assert process.stderr is not None
    while line := await process.stderr.readline():
        lines.append(line.decode())


async def stop_served(served: Served) -> None:
    if served.process.returncode is None:
        served.process.terminate()
        async with asyncio.timeout(15):
            await served.process.wait()
    await served.reader  # type: ignore[attr-defined]


@pytest.fixture
async def http_gateway(config_file: Path) -> AsyncIterator[Served]:
    served = await start_served(config_file, "--http")
    yield served
    await stop_served(served)


@pytest.fixture
async def ws_gateway(config_file: Path) -> AsyncIterator[Served]:
    served = await start_served(config_file, "--ws")
    yield served
    await stop_served(served)
