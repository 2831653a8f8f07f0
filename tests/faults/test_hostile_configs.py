"""Hostile and careless configs through the real CLI: exit 2, a located message, fast.

Each case runs ``agent config check --config FILE`` in a subprocess, as a person would.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from config.limits import MAX_CONFIG_BYTES

# Generous for a loaded 2-core machine; the work itself takes well under a second
# (Python's start-up and imports are most of it).
WALL_BOUND = 5.0

BILLION_LAUGHS = "".join(
    f"{name}: &{name} [{','.join([f'*{prev}'] * 9)}]\n"
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True)
)
BILLION_LAUGHS = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + BILLION_LAUGHS


def check(path: Path | str, **env: str) -> tuple[subprocess.CompletedProcess[str], float]:
    """Run ``agent config check`` on ``path``; return the result and the wall time."""
    environ = {k: v for k, v in os.environ.items() if k != "AGENT_CONFIG"}
    environ.update(env)
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "agent", "config", "check", "--config", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        env=environ,
    )
    return done, time.monotonic() - started


def assert_located_exit_2(
    done: subprocess.CompletedProcess[str], seconds: float, location: str
) -> str:
    """The common verdict: exit 2, one clear error naming ``location``, no traceback."""
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert done.stderr.startswith(f"agent: error: {location}"), done.stderr
    assert done.stdout == ""
    assert seconds < WALL_BOUND
    return done.stderr


def test_a_342_byte_alias_bomb_is_refused_at_the_alias_that_crosses_the_value_cap(tmp_path):
    path = tmp_path / "bomb.yaml"
    path.write_text(BILLION_LAUGHS, encoding="utf-8")
    assert len(BILLION_LAUGHS.encode()) == 342
    done, seconds = check(path)
    message = assert_located_exit_2(done, seconds, f"{path}:5:")
    assert "e[0]: more than 10000 values (aliases counted as what they expand to)" in message


@pytest.mark.parametrize(
    ("style", "text"),
    [
        ("flow", "servers: " + "[" * 5000 + "]" * 5000 + "\n"),
        ("block sequence", "servers:\n" + "- " * 5000 + "x\n"),
        ("flow mapping", "servers: " + "{a: " * 5000 + "1" + "}" * 5000 + "\n"),
    ],
)
def test_5000_levels_of_nesting_are_refused_where_they_cross_64(tmp_path, style, text):
    path = tmp_path / "deep.yaml"
    path.write_text(text, encoding="utf-8")
    done, seconds = check(path)
    message = assert_located_exit_2(done, seconds, f"{path}:")
    assert "nested deeper than 64 levels" in message
    assert "RecursionError" not in message


def test_a_50_mb_config_is_refused_before_it_is_parsed(tmp_path):
    path = tmp_path / "huge.yaml"
    entry = "  s{}: {{command: echo, args: [a, b, c]}}\n"
    with path.open("w", encoding="utf-8") as out:
        out.write("servers:\n")
        out.writelines(entry.format(i) for i in range(1_300_000))
    assert path.stat().st_size > 50 * 1024 * 1024
    done, seconds = check(path)
    message = assert_located_exit_2(done, seconds, f"{path}: ")
    assert f"larger than {MAX_CONFIG_BYTES // 2**20} MiB" in message


def test_a_file_just_under_the_size_cap_with_too_many_values_is_refused_quickly(tmp_path):
    path = tmp_path / "wide.yaml"
    path.write_text("servers: [" + "1," * (MAX_CONFIG_BYTES // 2 - 10) + "1]\n", "utf-8")
    done, seconds = check(path)
    message = assert_located_exit_2(done, seconds, f"{path}:1:")
    assert "servers[9997]: more than 10000 values" in message


def test_a_file_that_is_not_utf8_names_the_line_of_the_bad_byte(tmp_path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes("servers:\n  fs:\n    command: café\n".encode("latin-1"))
    done, seconds = check(path)
    message = assert_located_exit_2(done, seconds, f"{path}:3:17: ")
    assert "not UTF-8 (byte 0xe9); save it as UTF-8" in message


def test_a_directory_instead_of_a_file_says_so(tmp_path):
    done, seconds = check(tmp_path)
    message = assert_located_exit_2(done, seconds, f"{tmp_path} is a directory")
    assert "name the file in it" in message


def test_a_config_that_is_a_list_asks_for_a_mapping(tmp_path):
    path = tmp_path / "list.yaml"
    path.write_text("- servers\n- model\n", encoding="utf-8")
    done, seconds = check(path)
    message = assert_located_exit_2(done, seconds, f"{path}:1:1: ")
    assert "expected a mapping of sections" in message


def test_an_unset_variable_names_file_line_and_key(tmp_path):
    path = tmp_path / "env.yaml"
    path.write_text(
        "servers:\n  fs:\n    command: npx\n    env: {TOKEN: '${HOSTILE_UNSET_VAR}'}\n",
        encoding="utf-8",
    )
    done, seconds = check(path)
    message = assert_located_exit_2(done, seconds, f"{path}:4:18: servers.fs.env.TOKEN: ")
    assert "${HOSTILE_UNSET_VAR} is not set" in message


def test_escape_sequences_in_a_key_name_reach_the_terminal_neutralised(tmp_path):
    path = tmp_path / "escape.yaml"
    # A double-quoted YAML key may spell ESC, BEL and the one-byte CSI as escapes.
    path.write_text(
        'servers:\n  fs:\n    command: npx\n    "\\e]52;c;aGk=\\a\\e[2J\\x9b31m": 1\n', "utf-8"
    )
    done, seconds = check(path)
    message = assert_located_exit_2(done, seconds, f"{path}:4:5: ")
    assert "unknown key" in message
    assert not any(char in message for char in "\x1b\x07\x9b")
    assert "]52;c;aGk=" in message  # the rest stays readable, without effect


def test_a_claude_desktop_json_bomb_is_refused_like_yaml(tmp_path):
    path = tmp_path / "claude_desktop_config.json"
    path.write_text('{"mcpServers": ' + "[" * 5000 + "]" * 5000 + "}", encoding="utf-8")
    done, seconds = check(path)
    message = assert_located_exit_2(done, seconds, f"{path}:1:")
    assert "mcpServers[0][0][0][0][0]…: nested deeper than 64 levels" in message


def test_a_control_character_in_the_file_names_its_line_and_column(tmp_path):
    path = tmp_path / "nul.yaml"
    path.write_text("servers:\n  fs:\n    command: np\x00x\n", encoding="utf-8")
    done, seconds = check(path)
    message = assert_located_exit_2(done, seconds, f"{path}:3:16: ")
    assert 'character U+0000 is not allowed in YAML; remove it, or write it as "\\x00"' in message


def test_an_infinite_timeout_is_refused_because_every_wait_is_bounded(tmp_path):
    path = tmp_path / "forever.yaml"
    path.write_text("servers:\n  fs: {command: npx, startup_timeout: .inf}\n", encoding="utf-8")
    done, seconds = check(path)
    message = assert_located_exit_2(done, seconds, f"{path}:2:")
    assert "servers.fs.startup_timeout: must be a finite number of seconds, got the number inf" in (
        message
    )
