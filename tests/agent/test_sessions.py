"""Saved chat sessions: JSONL round trips, listing, finding, and the ``agent sessions`` command."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from agent.errors import UsageError
from agent.sessions import SessionFile, list_sessions, sessions_dir
from config.secrets import remember
from providers.types import (
    AssistantMessage,
    ImagePart,
    SystemMessage,
    TextPart,
    ToolCall,
    ToolResultMessage,
    UserMessage,
)

CHAT = [
    SystemMessage("be brief"),
    UserMessage("first line\nsecond line"),
    UserMessage((TextPart("look"), ImagePart("aGk=", "image/png"))),
    AssistantMessage(
        "calling",
        (ToolCall("c1", "box__echo", {"text": "x"}), ToolCall("c2", "box__echo", {}, "{bad")),
        provider_state={"parts": [{"thoughtSignature": "c2ln"}]},
    ),
    ToolResultMessage("c1", "box__echo", (TextPart("x"),)),
    ToolResultMessage("c2", "box__echo", (TextPart("bad json"),), is_error=True),
    AssistantMessage("done"),
]


def test_every_message_kind_survives_a_round_trip_one_line_each(tmp_path):
    session = SessionFile.create(tmp_path)
    session.save(CHAT)
    lines = session.path.read_text().splitlines()
    assert len(lines) == len(CHAT)
    assert json.loads(lines[3])["provider_state"] == {"parts": [{"thoughtSignature": "c2ln"}]}
    loaded = SessionFile(session.path).load()
    assert loaded == CHAT
    assert loaded[3].provider_state == CHAT[3].provider_state


def test_saving_appends_only_new_messages_and_skips_state_that_is_not_json(tmp_path):
    session = SessionFile.create(tmp_path)
    messages = [UserMessage("hi")]
    session.save(messages)
    messages.append(AssistantMessage("yo", provider_state=object()))
    session.save(messages)
    session.save(messages)
    lines = [json.loads(line) for line in session.path.read_text().splitlines()]
    assert lines == [{"role": "user", "content": "hi"}, {"role": "assistant", "text": "yo"}]


def test_an_empty_chat_writes_no_file(tmp_path):
    session = SessionFile.create(tmp_path)
    session.save([])
    assert not session.path.exists() and list_sessions(tmp_path) == []


def test_sessions_are_listed_newest_first_and_found_by_id_prefix_or_latest(tmp_path):
    old, new = SessionFile(tmp_path / "20240101-000000-aaaa.jsonl"), SessionFile.create(tmp_path)
    old.save([UserMessage("old question")])
    new.save(CHAT)
    os.utime(old.path, (1_000_000, 1_000_000))
    rows = list_sessions(tmp_path)
    assert [r.id for r in rows] == [new.id, old.id]
    assert (rows[0].first_line, rows[0].count) == ("first line", len(CHAT))
    assert SessionFile.find(tmp_path).path == new.path
    assert SessionFile.find(tmp_path, "20240101").path == old.path
    with pytest.raises(UsageError, match="no session matches 'nope'"):
        SessionFile.find(tmp_path, "nope")


def test_no_saved_session_says_how_to_start_one(tmp_path):
    with pytest.raises(UsageError, match="agent chat"):
        SessionFile.find(tmp_path / "none")


def test_the_data_dir_follows_xdg_and_defaults_to_local_share(tmp_path):
    assert sessions_dir({"XDG_DATA_HOME": str(tmp_path)}) == tmp_path / "agent" / "sessions"
    assert sessions_dir({}).parts[-4:] == (".local", "share", "agent", "sessions")


def agent(*args: str, data) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "XDG_DATA_HOME": str(data)}
    return subprocess.run(
        [sys.executable, "-m", "agent", *args], capture_output=True, text=True, timeout=60, env=env
    )


def test_agent_sessions_lists_id_date_count_and_first_line(tmp_path):
    assert "no saved sessions" in agent("sessions", data=tmp_path).stdout
    session = SessionFile.create(sessions_dir({"XDG_DATA_HOME": str(tmp_path)}))
    session.save(CHAT)
    done = agent("sessions", data=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(session.id)
    assert f"{len(CHAT)} msgs  first line" in done.stdout


def test_agent_chat_resume_without_sessions_fails_before_the_screen_opens(tmp_path):
    config = tmp_path / "agent.yaml"
    config.write_text("model: openai:gpt-x\nproviders:\n  openai: {api_key: sk-x}\nservers: {}\n")
    done = agent("chat", "--config", str(config), "--resume", data=tmp_path)
    assert done.returncode == 2
    assert "there is no saved session" in done.stderr


def test_session_files_are_readable_by_the_user_only(tmp_path):
    import stat

    from agent.sessions import SessionFile
    from providers.types import UserMessage

    session = SessionFile(tmp_path / "sessions" / "s1.jsonl")
    session.save([UserMessage("my secret plan")])
    assert stat.S_IMODE(session.path.stat().st_mode) == 0o600
    assert stat.S_IMODE(session.path.parent.stat().st_mode) == 0o700


def test_a_saved_session_masks_secrets_and_keeps_media_whole(tmp_path):
    remember("sk-live-0123456789")
    remember("aGk=")  # a secret that happens to be inside an image's base64
    session = SessionFile.create(tmp_path)
    session.save(
        [
            UserMessage((TextPart("my key is sk-live-0123456789"), ImagePart("aGk=", "image/png"))),
            AssistantMessage("ok", (ToolCall("c1", "box__echo", {"data": "sk-live-0123456789"}),)),
            ToolResultMessage("c1", "box__echo", (TextPart("echo sk-live-0123456789"),)),
        ]
    )
    saved = session.path.read_text()
    assert "sk-live-0123456789" not in saved and saved.count("***") == 3
    user = SessionFile(session.path).load()[0]
    assert isinstance(user, UserMessage) and user.content[1] == ImagePart("aGk=", "image/png")
