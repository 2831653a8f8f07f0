"""``agent run --prompt/--attach`` end to end: the real CLI, a real SDK resource server, and
fake OpenAI, Gemini and Ollama APIs that show what reached the model in each dialect."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

from tests.bridge.mcp.conftest import SERVERS
from tests.modelfakes.script import Call, Reply

PY = json.dumps(sys.executable)
PIXEL = (
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk"
    "+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)


def config(tmp_path: Path, model: str, provider: str, extra: str = "") -> Path:
    path = tmp_path / "agent.yaml"
    server = json.dumps(str(SERVERS / "resource_server.py"))
    path.write_text(
        f"model: {model}\nproviders:\n  {provider}\n{extra}"
        f"servers:\n  res: {{command: {PY}, args: [{server}]}}\n"
    )
    return path


def agent_run(path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    return subprocess.run(
        [sys.executable, "-m", "agent", "run", "--config", str(path), *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        stdin=subprocess.DEVNULL,
    )


def openai(tmp_path: Path, fake, extra: str = "") -> Path:
    return config(
        tmp_path,
        "openai:gpt-fake",
        f"openai: {{api_key: sk-test, base_url: {json.dumps(fake.url)}}}",
        extra,
    )


def test_openai_gets_text_inline_the_image_as_an_image_and_other_binary_described(
    tmp_path, fake_openai
):
    fake_openai.script(Reply(text="Seen."))
    done = agent_run(openai(tmp_path, fake_openai), "look at these", "--attach", "notes://today",
                     "--attach", "pics://pixel", "--attach", "data://archive")  # fmt: skip
    assert done.returncode == 0, done.stderr
    user = fake_openai.bodies[0]["messages"][-1]
    assert user["role"] == "user"
    texts = [p["text"] for p in user["content"] if p["type"] == "text"]
    assert texts[0] == "look at these"
    assert texts[1] == "[resource notes://today]\nBuy milk. Call Ada."
    images = [p["image_url"]["url"] for p in user["content"] if p["type"] == "image_url"]
    assert images == [f"data:image/png;base64,{PIXEL}"]
    assert any("data://archive (application/zip" in t and "not shown" in t for t in texts)


def test_a_template_uri_gets_its_variables_from_arg(tmp_path, fake_openai):
    fake_openai.script(Reply(text="Fine."))
    done = agent_run(openai(tmp_path, fake_openai), "summarize",
                     "--attach", "notes://day/{day}", "--arg", "day=monday")  # fmt: skip
    assert done.returncode == 0, done.stderr
    user = fake_openai.bodies[0]["messages"][-1]
    assert (
        user["content"]
        == "summarize\n\n[resource notes://day/monday]\nNotes of monday: nothing much."
    )


def test_the_conversation_opens_with_the_prompt_and_the_task_follows(tmp_path, fake_openai):
    fake_openai.script(Reply(text="Reviewed."))
    done = agent_run(openai(tmp_path, fake_openai), "keep it short", "--prompt", "res__review",
                     "--arg", "text=hello wrld", "--arg", "tone=strict")  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout == "Reviewed.\n"
    messages = fake_openai.bodies[0]["messages"]
    assert messages[-2:] == [
        {"role": "user", "content": "Review this in a strict tone: hello wrld"},
        {"role": "user", "content": "keep it short"},
    ]


def test_a_prompt_alone_is_the_task(tmp_path, fake_openai):
    fake_openai.script(Reply(text="ok"))
    done = agent_run(openai(tmp_path, fake_openai), "--prompt", "res__review", "--arg", "text=x")
    assert done.returncode == 0, done.stderr
    assert fake_openai.bodies[0]["messages"][-1]["content"] == "Review this in a kind tone: x"


def test_a_prompt_missing_its_required_argument_and_an_unknown_uri_are_clear_errors(
    tmp_path, fake_openai
):
    path = openai(tmp_path, fake_openai)
    missing = agent_run(path, "--prompt", "res__review")
    assert missing.returncode == 2 and "--arg text=..." in missing.stderr
    unknown = agent_run(path, "hi", "--attach", "nowhere://x")
    assert unknown.returncode == 2 and "no server lists the resource" in unknown.stderr
    assert "Traceback" not in missing.stderr + unknown.stderr
    assert fake_openai.bodies == []


def test_gemini_gets_the_text_and_the_image_as_inline_data(tmp_path, fake_gemini):
    fake_gemini.script(Reply(text="Seen."))
    section = f"gemini: {{api_key: g-test, base_url: {json.dumps(fake_gemini.url)}}}"
    path = config(tmp_path, "gemini:gemini-fake", section)
    done = agent_run(path, "look", "--attach", "notes://today", "--attach", "pics://pixel")
    assert done.returncode == 0, done.stderr
    parts = fake_gemini.bodies[0]["contents"][-1]["parts"]
    assert parts[0] == {"text": "look"}
    assert parts[1]["text"] == "[resource notes://today]\nBuy milk. Call Ada."
    (inline,) = [p["inlineData"] for p in parts if "inlineData" in p]
    # the SDK sends bytes as url-safe base64, and its own field spelling
    assert inline.get("mimeType", inline.get("mime_type")) == "image/png"
    assert base64.urlsafe_b64decode(inline["data"]) == base64.b64decode(PIXEL)


def test_ollama_gets_the_text_in_content_and_the_image_in_images(tmp_path, fake_ollama):
    fake_ollama.script(Reply(text="Seen."))
    path = config(
        tmp_path, "ollama:llava-fake", f"ollama: {{base_url: {json.dumps(fake_ollama.url)}}}"
    )
    done = agent_run(path, "look", "--attach", "notes://today", "--attach", "pics://pixel")
    assert done.returncode == 0, done.stderr
    user = fake_ollama.bodies[0]["messages"][-1]
    assert "look" in user["content"] and "Buy milk. Call Ada." in user["content"]
    assert user["images"] == [PIXEL]


def test_the_model_lists_and_reads_resources_with_the_opt_in_tools(tmp_path, fake_openai):
    fake_openai.script(
        Reply(calls=(Call("resources__list", {}, id="l1"),)),
        Reply(calls=(Call("resources__read", {"uri": "notes://today"}, id="r1"),)),
        Reply(text="Milk."),
    )
    done = agent_run(openai(tmp_path, fake_openai, "agent: {resource_tools: true}\n"), "todo?")
    assert done.returncode == 0, done.stderr
    names = {tool["function"]["name"] for tool in fake_openai.bodies[0]["tools"]}
    assert {"resources__list", "resources__read", "res__review"} - names == {"res__review"}
    listed = [m for m in fake_openai.bodies[1]["messages"] if m["role"] == "tool"]
    assert "notes://today" in listed[0]["content"]
    read = [m for m in fake_openai.bodies[2]["messages"] if m["role"] == "tool"]
    assert read[-1]["content"] == "Buy milk. Call Ada."


def test_the_resource_tools_pass_the_approval_policy(tmp_path, fake_openai):
    fake_openai.script(
        Reply(calls=(Call("resources__read", {"uri": "notes://today"}, id="r1"),)),
        Reply(text="Denied."),
    )
    extra = "agent:\n  resource_tools: true\n  approval: {deny: ['resources__*']}\n"
    done = agent_run(openai(tmp_path, fake_openai, extra), "todo?", "--yes")
    assert done.returncode == 0, done.stderr
    assert "⊘ resources__read" in done.stderr
    result = next(m for m in fake_openai.bodies[1]["messages"] if m["role"] == "tool")
    assert "denied" in result["content"]
