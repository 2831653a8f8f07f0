"""``agent prompts``, ``prompt``, ``resources``, ``read``, and the token budget of ``tools`` and
``servers``: the real CLI against the npm server-everything."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest


@pytest.fixture
def config(tmp_path, npm_server) -> Path:
    path = tmp_path / "agent.yaml"
    command = json.dumps(npm_server("mcp-server-everything"))
    path.write_text(f"servers:\n  every: {{command: {command}}}\n")
    return path


def agent(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    return subprocess.run(
        [sys.executable, "-m", "agent", *args], capture_output=True, text=True, timeout=60, env=env
    )


def test_agent_prompts_lists_each_prompt_with_its_required_arguments(config):
    done = agent("prompts", "-c", str(config))
    assert done.returncode == 0, done.stderr
    assert "every__simple-prompt" in done.stdout
    assert "every__args-prompt         (city* state)" in done.stdout
    rows = json.loads(agent("prompts", "--json", "-c", str(config)).stdout)
    args = next(row for row in rows if row["name"] == "every__args-prompt")
    assert args["arguments"][0] == {
        "name": "city",
        "description": "Name of the city",
        "required": True,
    }


def test_agent_prompt_renders_with_and_without_arguments(config):
    simple = agent("prompt", "every__simple-prompt", "-c", str(config))
    assert simple.stdout == "user: This is a simple prompt without arguments.\n", simple.stderr
    args = agent("prompt", "every__args-prompt", "--arg", "city=Lyon", "--json", "-c", str(config))
    body = json.loads(args.stdout)
    assert body["messages"][0]["content"]["text"] == "What's weather in Lyon?"


def test_agent_prompt_without_a_required_argument_says_which_to_give(config):
    done = agent("prompt", "every__args-prompt", "-c", str(config))
    assert done.returncode == 2
    assert "--arg city=..." in done.stderr and "Traceback" not in done.stderr


def test_agent_prompt_with_an_unknown_name_lists_the_prompts(config):
    done = agent("prompt", "every__nothing", "-c", str(config))
    assert done.returncode == 2 and "every__simple-prompt" in done.stderr


def test_agent_resources_shows_resources_and_templates_per_server(config):
    done = agent("resources", "-c", str(config))
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("every:\n")
    assert (
        "demo://resource/dynamic/text/{resourceId}  Dynamic Text Resource [template: resourceId]"
        in (done.stdout)
    )
    listing = json.loads(agent("resources", "--json", "-c", str(config)).stdout)
    assert listing["resources"] and listing["templates"][0]["variables"] == ["resourceId"]


def test_agent_read_prints_text_and_fills_a_template_from_args(config):
    done = agent("read", "demo://resource/dynamic/text/{resourceId}", "--arg", "resourceId=4",
                 "-c", str(config))  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Resource 4: This is a plaintext resource")


def test_agent_read_describes_a_blob_and_saves_it_with_out(config, tmp_path):
    uri = "demo://resource/dynamic/blob/2"
    described = agent("read", uri, "-c", str(config))
    assert "binary: save it with --out FILE" in described.stdout
    out = tmp_path / "blob.bin"
    saved = agent("read", uri, "--server", "every", "--out", str(out), "-c", str(config))
    assert saved.returncode == 0, saved.stderr
    assert out.read_bytes().startswith(b"Resource 2: This is a base64 blob")
    as_json = json.loads(agent("read", uri, "--json", "-c", str(config)).stdout)
    assert as_json["server"] == "every" and as_json["contents"][0]["size"] == len(out.read_bytes())


def test_agent_read_of_a_uri_nobody_lists_asks_for_a_server(config):
    done = agent("read", "nowhere://thing", "-c", str(config))
    assert done.returncode == 2 and "--server" in done.stderr and "Traceback" not in done.stderr


def test_agent_tools_and_servers_show_the_definitions_cost_per_server_and_in_total(config):
    tools = agent("tools", "-c", str(config), "-m", "openai:gpt-4o")
    assert tools.returncode == 0, tools.stderr
    assert "tool definitions in tokens (openai dialect, openai:gpt-4o; estimate" in tools.stderr
    assert "of a 128,000-token context window" in tools.stderr
    assert all(line.startswith("every__") for line in tools.stdout.splitlines())
    rows = json.loads(agent("tools", "--json", "-c", str(config)).stdout)
    per_tool = sum(row["tokens"] for row in rows)
    servers = json.loads(
        agent("servers", "--json", "-c", str(config), "-m", "openai:gpt-4o").stdout
    )
    assert servers[0]["tool_tokens"] == per_tool > 0
    table = agent("servers", "-c", str(config))
    assert "TOKENS" in table.stdout.splitlines()[0] and f"{per_tool:,}" in table.stdout


def test_a_small_context_window_gets_a_warning(config):
    config.write_text(config.read_text() + "agent:\n  context: {window: 2000, tools_share: 0.1}\n")
    done = agent("tools", "-c", str(config))
    assert done.returncode == 0
    assert "agent: warning: the tool definitions take about" in done.stderr
    assert "of the model's 2,000-token context window (more than 10%)" in done.stderr


def test_a_gemini_model_with_a_key_is_counted_by_its_count_tokens_api(config, fake_gemini):
    url = json.dumps(fake_gemini.url)
    section = f"providers:\n  gemini: {{api_key: g-test, base_url: {url}}}\n"
    config.write_text(config.read_text() + section)
    done = agent("tools", "-c", str(config), "-m", "gemini:gemini-2.5-flash")
    assert done.returncode == 0, done.stderr
    assert "(gemini dialect, gemini:gemini-2.5-flash; countTokens)" in done.stderr
    counted = [r for r in fake_gemini.requests if r.path.endswith(":countTokens")]
    assert len(counted) == 1
    assert '"parameters_json_schema"' in counted[0].body["contents"][0]["parts"][0]["text"]
