"""The signal fault matrix: SIGINT, SIGTERM and SIGHUP at start-up and mid-call, real CLI.

Each case runs ``agent`` as a subprocess against tests/faults/hostile_server.py (which
leaves a ``setsid`` grandchild that ignores SIGTERM) and asserts the exit code, the time
taken (far below the start-up timeout), the cancellation the server saw, the JSONL stream's
last line, and that neither the server nor its grandchild outlives the host.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.modelfakes.script import Call, Reply

HOSTILE = Path(__file__).with_name("hostile_server.py")
STARTUP_TIMEOUT = 60  # what a hang would wait out; every case must end far sooner
BOUND = 20.0  # seconds from the signal to the host's exit, generous for a loaded machine
WAIT = 60.0  # seconds for the agent to reach the phase a case interrupts
SIGNALS = [signal.SIGINT, signal.SIGTERM, signal.SIGHUP]


class Events:
    """The hostile server's words (``up``, ``call``, ``cancelled``) read from a FIFO."""

    def __init__(self, path: Path) -> None:
        os.mkfifo(path)
        self.reader = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        # Our own writer keeps the FIFO from reading as ended between the server's writes.
        self.keeper = os.open(path, os.O_WRONLY)
        self.buffer = b""

    def wait_for(self, word: str) -> None:
        deadline = time.monotonic() + WAIT
        while word.encode() + b"\n" not in self.buffer:
            left = deadline - time.monotonic()
            assert left > 0, f"the server never said {word!r} (it said {self.buffer!r})"
            readable, _, _ = select.select([self.reader], [], [], left)
            if readable:
                self.buffer += os.read(self.reader, 4096)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            os.close(self.reader)
            os.close(self.keeper)


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@contextlib.contextmanager
def hostile_fleet(
    tmp_path: Path, *, slow_start: bool, model: str = "", servers: int = 1
) -> Iterator[tuple[Path, list[Events]]]:
    """A config of hostile servers (the first one's files in tmp_path, the others' in
    tmp_path/s1, ...) and their FIFOs; whatever they leave is killed after the test."""
    dirs = [tmp_path] + [tmp_path / f"s{i}" for i in range(1, servers)]
    lines = []
    for i, directory in enumerate(dirs):
        directory.mkdir(exist_ok=True)
        args = [str(HOSTILE), str(directory)] + (["slow-start"] if slow_start else [])
        name = "hostile" if i == 0 else f"hostile{i}"
        lines.append(
            f"  {name}: {{command: {json.dumps(sys.executable)}, args: {json.dumps(args)}, "
            f"startup_timeout: {STARTUP_TIMEOUT}}}\n"
        )
    config = tmp_path / "agent.yaml"
    config.write_text(model + "servers:\n" + "".join(lines))
    # Made before the agent starts, or a server's open() would create a plain file.
    events = [Events(directory / "events") for directory in dirs]
    try:
        yield config, events
    finally:
        for each in events:
            each.close()
        for directory in dirs:
            for name in ("server.pid", "grandchild.pid"):
                with contextlib.suppress(OSError, ValueError):
                    os.kill(int((directory / name).read_text()), signal.SIGKILL)


def start_agent(*args: str) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    return subprocess.Popen(
        [sys.executable, "-m", "agent", *args],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def interrupt(
    events: list[Events], proc: subprocess.Popen[str], phase: str, sig: signal.Signals
) -> tuple[str, str, float]:
    """Wait (bounded) for ``phase`` on every server, send ``sig``; stdout, stderr, seconds
    from the signal to the exit."""
    try:
        try:
            for each in events:
                each.wait_for(phase)
        except AssertionError:
            proc.kill()
            out, err = proc.communicate(timeout=30)
            raise AssertionError(f"agent said:\n{err}\n{out}") from None
        sent = time.monotonic()
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=STARTUP_TIMEOUT + 30)
        return out, err, time.monotonic() - sent
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=30)


