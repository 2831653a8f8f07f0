"""The reaper and the stdio transport's close: a ``setsid`` grandchild does not survive."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

from bridge.mcp import StdioTransport, reaper

HOSTILE = Path(__file__).parents[2] / "faults" / "hostile_server.py"


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_descendants_finds_children_and_grandchildren_and_kill_all_ends_stubborn_ones():
    # A child that starts a grandchild ignoring SIGTERM in a session of its own.
    code = (
        "import signal, subprocess, sys\n"
        "ignore = lambda: signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
        "g = subprocess.Popen([sys.executable, '-c', 'import signal\\nwhile 1: signal.pause()'],"
        " start_new_session=True, preexec_fn=ignore)\n"
        "print(g.pid, flush=True)\n"
        "signal.pause()\n"
    )
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None
        grandchild = int(child.stdout.readline())
        found = reaper.descendants(os.getpid())
        pids = [pid for pid, _ in found]
        assert child.pid in pids and grandchild in pids
        assert pids.index(child.pid) < pids.index(grandchild)  # parents first
        mine = [p for p in found if p[0] in (child.pid, grandchild)]
        reaper.kill_all(mine, grace=0.5)
        child.wait(timeout=30)
        assert not alive(grandchild)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(timeout=30)
        assert child.stdout is not None
        child.stdout.close()


def test_a_pid_reused_by_another_process_is_not_killed():
    child = subprocess.Popen([sys.executable, "-c", "import signal; signal.pause()"])
    try:
        (process,) = [p for p in reaper.descendants(os.getpid()) if p[0] == child.pid]
        reaper.kill_now([(process[0], process[1] + 1)])  # same pid, another start time
        assert child.poll() is None
        reaper.kill_now([process])
        assert child.wait(timeout=30) == -signal.SIGKILL
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(timeout=30)


async def test_closing_a_stdio_transport_ends_its_servers_setsid_grandchild(tmp_path):
    os.mkfifo(tmp_path / "events")
    reader = os.open(tmp_path / "events", os.O_RDONLY | os.O_NONBLOCK)
    keeper = os.open(tmp_path / "events", os.O_WRONLY)
    transport = StdioTransport(sys.executable, [str(HOSTILE), str(tmp_path)], close_grace=0.5)
    try:
        await transport.start()
        loop = asyncio.get_running_loop()
        ready = asyncio.Event()
        loop.add_reader(reader, ready.set)
        async with asyncio.timeout(30):
            await ready.wait()  # the server said "up": its grandchild runs
        loop.remove_reader(reader)
        grandchild = int((tmp_path / "grandchild.pid").read_text())
        assert alive(grandchild)
        async with asyncio.timeout(30):
            await transport.close()
        assert not alive(int((tmp_path / "server.pid").read_text()))
        assert not alive(grandchild)
    finally:
        os.close(reader)
        os.close(keeper)
        for name in ("server.pid", "grandchild.pid"):
            try:
                os.kill(int((tmp_path / name).read_text()), signal.SIGKILL)
            except (OSError, ValueError):
                pass
