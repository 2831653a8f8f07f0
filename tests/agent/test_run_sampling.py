"""``agent run`` and servers' sampling: its own consent (--allow-sampling) and its own event.

The real CLI, a raw stdio server that asks for sampling inside a tool call, and a fake
OpenAI endpoint that answers both the run and the sampling request.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.agent.test_run import agent_run
from tests.bridge.mcp.conftest import SERVERS
from tests.modelfakes.script import Call, Reply


def sampling_config(tmp_path: Path, fake) -> Path:
    config = tmp_path / "agent.yaml"
    raw = json.dumps(str(SERVERS / "raw_server.py"))
    config.write_text(
        "model: openai:gpt-fake\n"
        f"providers:\n  openai: {{api_key: sk-test, base_url: {json.dumps(fake.url)}}}\n"
        "servers:\n"
        f"  raw: {{command: {json.dumps(sys.executable)}, args: [{raw}, sampling]}}\n",
        encoding="utf-8",
    )
    return config


def events(stdout: str) -> list[dict]:
    return [json.loads(line) for line in stdout.splitlines()]


def test_yes_alone_no_longer_lets_a_server_sample_the_model(tmp_path, fake_openai):
    fake_openai.script(
        Reply(calls=(Call("raw__echo", {}, id="c1"),)),
        Reply(text="done"),
    )
    done = agent_run(sampling_config(tmp_path, fake_openai), "go", "--yes", "-o", "jsonl")
    assert done.returncode == 0, done.stderr
    lines = events(done.stdout)
    sampling = [line for line in lines if line["type"] == "sampling"]
    assert sampling == [
        {
            "v": 1,
            "type": "sampling",
            "server": "raw",
            "outcome": "denied",
            "model": None,
            "usage": None,
        }
    ]
    (result,) = [line for line in lines if line["type"] == "tool_result"]
    assert json.loads(result["text"])["error"]["code"] == -1  # the server heard "declined"
    assert len(fake_openai.bodies) == 2  # the model was never asked to sample


def test_allow_sampling_answers_with_the_model_and_reports_model_and_tokens(tmp_path, fake_openai):
    fake_openai.script(
        Reply(calls=(Call("raw__echo", {}, id="c1"),)),
        Reply(text="sampled text", usage=(30, 4)),
        Reply(text="done"),
    )
    config = sampling_config(tmp_path, fake_openai)
    done = agent_run(config, "go", "--allow-sampling", "-o", "jsonl")
    assert done.returncode == 0, done.stderr
    lines = events(done.stdout)
    sampling = [line for line in lines if line["type"] == "sampling"]
    assert sampling == [
        {
            "v": 1,
            "type": "sampling",
            "server": "raw",
            "outcome": "allowed",
            "model": "gpt-fake",
            "usage": {"input": 30, "output": 4},
        }
    ]
    # The event comes while the call runs: after its tool_call, before its tool_result.
    kinds = [line["type"] for line in lines]
    assert kinds.index("tool_call") < kinds.index("sampling") < kinds.index("tool_result")
    (result,) = [line for line in lines if line["type"] == "tool_result"]
    assert json.loads(result["text"])["result"]["content"]["text"] == "sampled text"


def test_text_output_says_on_stderr_that_a_server_sampled_the_model(tmp_path, fake_openai):
    fake_openai.script(
        Reply(calls=(Call("raw__echo", {}, id="c1"),)),
        Reply(text="sampled text", usage=(30, 4)),
        Reply(text="done"),
    )
    done = agent_run(sampling_config(tmp_path, fake_openai), "go", "--allow-sampling")
    assert done.returncode == 0, done.stderr
    assert done.stdout == "done\n"
    assert "agent: sampling request from raw: answered by gpt-fake, 30+4 tokens" in done.stderr


def test_help_documents_both_consents():
    done = subprocess.run(
        [sys.executable, "-m", "agent", "run", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    text = " ".join(done.stdout.split())
    assert "--allow-sampling answer servers' sampling requests" in text
    assert "allow tools the policy would ask about (not denied ones, not sampling)" in text