def assert_nothing_left(tmp_path: Path, servers: int = 1) -> None:
    dirs = [tmp_path] + [tmp_path / f"s{i}" for i in range(1, servers)]
    pids = {
        f"{directory.name}/{name}": int((directory / f"{name}.pid").read_text())
        for directory in dirs
        for name in ("server", "grandchild")
    }
    assert not [name for name, pid in pids.items() if alive(pid)], pids


def cancelled_requests(tmp_path: Path) -> list[dict]:
    record = tmp_path / "cancelled"
    return [json.loads(line) for line in record.read_text().splitlines()] if record.exists() else []


def openai_model(fake) -> str:
    return (
        "model: openai:gpt-fake\n"
        f"providers:\n  openai: {{api_key: sk-test, base_url: {json.dumps(fake.url)}}}\n"
    )


def assert_ended_by(sig: signal.Signals, proc: subprocess.Popen[str], err: str, took: float):
    assert proc.returncode == 128 + sig, err
    assert "interrupted" in err
    assert "Traceback" not in err and "Event loop is closed" not in err, err
    assert took < BOUND, f"{took:.1f}s after {sig.name}"


@pytest.mark.parametrize("sig", SIGNALS, ids=lambda s: s.name)
def test_a_signal_during_start_up_stops_agent_tools_at_once_leaving_no_process(tmp_path, sig):
    with hostile_fleet(tmp_path, slow_start=True) as (config, events):
        proc = start_agent("tools", "--config", str(config))
        _, err, took = interrupt(events, proc, "up", sig)
        assert_ended_by(sig, proc, err, took)
        assert_nothing_left(tmp_path)


@pytest.mark.parametrize("sig", SIGNALS, ids=lambda s: s.name)
def test_a_signal_during_start_up_stops_agent_call_at_once_leaving_no_process(tmp_path, sig):
    with hostile_fleet(tmp_path, slow_start=True) as (config, events):
        proc = start_agent("call", "--config", str(config), "hostile__block")
        _, err, took = interrupt(events, proc, "up", sig)
        assert_ended_by(sig, proc, err, took)
        assert_nothing_left(tmp_path)


@pytest.mark.parametrize("sig", SIGNALS, ids=lambda s: s.name)
def test_a_signal_during_start_up_ends_the_jsonl_of_agent_run_with_done_cancelled(
    tmp_path, sig, fake_openai
):
    with hostile_fleet(tmp_path, slow_start=True, model=openai_model(fake_openai)) as (
        config,
        events,
    ):
        proc = start_agent("run", "--config", str(config), "--output", "jsonl", "block")
        out, err, took = interrupt(events, proc, "up", sig)
        assert_ended_by(sig, proc, err, took)
        last = json.loads(out.splitlines()[-1])
        assert (last["type"], last["reason"], last["turns"]) == ("done", "cancelled", 0)
        assert_nothing_left(tmp_path)
    assert fake_openai.bodies == []  # the model was never asked


@pytest.mark.parametrize("sig", SIGNALS, ids=lambda s: s.name)
def test_a_signal_mid_call_cancels_the_call_of_agent_call_and_leaves_no_process(tmp_path, sig):
    with hostile_fleet(tmp_path, slow_start=False) as (config, events):
        proc = start_agent("call", "--config", str(config), "hostile__block")
        _, err, took = interrupt(events, proc, "call", sig)
        assert_ended_by(sig, proc, err, took)
        assert [c.get("reason") for c in cancelled_requests(tmp_path)] == [
            "cancelled by the client"
        ]
        assert_nothing_left(tmp_path)


