"""``agent run`` end to end: the real CLI, real MCP servers, fake model servers over HTTP."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from tests.bridge.mcp.conftest import SERVERS
from tests.modelfakes.script import Call, Fail, Reply

PY = json.dumps(sys.executable)


def write_config(tmp_path: Path, model: str, providers: str, extra: str = "") -> Path:
    config = tmp_path / "agent.yaml"
    config.write_text(
        f"model: {model}\n"
        f"providers:\n{providers}\n"
        f"{extra}"
        "servers:\n"
        f"  box: {{command: {PY}, args: [-m, agent, toolbox]}}\n"
        f"  sdk: {{command: {PY}, args: [{json.dumps(str(SERVERS / 'sdk_server.py'))}]}}\n"
    )
    return config


def agent_run(config: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    return subprocess.run(
        [sys.executable, "-m", "agent", "run", "--config", str(config), *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )


def openai_config(tmp_path: Path, fake, extra: str = "") -> Path:
    section = f"  openai: {{api_key: sk-test, base_url: {json.dumps(fake.url)}}}"
    return write_config(tmp_path, "openai:gpt-fake", section, extra)


def tool_messages(body: dict) -> list[dict]:
    return [m for m in body["messages"] if m.get("role") == "tool"]


def test_openai_calls_tools_on_two_servers_in_parallel_and_answers(tmp_path, fake_openai):
    fake_openai.script(
        Reply(
            calls=(
                Call("box__calculate", {"expression": "6 * 7"}, id="c1"),
                Call("sdk__add", {"a": 40, "b": 2}, id="c2"),
            )
        ),
        Reply(text="Both say 42."),
    )
    done = agent_run(openai_config(tmp_path, fake_openai), "what is 6*7?")
    assert done.returncode == 0, done.stderr
    assert done.stdout == "Both say 42.\n"
    assert "→ box__calculate" in done.stderr and "→ sdk__add" in done.stderr
    first, second = fake_openai.bodies
    names = {tool["function"]["name"] for tool in first["tools"]}
    assert {"box__calculate", "sdk__add", "box__count_slowly"} <= names
    assert first["messages"][-1] == {"role": "user", "content": "what is 6*7?"}
    results = {m["tool_call_id"]: m["content"] for m in tool_messages(second)}
    assert results == {"c1": "42", "c2": "42"}


def test_a_failing_tool_goes_back_to_the_model_which_recovers(tmp_path, fake_openai):
    fake_openai.script(
        Reply(calls=(Call("box__calculate", {"expression": "1/0"}, id="bad"),)),
        Reply(calls=(Call("box__calculate", {"expression": "1/2"}, id="good"),)),
        Reply(text="Half."),
    )
    done = agent_run(openai_config(tmp_path, fake_openai), "divide")
    assert done.returncode == 0, done.stderr
    assert "✗ box__calculate" in done.stderr and "division by zero" in done.stderr
    failed = tool_messages(fake_openai.bodies[1])[0]
    assert "division by zero" in failed["content"]
    assert tool_messages(fake_openai.bodies[2])[-1]["content"] == "0.5"


def test_a_denied_tool_is_reported_to_the_model(tmp_path, fake_openai):
    fake_openai.script(
        Reply(calls=(Call("box__echo", {"text": "secret"}, id="e1"),)), Reply(text="Okay.")
    )
    extra = 'agent:\n  approval: {ask: ["box__echo"]}\n'
    done = agent_run(openai_config(tmp_path, fake_openai, extra), "echo it")
    assert done.returncode == 0, done.stderr
    assert "⊘ box__echo" in done.stderr
    assert "denied" in tool_messages(fake_openai.bodies[1])[0]["content"]
    # --yes lets the same call through.
    fake_openai.script(
        Reply(calls=(Call("box__echo", {"text": "secret"}, id="e2"),)), Reply(text="Okay.")
    )
    allowed = agent_run(openai_config(tmp_path, fake_openai, extra), "echo it", "--yes")
    assert tool_messages(fake_openai.bodies[3])[0]["content"] == "secret", allowed.stderr


def test_a_model_writing_hermes_tool_call_text_gets_its_call_run(tmp_path, fake_openai):
    hermes = '<tool_call>\n{"name": "box__upper", "arguments": {"text": "shout"}}\n</tool_call>'
    fake_openai.script(Reply(text=hermes), Reply(text="SHOUT it is."))
    done = agent_run(openai_config(tmp_path, fake_openai), "shout")
    assert done.returncode == 0, done.stderr
    assert "✓ box__upper" in done.stderr
    assert "SHOUT" in json.dumps(fake_openai.bodies[1]["messages"])


def test_jsonl_output_is_one_versioned_event_per_line(tmp_path, fake_openai):
    fake_openai.script(
        Reply(calls=(Call("box__reverse", {"text": "abc"}, id="r1"),)), Reply(text="cba")
    )
    done = agent_run(openai_config(tmp_path, fake_openai), "reverse abc", "--output", "jsonl")
    events = [json.loads(line) for line in done.stdout.splitlines()]
    assert all(event["v"] == 1 for event in events)
    kinds = [event["type"] for event in events]
    assert kinds[0] == "turn" and kinds[-1] == "done"
    assert {"tool_call", "tool_result", "text"} <= set(kinds)
    result = next(e for e in events if e["type"] == "tool_result")
    assert (result["name"], result["status"], result["text"]) == ("box__reverse", "done", "cba")
    assert events[-1]["reason"] == "answered"
    summary = events[-2]
    assert summary["type"] == "summary"
    (row,) = summary["tools"]
    assert (row["server"], row["tool"], row["calls"], row["errors"]) == ("box", "reverse", 1, 0)
    assert row["p50_ms"] is not None and row["p50_ms"] > 0


def test_stdin_is_added_to_the_task(tmp_path, fake_openai):
    fake_openai.script(Reply(text="Reviewed."))
    done = agent_run(openai_config(tmp_path, fake_openai), "review this", stdin="diff --git a b")
    assert done.returncode == 0, done.stderr
    assert fake_openai.bodies[0]["messages"][-1]["content"] == "review this\n\ndiff --git a b"


def test_max_turns_exits_with_its_own_code(tmp_path, fake_openai):
    loop = Reply(calls=(Call("box__echo", {"text": "again"}, id="l"),))
    fake_openai.script(loop, loop)
    done = agent_run(openai_config(tmp_path, fake_openai), "loop", "--max-turns", "2")
    assert done.returncode == 6
    assert "stopped after 2 turns" in done.stderr


def test_a_rejected_api_key_is_a_provider_error(tmp_path, fake_openai):
    fake_openai.script(Fail(401, "Incorrect API key provided"))
    done = agent_run(openai_config(tmp_path, fake_openai), "hello")
    assert done.returncode == 3
    assert "key" in done.stderr.lower()


def test_gemini_calls_a_tool_and_echoes_the_thought_signature(tmp_path, fake_gemini):
    fake_gemini.script(
        Reply(
            calls=(Call("box__word_count", {"text": "a b c"}, thought_signature="c2lnbmF0dXJl"),)
        ),
        Reply(text="Three words."),
    )
    section = f"  gemini: {{api_key: test-key, base_url: {json.dumps(fake_gemini.root)}}}"
    done = agent_run(write_config(tmp_path, "gemini:gemini-fake", section), "count")
    assert done.returncode == 0, done.stderr
    assert done.stdout == "Three words.\n"
    second = json.dumps(fake_gemini.bodies[1])
    assert "thoughtSignature" in second and "functionResponse" in second
    assert "3 words" in second


def test_ollama_without_tool_support_falls_back_to_text_calls(tmp_path, fake_ollama):
    fake_ollama.script(
        Fail(400, "registry.ollama.ai/library/gemma:2b does not support tools"),
        Reply(text='<tool_call>{"name": "box__lower", "arguments": {"text": "QUIET"}}</tool_call>'),
        Reply(text="quiet"),
    )
    section = f"  ollama: {{base_url: {json.dumps(fake_ollama.root)}}}"
    done = agent_run(write_config(tmp_path, "ollama:gemma:2b", section), "lower it")
    assert done.returncode == 0, done.stderr
    assert done.stdout == "quiet\n"
    assert "no native tool calling" in done.stderr
    first, second, third = fake_ollama.bodies
    assert "tools" in first and "tools" not in second
    assert "box__lower" in second["messages"][0]["content"]
    assert "quiet" in json.dumps(third["messages"])


def test_required_tool_choice_on_ollama_is_emulated(tmp_path, fake_ollama):
    fake_ollama.script(
        Reply(text="No tools needed."),
        Reply(calls=(Call("box__now", {}),)),
        Reply(text="It is now."),
    )
    section = f"  ollama: {{base_url: {json.dumps(fake_ollama.root)}}}"
    config = write_config(tmp_path, "ollama:qwen-fake", section)
    done = agent_run(config, "what time is it", "--tool-choice", "required")
    assert done.returncode == 0, done.stderr
    first, retry, _ = fake_ollama.bodies
    assert "You must call one of the tools" in first["messages"][0]["content"]
    assert "did not call" in retry["messages"][0]["content"]
    assert "✓ box__now" in done.stderr


def _children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(") ", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            found.append(int(entry.name))
    return found


def _ignore_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def test_ctrl_c_cancels_the_running_call_and_leaves_no_process(tmp_path, fake_openai):
    interrupt_a_running_call(tmp_path, fake_openai)


def test_ctrl_c_is_honoured_when_the_parent_left_sigint_ignored(tmp_path, fake_openai):
    # `pytest &` in a script starts every child with SIGINT ignored: that made the test
    # above run its 20 s call to the end and fail on the fake's empty script (exit 3).
    interrupt_a_running_call(tmp_path, fake_openai, before_exec=_ignore_sigint)


def interrupt_a_running_call(
    tmp_path: Path, fake_openai, before_exec: Callable[[], None] | None = None
) -> None:
    """Send SIGINT to `agent run` while a slow call runs: exit 130, no server left."""
    fake_openai.script(
        Reply(calls=(Call("box__count_slowly", {"n": 200, "delay": 0.1}, id="slow"),))
    )
    # A server that ignores EOF and SIGTERM: only our SIGKILL of its group ends it.
    stubborn = (
        f"  stubborn: {{command: {PY}, args: [{json.dumps(str(SERVERS / 'sdk_server.py'))}], "
        "env: {MISBEHAVE: ignore-eof}}\n"
    )
    config = openai_config(tmp_path, fake_openai)
    config.write_text(config.read_text() + stubborn)
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "agent", "run", "--config", str(config), "count"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        preexec_fn=before_exec,
    )
    try:
        # Wait (bounded) until the slow call has started: its arrow shows on stderr.
        assert proc.stderr is not None
        deadline = time.monotonic() + 60
        seen = ""
        while "→ box__count_slowly" not in seen and time.monotonic() < deadline:
            seen += proc.stderr.readline()
        assert "→ box__count_slowly" in seen
        servers = _children_of(proc.pid)
        assert len(servers) == 3, "the fleet's three servers run as children of agent"
        proc.send_signal(signal.SIGINT)
        _, rest = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130
    assert "interrupted" in rest
    assert all(not Path(f"/proc/{pid}").exists() for pid in servers)
