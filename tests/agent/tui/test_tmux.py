"""``agent chat`` for real: in tmux, against the fake OpenAI server, typed at with send-keys."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.agent.tui.conftest import children_of
from tests.modelfakes.script import Reply

TMUX = shutil.which("tmux")
DEADLINE = 30.0  # seconds for each thing we wait for

pytestmark = pytest.mark.skipif(
    TMUX is None and not os.environ.get("AGENT_REQUIRE_NPM"),
    reason="tmux is not installed (CI installs it)",
)


class Pane:
    """One tmux session on a private socket, running one command."""

    def __init__(self, socket: Path) -> None:
        assert TMUX is not None, "tmux is required here (apt-get install tmux)"
        self.base = [TMUX, "-S", str(socket)]

    def tmux(self, *args: str) -> str:
        # The server (started by the first command) passes its environment to the pane:
        # no API keys, and no COLUMNS/LINES (set by the test session) to fix the size.
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.endswith("_API_KEY") and key not in ("COLUMNS", "LINES")
        }
        done = subprocess.run(
            [*self.base, *args], capture_output=True, text=True, timeout=10, check=True, env=env
        )
        return done.stdout

    def start(self, command: list[str], env: dict[str, str]) -> None:
        settings = [arg for key, value in env.items() for arg in ("-e", f"{key}={value}")]
        self.tmux("new-session", "-d", "-s", "chat", "-x", "120", "-y", "36", *settings,
                  *command, ";", "set-option", "-t", "chat", "remain-on-exit", "on")  # fmt: skip

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-t", "chat")

    def show(self, name: str) -> str:
        return self.tmux("display-message", "-p", "-t", "chat", f"#{{{name}}}").strip()

    def wait(self, condition: Callable[[], bool], what: str) -> None:
        """Poll until ``condition()`` holds; fail with the screen after the deadline."""
        deadline = time.monotonic() + DEADLINE
        while not condition():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}; the screen:\n{self.screen()}")
            time.sleep(0.1)  # a poll interval, not a wait for the event itself


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_agent_chat_answers_in_tmux_and_quits_leaving_no_process(tmp_path, fake_openai):
    fake_openai.script(Reply(text="The answer is **42**."))
    python = json.dumps(sys.executable)
    config = tmp_path / "agent.yaml"
    config.write_text(
        "model: openai:gpt-fake\n"
        f"providers:\n  openai: {{api_key: sk-test, base_url: {json.dumps(fake_openai.url)}}}\n"
        f"servers:\n  box: {{command: {python}, args: [-m, agent, toolbox]}}\n"
    )
    env = {"XDG_DATA_HOME": str(tmp_path / "data"), "TERM": "xterm-256color"}
    pane = Pane(tmp_path / "tmux.sock")
    # A shell around the app keeps the pane (and the app's last words) after it exits.
    wrapper = '"$@"; echo "agent exited: $?"; exec sleep 600'
    command = [sys.executable, "-m", "agent", "chat", "--config", str(config)]
    try:
        pane.start(["sh", "-c", wrapper, "sh", *command], env)
        pane.wait(lambda: "enter sends" in pane.screen(), "the first paint")
        (agent,) = children_of(int(pane.show("pane_pid")))
        pane.wait(lambda: "box  up" in pane.screen(), "the fleet")
        servers = children_of(agent)
        assert len(servers) == 1  # the toolbox

        pane.tmux("send-keys", "-t", "chat", "-l", "what is 6*7?")
        pane.tmux("send-keys", "-t", "chat", "Enter")
        pane.wait(lambda: "The answer is 42." in pane.screen(), "the answer")
        assert "what is 6*7?" in pane.screen()

        pane.tmux("send-keys", "-t", "chat", "C-q")
        pane.wait(lambda: "agent exited:" in pane.screen(), "the app to quit")
        screen = pane.screen()
        assert "agent exited: 0" in screen
        assert "session saved; continue it with: agent chat --resume" in screen
        assert not [pid for pid in (agent, *servers) if alive(pid)]
    finally:
        subprocess.run([*pane.base, "kill-server"], capture_output=True, timeout=10)

    body = fake_openai.bodies[0]
    assert body["messages"][-1] == {"role": "user", "content": "what is 6*7?"}
    (session,) = (tmp_path / "data" / "agent" / "sessions").glob("*.jsonl")
    assert len(session.read_text().splitlines()) == 2
