"""``agent chat`` in tmux takes SIGTERM and SIGHUP as Ctrl-C: the screen is given back."""

from __future__ import annotations

import json
import signal
import subprocess
import sys

import pytest

from tests.agent.tui.conftest import children_of
from tests.agent.tui.test_tmux import Pane, alive, pytestmark  # noqa: F401 - skip without tmux


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP], ids=lambda s: s.name)
def test_a_signal_to_agent_chat_restores_the_terminal_and_stops_the_fleet(
    tmp_path, fake_openai, sig
):
    python = json.dumps(sys.executable)
    config = tmp_path / "agent.yaml"
    config.write_text(
        "model: openai:gpt-fake\n"
        f"providers:\n  openai: {{api_key: sk-test, base_url: {json.dumps(fake_openai.url)}}}\n"
        f"servers:\n  box: {{command: {python}, args: [-m, agent, toolbox]}}\n"
    )
    env = {"XDG_DATA_HOME": str(tmp_path / "data"), "TERM": "xterm-256color"}
    pane = Pane(tmp_path / "tmux.sock")
    wrapper = '"$@"; echo "agent exited: $?"; exec sleep 600'
    command = [sys.executable, "-m", "agent", "chat", "--config", str(config)]
    try:
        pane.start(["sh", "-c", wrapper, "sh", *command], env)
        pane.wait(lambda: "box  up" in pane.screen(), "the fleet")
        (agent,) = children_of(int(pane.show("pane_pid")))
        servers = children_of(agent)
        assert len(servers) == 1  # the toolbox
        assert pane.show("alternate_on") == "1"

        subprocess.run(["kill", f"-{sig.name[3:]}", str(agent)], check=True, timeout=10)
        pane.wait(lambda: "agent exited:" in pane.screen(), "the app to stop")
        screen = pane.screen()
        assert f"agent exited: {128 + sig}" in screen
        assert f"interrupted by {sig.name}" in screen
        assert pane.show("alternate_on") == "0"  # the TUI's screen was given back
        assert not [pid for pid in (agent, *servers) if alive(pid)]
    finally:
        subprocess.run([*pane.base, "kill-server"], capture_output=True, timeout=10)
