"""Property-based fuzzing of the config loader: whatever the file says, only ConfigError.

Arbitrary text, arbitrary nested data dumped as YAML (and as JSON), and mutations of the
shipped examples go through ``config.load`` as files: each either loads or raises
ConfigError (exit 2) with a message naming the file. No RecursionError, no pydantic
ValidationError, no YAML error of its own escapes.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import config
from config import ConfigError, load

FUZZ = settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
EXAMPLES = sorted((Path(config.__file__).parent / "examples").iterdir())
ENV = {"OPENAI_API_KEY": "sk-test", "GITHUB_TOKEN": "ghp-test", "LEGACY_TOKEN": "t"}
KEYS = [
    "model", "providers", "agent", "servers", "mcpServers", "openai", "gemini", "ollama",
    "api_key", "base_url", "options", "approval", "allow", "ask", "deny", "sampling",
    "max_turns", "tool_choice", "command", "args", "env", "cwd", "url", "headers",
    "transport", "type", "timeout", "disabled", "enabled", "tools", "include", "exclude",
    "restart", "roots", "auth", "prefix", "call_timeout", "startup_timeout", "<<",
]  # fmt: skip

scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=12)
    | st.sampled_from(["${OPENAI_API_KEY}", "${UNSET_FUZZ_VAR}", "${", "$$", "stdio", "http"])
)
keys = st.sampled_from(KEYS) | st.text(max_size=8)
data = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=5),
    max_leaves=25,
)
YAML_PIECES = [
    "&a ", "*a", "<<: *a\n", "[", "]", "{", "}", ": ", "- ", "\n", "  ", "\t", "#",
    "!!python/object:os.system ", "!!binary ", "? ", "|\n", ">\n", '"\\e"', "'", "---\n",
    "...\n", "%YAML 1.1\n", "servers:\n", "mcpServers:\n", "command: x\n", "\x00", "\ufeff",
]  # fmt: skip


def load_text(tmp_path: Path, text: str | bytes, name: str = "agent.yaml") -> None:
    """Write ``text`` to a file and load it: it must load or raise a located ConfigError."""
    path = tmp_path / name
    if isinstance(text, str):
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
    else:
        path.write_bytes(text)
    try:
        load(path, env=ENV)
    except ConfigError as error:
        assert str(path) in str(error)
        assert error.exit_code == 2


@FUZZ
@given(
    text=st.text(max_size=300)
    | st.lists(st.sampled_from([*YAML_PIECES, "a", "b", ":", "-"]), max_size=60).map("".join)
)
@example(text="a: &x [*x]\n")
@example(text="[" * 2000)
@example(text="- " * 2000 + "x")
@example(text="servers: !!python/object:os.system {}")
def test_any_text_loads_or_raises_config_error(tmp_path, text):
    load_text(tmp_path, text)


@FUZZ
@given(text=st.binary(max_size=200))
def test_any_bytes_load_or_raise_config_error(tmp_path, text):
    load_text(tmp_path, text)


@FUZZ
@given(value=data)
def test_any_nested_data_dumped_to_yaml_loads_or_raises_config_error(tmp_path, value):
    load_text(tmp_path, yaml.safe_dump(value, allow_unicode=True))


@FUZZ
@given(value=data, top=st.dictionaries(st.sampled_from(KEYS[:5]), data, max_size=4))
def test_nested_data_under_the_real_sections_loads_or_raises_config_error(tmp_path, value, top):
    top = {**top, "servers": {"s": value}} if isinstance(value, dict) else top
    load_text(tmp_path, yaml.safe_dump(top, allow_unicode=True))
    load_text(tmp_path, json.dumps(top), "claude_desktop_config.json")


@st.composite
def mutated_example(draw: Any) -> tuple[str, str]:
    """A shipped example with a few characters deleted, replaced or inserted."""
    path = draw(st.sampled_from(EXAMPLES))
    text = path.read_text(encoding="utf-8")
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(text)))
        piece = draw(st.sampled_from(YAML_PIECES) | st.text(max_size=3))
        cut = draw(st.integers(0, 3))
        text = text[:at] + piece + text[at + cut :]
    return path.name, text


@FUZZ
@given(case=mutated_example())
def test_mutated_examples_load_or_raise_config_error(tmp_path, case):
    name, text = case
    load_text(tmp_path, text, name)
