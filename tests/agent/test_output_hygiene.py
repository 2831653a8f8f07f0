"""Output hygiene through the real CLI: no escape sequence reaches a terminal, no secret leaks.

Hostile peers are real: a stdio MCP server that writes escape sequences everywhere
(tests/servers/hostile_server.py), a local HTTP MCP endpoint whose 500 body echoes the
request headers, and a fake OpenAI endpoint whose 401 body echoes the key.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.modelfakes.script import Call, Fail, Reply

HOSTILE = Path(__file__).parents[1] / "servers" / "hostile_server.py"
PY = json.dumps(sys.executable)
SECRET = "s3cr3t-f00-bar-4711"
BEARER = "literal-bearer-token-0815"
# What a terminal would act on: ESC, BEL and the C1 CSI/OSC introducers.
RAW_CONTROLS = ("\x1b", "\x07", "\x9b", "\x9d")


def agent(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the CLI as a person runs it, with SECRET set and no provider key inherited."""
    base = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    base.update({"SECRET": SECRET, "AGENT_CONFIG": str(cwd / "agent.yaml")}, **(env or {}))
    return subprocess.run(
        [sys.executable, "-m", "agent", *args],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=cwd,
        env=base,
    )


def assert_no_raw_controls(text: str) -> None:
    found = [char for char in RAW_CONTROLS if char in text]
    assert not found, f"raw terminal controls {found!r} in {text!r}"


@pytest.fixture
def hostile(tmp_path: Path) -> Path:
    """A directory whose agent.yaml runs the hostile server, handing it ${SECRET} to echo."""
    (tmp_path / "agent.yaml").write_text(
        f"servers:\n  evil: {{command: {PY}, args: [{json.dumps(str(HOSTILE))}, '${{SECRET}}']}}\n"
    )
    return tmp_path


