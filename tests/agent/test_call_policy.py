"""``agent call`` obeys agent.approval as ``agent run`` does: deny refuses, ask asks.

Real CLI runs against the built-in toolbox server; the terminal cases run the CLI on a
pseudo-terminal that is its controlling terminal, and answer the prompt through it.
"""

from __future__ import annotations

import fcntl
import os
import select
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest

CONFIG = """\
servers:
  toolbox: {{command: {python}, args: [-m, agent.toolbox]}}
agent:
  approval: {{deny: [toolbox__echo], ask: [toolbox__upper]}}
"""


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "agent.yaml"
    path.write_text(CONFIG.format(python=sys.executable), encoding="utf-8")
    return path


def call(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``agent call`` with no terminal: stdin, stdout and stderr are pipes."""
    return subprocess.run(
        [sys.executable, "-m", "agent", "call", "--config", str(config), *args],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=60,
    )


def test_a_denied_tool_is_refused_and_never_called(config):
    done = call(config, "toolbox__echo", "--args", '{"text": "should not run"}')
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.strip().endswith(
        "agent: error: agent.approval.deny refuses toolbox__echo; change the config, "
        "or pass --force to call it anyway"
    )


def test_yes_does_not_override_deny(config):
    done = call(config, "toolbox__echo", "--yes", "--args", '{"text": "should not run"}')
    assert done.returncode == 1
    assert "should not run" not in done.stdout
    assert "agent.approval.deny refuses toolbox__echo" in done.stderr


def test_force_calls_a_denied_tool_and_says_so_on_stderr(config):
    done = call(config, "toolbox__echo", "--force", "--args", '{"text": "forced"}')
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "forced"
    assert (
        "agent: warning: agent.approval denies toolbox__echo; calling it anyway because of --force"
        in done.stderr
    )


def test_an_ask_tool_is_refused_without_a_terminal(config):
    done = call(config, "toolbox__upper", "--args", '{"text": "quiet"}')
    assert done.returncode == 1
    assert done.stdout == ""
    assert "there is no terminal to ask; pass --yes to allow it" in done.stderr


def test_yes_allows_an_ask_tool_without_a_terminal(config):
    done = call(config, "toolbox__upper", "--yes", "--args", '{"text": "loud"}')
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "LOUD"
    assert "warning" not in done.stderr


def test_an_allowed_tool_runs_without_a_question_or_a_warning(config):
    done = call(config, "toolbox__reverse", "--args", '{"text": "abc"}')
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "cba"
    assert done.stderr == ""


def _on_terminal(config: Path, answer: bytes, *args: str) -> tuple[int, str, str]:
    """Run ``agent call`` with a pseudo-terminal as its controlling terminal.

    Answers ``answer`` once the approval prompt shows; returns the exit code, stdout and
    everything the terminal showed.
    """
    master, slave = os.openpty()

    def take_terminal() -> None:
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)  # stdin is the slave: make it the ctty

    process = subprocess.Popen(
        [sys.executable, "-m", "agent", "call", "--config", str(config), *args],
        stdin=slave,
        stdout=subprocess.PIPE,
        stderr=slave,
        start_new_session=True,
        preexec_fn=take_terminal,
    )
    os.close(slave)
    shown = b""
    answered = False
    deadline = time.monotonic() + 30
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], max(0.0, deadline - time.monotonic()))
            if not ready:
                break
            try:
                chunk = os.read(master, 4096)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            shown += chunk
            if not answered and b"[N]o: " in shown:
                os.write(master, answer)
                answered = True
        assert process.stdout is not None
        out = process.stdout.read().decode()
        code = process.wait(timeout=30)
    finally:
        os.close(master)
        if process.poll() is None:
            process.kill()
            process.wait(timeout=5)
        if process.stdout is not None:
            process.stdout.close()
    return code, out, shown.decode(errors="replace")


def test_an_ask_tool_is_called_when_the_person_answers_yes_at_the_terminal(config):
    code, out, shown = _on_terminal(config, b"y\n", "toolbox__upper", "--args", '{"text": "hi"}')
    assert 'Allow toolbox__upper {"text": "hi"}? [y]es / [a]lways / [N]o: ' in shown
    assert (code, out.strip()) == (0, "HI")


def test_an_ask_tool_is_refused_when_the_person_answers_no_at_the_terminal(config):
    code, out, shown = _on_terminal(config, b"n\n", "toolbox__upper", "--args", '{"text": "hi"}')
    assert "Allow toolbox__upper" in shown
    assert (code, out) == (1, "")
    assert "you declined the call to toolbox__upper" in shown


def test_arguments_nested_past_the_json_decoder_are_a_usage_error_not_a_traceback(config):
    done = call(config, "toolbox__echo", "--args", "[" * 100_000)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert "agent: error: --args nests too deeply" in done.stderr