@pytest.mark.parametrize("sig", SIGNALS, ids=lambda s: s.name)
def test_a_signal_mid_call_of_agent_run_cancels_it_and_ends_the_jsonl_with_done(
    tmp_path, sig, fake_openai
):
    fake_openai.script(Reply(text="Let me check.", calls=(Call("hostile__block", {}, id="b1"),)))
    with hostile_fleet(tmp_path, slow_start=False, model=openai_model(fake_openai)) as (
        config,
        events,
    ):
        proc = start_agent("run", "--config", str(config), "--output", "jsonl", "block")
        out, err, took = interrupt(events, proc, "call", sig)
        assert_ended_by(sig, proc, err, took)
        events = [json.loads(line) for line in out.splitlines()]
        # (The tool_call line may not be out yet when the signal lands: it is queued.)
        assert [e["type"] for e in events if e["type"] != "tool_call"][-2:] == ["turn", "done"]
        assert events[-1]["reason"] == "cancelled"
        assert events[-1]["text"] == "Let me check."
        assert events[-1]["turns"] == 1
        assert len(cancelled_requests(tmp_path)) == 1
        assert_nothing_left(tmp_path)
    assert len(fake_openai.bodies) == 1  # nothing was sent to the model after the signal


def test_sigterm_to_agent_tools_on_a_fleet_of_eight_starting_servers_leaves_none_behind(
    tmp_path,
):
    with hostile_fleet(tmp_path, slow_start=True, servers=8) as (config, events):
        proc = start_agent("tools", "--config", str(config))
        _, err, took = interrupt(events, proc, "up", signal.SIGTERM)
        assert_ended_by(signal.SIGTERM, proc, err, took)
        assert_nothing_left(tmp_path, servers=8)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=lambda s: s.name)
def test_a_signal_as_the_host_starts_ends_it_without_a_traceback_or_a_process_left(tmp_path, sig):
    with hostile_fleet(tmp_path, slow_start=True) as (config, _):
        proc = start_agent("tools", "--config", str(config))
        proc.send_signal(sig)  # at once: it lands somewhere in the interpreter's start-up
        _, err = proc.communicate(timeout=STARTUP_TIMEOUT + 30)
        # Before Python handles signals the default action kills it: that is fine too.
        assert proc.returncode in (128 + sig, -sig), err
        assert "Traceback" not in err, err
        if (tmp_path / "server.pid").exists():
            assert_nothing_left(tmp_path)


def test_agent_call_leaves_no_grandchild_and_no_event_loop_warning(tmp_path):
    with hostile_fleet(tmp_path, slow_start=False) as (config, _):
        command = [sys.executable, "-m", "agent", "call", "--config", str(config)]
        done = subprocess.run(
            [*command, "hostile__block", "--timeout", "0.5"],
            capture_output=True,
            text=True,
            timeout=STARTUP_TIMEOUT + 30,
        )
        assert done.returncode == 4, done.stderr
        assert "did not finish within --timeout" in done.stderr
        assert "Event loop is closed" not in done.stderr and "Traceback" not in done.stderr
        assert [c.get("reason") for c in cancelled_requests(tmp_path)] == [
            "cancelled by the client"
        ]
        assert_nothing_left(tmp_path)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=lambda s: s.name)
def test_a_signal_while_a_remote_server_never_answers_stops_agent_tools_at_once(tmp_path, sig):
    import socket

    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        port = listener.getsockname()[1]
        config = tmp_path / "agent.yaml"
        config.write_text(
            f"servers:\n  remote: {{url: 'http://127.0.0.1:{port}/mcp', "
            f"startup_timeout: {STARTUP_TIMEOUT}}}\n"
        )
        proc = start_agent("tools", "--config", str(config))
        try:
            readable, _, _ = select.select([listener], [], [], WAIT)
            assert readable, "agent never connected"
            connection, _ = listener.accept()  # the request is sent; it is never answered
            with connection:
                sent = time.monotonic()
                proc.send_signal(sig)
                _, err = proc.communicate(timeout=STARTUP_TIMEOUT + 30)
                took = time.monotonic() - sent
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=30)
    assert_ended_by(sig, proc, err, took)