class _EchoHeaders(BaseHTTPRequestHandler):
    """Answers every request with HTTP 500 and a body that repeats the request's headers."""

    def do_POST(self) -> None:
        self._echo()

    def do_GET(self) -> None:
        self._echo()

    def _echo(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        self.rfile.read(length)
        body = "; ".join(f"{name}: {value}" for name, value in self.headers.items()).encode()
        self.send_response(500)
        self.send_header("content-type", "text/plain")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass  # keep the test output quiet


@pytest.fixture
def echoing_remote(tmp_path: Path) -> Iterator[Path]:
    """A directory whose agent.yaml names a remote server that echoes the headers it got."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _EchoHeaders)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}/mcp"
    (tmp_path / "agent.yaml").write_text(
        "servers:\n"
        f"  remote:\n    url: {url}\n    transport: http\n"
        f"    headers: {{X-Echo: '${{SECRET}}', Authorization: 'Bearer {BEARER}'}}\n"
    )
    try:
        yield tmp_path
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


# -- terminals ---------------------------------------------------------------------------------


def test_agent_call_shows_a_tool_result_with_its_escape_sequences_neutralised(hostile):
    done = agent("call", "evil__show", cwd=hostile)
    assert done.returncode == 0, done.stderr
    assert_no_raw_controls(done.stdout + done.stderr)
    # Each control became U+FFFD; the inert rest stays visible, so the reader sees the attempt.
    assert done.stdout == (
        "before\ufffd[2J\ufffd]52;c;aGFja2Vk\ufffd\ufffd]8;;https://evil.test/\ufffd\\click me"
        "\ufffd]8;;\ufffd\\\ufffd31mafter\n"
    )


def test_agent_call_json_escapes_every_control_and_keeps_the_value(hostile):
    done = agent("call", "evil__show", "--json", cwd=hostile)
    assert done.returncode == 0, done.stderr
    assert_no_raw_controls(done.stdout)
    assert "\\u009b31m" in done.stdout
    text = json.loads(done.stdout)["content"][0]["text"]
    assert text.startswith("before\x1b[2J") and text.endswith("\x9b31mafter")


def test_agent_tools_cleans_tool_descriptions_as_text_and_as_json(hostile):
    listed = agent("tools", cwd=hostile)
    assert listed.returncode == 0, listed.stderr
    assert_no_raw_controls(listed.stdout)
    assert "evil__show   Shows\ufffd[2J" in listed.stdout
    as_json = agent("tools", "--json", cwd=hostile)
    assert_no_raw_controls(as_json.stdout)
    rows = {row["name"]: row for row in json.loads(as_json.stdout)}
    assert rows["evil__show"]["description"].endswith("\x9b31m things")


def test_agent_servers_cleans_the_implementation_name(hostile):
    table = agent("servers", cwd=hostile)
    assert table.returncode == 0, table.stderr
    assert_no_raw_controls(table.stdout)
    assert "evil\ufffd[2J" in table.stdout and "6.6.6" in table.stdout
    as_json = agent("servers", "--json", cwd=hostile)
    assert_no_raw_controls(as_json.stdout)
    assert json.loads(as_json.stdout)[0]["server_name"].startswith("evil\x1b[2J")


def test_a_config_error_quoting_the_file_prints_no_escape_sequence(tmp_path):
    # A YAML double-quoted "\e" is ESC; the error message names the unknown key.
    (tmp_path / "agent.yaml").write_text('servers:\n  box: {command: x, "\\e[2Jevil\\x9b": 1}\n')
    done = agent("tools", cwd=tmp_path)
    assert done.returncode == 2
    assert_no_raw_controls(done.stderr)
    assert "\ufffd[2Jevil" in done.stderr


def test_agent_call_describes_image_audio_and_resource_blocks_in_one_line_each(hostile):
    done = agent("call", "evil__media", cwd=hostile)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "[image image/png, 6 bytes]",
        "[audio audio/wav, 12 bytes]",
        "[resource link: file:///tmp/report.pdf report.pdf]",
        "[embedded resource file:///tmp/a.bin (binary, 3 bytes)]",
    ]


def test_jsonl_escapes_c1_controls_from_the_model_and_the_tools(hostile, fake_openai):
    (hostile / "agent.yaml").write_text(
        "model: openai:gpt-fake\n"
        f"providers:\n  openai: {{api_key: sk-test, base_url: {json.dumps(fake_openai.url)}}}\n"
        + (hostile / "agent.yaml").read_text()
    )
    fake_openai.script(
        Reply(calls=(Call("evil__show", {}, id="s1"),)), Reply(text="red \x9b31m alert\x85")
    )
    done = agent("run", "show it", "--output", "jsonl", cwd=hostile)
    assert done.returncode == 0, done.stderr
    assert_no_raw_controls(done.stdout)
    assert "\x85" not in done.stdout and "\\u0085" in done.stdout
    events = [json.loads(line) for line in done.stdout.splitlines()]
    result = next(event for event in events if event["type"] == "tool_result")
    assert "\x9b31m" in result["text"]  # the value is intact once decoded
    assert events[-1]["text"].endswith("\x9b31m alert\x85")


# -- closed stdout -----------------------------------------------------------------------------


def test_a_closed_stdout_ends_the_command_quietly_with_exit_141(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "AGENT_CONFIG"}
    env["XDG_CONFIG_HOME"] = str(tmp_path / "xdg")
    process = subprocess.Popen(
        [sys.executable, "-m", "agent", "tools", "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=tmp_path,
        env=env,
    )
    assert process.stdout is not None
    process.stdout.close()  # the reader goes away before the first line, as `| head -0` would
    _, err = process.communicate(timeout=60)
    assert process.returncode == 141
    assert b"Traceback" not in err and b"BrokenPipeError" not in err and err == b""


def test_a_long_output_piped_into_head_prints_one_line_and_no_traceback(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "AGENT_CONFIG"}
    env["XDG_CONFIG_HOME"] = str(tmp_path / "xdg")
    # 100 kB of lines: more than head reads plus what the pipe holds, so the write must fail.
    arguments = json.dumps({"text": "line\n" * 20_000})
    shell = (
        f'set -o pipefail; {sys.executable} -m agent call toolbox__echo --args "$ARGS" | head -1'
    )
    done = subprocess.run(
        ["bash", "-c", shell],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
        env={**env, "ARGS": arguments},
    )
    assert (done.returncode, done.stdout, done.stderr) == (141, "line\n", "")


# -- secrets -----------------------------------------------------------------------------------


def test_a_remote_server_echoing_its_headers_leaks_no_secret_anywhere(echoing_remote):
    outputs = []
    for args in (("servers",), ("servers", "--json"), ("-vv", "servers"), ("-vv", "tools")):
        done = agent(*args, cwd=echoing_remote)
        assert "HTTP 500" in done.stdout + done.stderr, done.stderr  # the echo was printed
        outputs.append(done.stdout + done.stderr)
    everything = "\n".join(outputs)
    assert SECRET not in everything and BEARER not in everything
    assert "x-echo: ***" in everything.lower()  # the ${SECRET} header, masked
    assert "authorization: ***" in everything.lower()  # a credential written in the file


def test_a_model_endpoint_echoing_the_key_leaks_it_nowhere(tmp_path, fake_openai):
    (tmp_path / "agent.yaml").write_text(
        "model: openai:gpt-fake\n"
        "providers:\n"
        f"  openai: {{api_key: '${{SECRET}}', base_url: {json.dumps(fake_openai.url)}}}\n"
        "servers: {}\n"
    )
    for output in ("text", "jsonl"):
        fake_openai.script(Fail(401, f"Incorrect API key provided: {SECRET}."))
        done = agent("-vv", "run", "hi", "--no-tools", "--output", output, cwd=tmp_path)
        assert done.returncode != 0
        assert SECRET not in done.stdout + done.stderr
        assert "***" in done.stderr
    error = json.loads(done.stdout.splitlines()[-1])
    assert error["type"] == "error" and "Incorrect API key provided: ***" in error["message"]


def test_a_key_taken_from_the_environment_is_masked_too(tmp_path, fake_openai):
    (tmp_path / "agent.yaml").write_text(
        "model: openai:gpt-fake\n"
        f"providers:\n  openai: {{base_url: {json.dumps(fake_openai.url)}}}\nservers: {{}}\n"
    )
    key = "sk-from-the-environment-42"
    fake_openai.script(Fail(401, f"Incorrect API key provided: {key}."))
    done = agent(
        "run", "hi", "--no-tools", "--output", "jsonl", cwd=tmp_path, env={"OPENAI_API_KEY": key}
    )
    assert done.returncode != 0
    assert key not in done.stdout + done.stderr
    assert "Incorrect API key provided: ***" in done.stdout


def test_a_tool_result_echoing_a_secret_is_masked_before_the_model_and_the_jsonl(
    hostile, fake_openai
):
    (hostile / "agent.yaml").write_text(
        "model: openai:gpt-fake\n"
        f"providers:\n  openai: {{api_key: sk-test, base_url: {json.dumps(fake_openai.url)}}}\n"
        + (hostile / "agent.yaml").read_text()
    )
    fake_openai.script(Reply(calls=(Call("evil__leak", {}, id="l1"),)), Reply(text="Done."))
    done = agent("run", "leak it", "--output", "jsonl", cwd=hostile)
    assert done.returncode == 0, done.stderr
    sent = json.dumps(fake_openai.bodies)
    assert SECRET not in sent and "the key is ***" in sent
    assert SECRET not in done.stdout + done.stderr and "the key is ***" in done.stdout


def test_a_secret_the_model_streams_in_pieces_is_masked_in_text_and_jsonl(tmp_path, fake_openai):
    (tmp_path / "agent.yaml").write_text(
        "model: openai:gpt-fake\n"
        "providers:\n"
        f"  openai: {{api_key: '${{SECRET}}', base_url: {json.dumps(fake_openai.url)}}}\n"
        "servers: {}\n"
    )
    answer = f"Your key is {SECRET}, keep it safe."
    for output in ("text", "jsonl"):
        fake_openai.script(Reply(text=answer, chunks=len(answer) // 3))  # the key is cut up
        done = agent("run", "hi", "--no-tools", "--output", output, cwd=tmp_path)

        assert done.returncode == 0, done.stderr
        if output == "text":
            assert done.stdout == "Your key is ***, keep it safe.\n"
        else:
            events = [json.loads(line) for line in done.stdout.splitlines()]
            streamed = "".join(e["text"] for e in events if e["type"] == "text")
            assert streamed == "Your key is ***, keep it safe."
            assert events[-1]["type"] == "done" and SECRET not in events[-1]["text"]
        assert SECRET not in done.stdout + done.stderr
