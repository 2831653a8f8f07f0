"""``agent run`` with a real model: the in-process ``local`` provider, and llama-cpp-python's
own OpenAI-compatible server behind the OpenAI adapter.

The model is SmolLM2-135M-Instruct (temperature 0, a fixed seed). The assertions are on
what reached the MCP server (the codes server logs every call) and on the JSONL events,
never on the model's prose.
"""

from __future__ import annotations

import json
import os
import select
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from providers.local import default_model_path

PY = json.dumps(sys.executable)
SERVERS = Path(__file__).parents[1] / "servers"
CODES = json.dumps(str(SERVERS / "codes_server.py"))
AGENT_RUN = (sys.executable, "-m", "agent", "run")


def codes_server(log: Path) -> str:
    return (
        f"  codes: {{command: {PY}, args: [{CODES}], env: {{CODES_LOG: {json.dumps(str(log))}}}}}\n"
    )


def offline_env(tmp_path: Path) -> dict[str, str]:
    """No key, no reachable Ollama, and a home of its own: what a fresh machine has."""
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    env.pop("AGENT_CONFIG", None)
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env |= {"OLLAMA_HOST": f"127.0.0.1:{port}", "HOME": str(tmp_path / "home")}
    env["XDG_CONFIG_HOME"] = str(tmp_path / "home" / ".config")
    return env


def run(tmp_path: Path, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*AGENT_RUN, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=offline_env(tmp_path),
        cwd=tmp_path,
        stdin=subprocess.DEVNULL,
    )


def events(stdout: str) -> list[dict]:
    return [json.loads(line) for line in stdout.splitlines()]


def logged_calls(log: Path) -> list[dict]:
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


def test_calculator_call_end_to_end_through_the_toolbox_offline(tmp_path):
    done = run(
        tmp_path,
        "--model",
        "local",
        "--tool-choice",
        "toolbox__calculate",
        "--max-turns",
        "1",
        "-o",
        "jsonl",
        "What is 2**20? Use the calculator.",
    )

    assert done.returncode in (0, 6), done.stderr
    seen = events(done.stdout)
    calls = [e for e in seen if e["type"] == "tool_call"]
    results = [e for e in seen if e["type"] == "tool_result"]
    assert calls and calls[0]["name"] == "toolbox__calculate" and calls[0]["server"] == "toolbox"
    assert isinstance(calls[0]["arguments"].get("expression"), str)  # the grammar saw to it
    assert results and results[0]["id"] == calls[0]["id"]
    assert seen[-1]["type"] == "done"


def test_a_named_tool_choice_reaches_the_mcp_server_with_valid_arguments(tmp_path):
    log = tmp_path / "codes.log"
    config = tmp_path / "agent.yaml"
    config.write_text(
        "model: local\n"
        "providers:\n  local: {seed: 3, temperature: 0, max_tokens: 300}\n"
        f"servers:\n{codes_server(log)}"
    )

    done = run(
        tmp_path,
        "--config",
        str(config),
        "--tool-choice",
        "codes__lookup_code",
        "--max-turns",
        "1",
        "-o",
        "jsonl",
        "What is the secret code for the word apple?",
    )

    assert done.returncode in (0, 6), done.stderr
    reached = logged_calls(log)
    assert reached and isinstance(reached[0]["word"], str)
    first_call = next(e for e in events(done.stdout) if e["type"] == "tool_call")
    assert first_call["name"] == "codes__lookup_code"
    assert first_call["arguments"] == reached[0]


def test_with_no_model_key_or_ollama_the_local_model_answers_and_says_so_once(tmp_path):
    done = run(tmp_path, "--no-tools", "-o", "jsonl", "Say hello.")

    assert done.returncode == 0, done.stderr
    assert done.stderr.count("using the in-process local model") == 1
    assert "Traceback" not in done.stderr and "Exception ignored" not in done.stderr
    seen = events(done.stdout)
    assert [e["type"] for e in seen if e["type"] == "text"]
    assert seen[-1]["type"] == "done" and seen[-1]["reason"] == "answered"


def test_ctrl_c_during_generation_exits_130_at_once_with_a_last_done_line(tmp_path):
    config = tmp_path / "agent.yaml"
    # A bias against the end token keeps the small model writing until it is stopped.
    config.write_text(
        "model: local\n"
        "providers:\n  local: {seed: 1, temperature: 0, options: {max_tokens: 4000, "
        "logit_bias: {2: -100.0}}}\n"
    )
    proc = subprocess.Popen(
        [*AGENT_RUN, "--config", str(config), "--no-tools", "-o", "jsonl", "Tell a long story."],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        env=offline_env(tmp_path),
        cwd=tmp_path,
    )
    try:
        assert proc.stdout is not None
        first = _first_line_of_type(proc, "text", deadline=time.monotonic() + 120)
        assert first is not None, "no text was streamed"
        proc.send_signal(signal.SIGINT)
        sent = time.monotonic()
        out, err = proc.communicate(timeout=30)
        took = time.monotonic() - sent
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 130, err
    assert took < 15  # 4,000 tokens would take minutes; the worker stops at the next token
    lines = [json.loads(line) for line in out.splitlines()]
    assert lines and lines[-1]["type"] == "done" and lines[-1]["reason"] == "cancelled"


def _first_line_of_type(proc: subprocess.Popen[str], kind: str, deadline: float) -> dict | None:
    assert proc.stdout is not None
    while time.monotonic() < deadline:
        ready, _, _ = select.select([proc.stdout], [], [], deadline - time.monotonic())
        if not ready:
            return None
        line = proc.stdout.readline()
        if not line:
            return None
        event = json.loads(line)
        if event["type"] == kind:
            return event
    return None


# -- llama-cpp-python's own OpenAI-compatible server -----------------------------------------


@pytest.fixture
def llama_server(tmp_path) -> Iterator[str]:
    """``python -m llama_cpp.server`` with the small model; yields its /v1 URL."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    proc = subprocess.Popen(
        [
            *(sys.executable, "-m", "llama_cpp.server", "--model", str(default_model_path())),
            *("--chat_format", "chatml-function-calling", "--host", "127.0.0.1"),
            *("--port", str(port), "--seed", "1"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        text=True,
    )
    listening = threading.Event()
    log = tmp_path / "llama-server.log"

    def drain() -> None:  # keeps the pipe empty, and says when uvicorn is up
        assert proc.stdout is not None
        with log.open("w") as out:
            for line in proc.stdout:
                out.write(line)
                if "Uvicorn running" in line:
                    listening.set()

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    try:
        assert listening.wait(120), f"llama_cpp.server did not start: {log.read_text()[-2000:]}"
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        reader.join(timeout=10)
        if proc.stdout is not None:
            proc.stdout.close()


def openai_local_config(tmp_path: Path, url: str, servers: str = "") -> Path:
    config = tmp_path / "agent.yaml"
    config.write_text(
        "model: openai:local\n"
        f"providers:\n  openai: {{base_url: {json.dumps(url)}, "
        "options: {temperature: 0, seed: 1}}\n" + (f"servers:\n{servers}" if servers else "")
    )
    return config


def test_the_real_server_run_reaches_the_mcp_server_through_the_unstreamed_fallback(
    tmp_path, llama_server
):
    log = tmp_path / "codes.log"
    config = openai_local_config(tmp_path, llama_server, codes_server(log))

    done = run(
        tmp_path,
        "--config",
        str(config),
        "--max-turns",
        "2",
        "-o",
        "jsonl",
        "What is the secret code for the word apple? Use the lookup_code tool.",
    )

    assert done.returncode in (0, 6), done.stderr
    seen = events(done.stdout)
    notices = [e["message"] for e in seen if e["type"] == "notice"]
    assert sum("unstreamed" in n for n in notices) == 1
    assert logged_calls(log)[:1] == [{"word": "apple"}]
    assert seen[-1]["type"] == "done"


def test_the_real_server_streams_a_plain_answer(tmp_path, llama_server):
    config = openai_local_config(tmp_path, llama_server)

    done = run(tmp_path, "--config", str(config), "--no-tools", "-o", "jsonl", "Say hello.")

    assert done.returncode == 0, done.stderr
    seen = events(done.stdout)
    assert len([e for e in seen if e["type"] == "text"]) > 1
    assert not [e for e in seen if e["type"] == "notice"]
    assert seen[-1]["type"] == "done" and seen[-1]["reason"] == "answered"
