"""The neutral vocabulary: capabilities from config, tool choice modes, message helpers."""

from __future__ import annotations

import pytest

from config.errors import ConfigError
from providers import Capabilities, ImagePart, TextPart, ToolResultMessage, UserMessage
from providers.types import choice_mode


def test_capability_overrides_from_config_replace_fields():
    base = Capabilities(dialect="openai")

    changed = base.with_overrides({"native_tools": False, "tool_choice": ["auto"]})

    assert changed.native_tools is False and changed.tool_choice == frozenset({"auto"})
    assert base.native_tools is True


def test_unknown_capability_is_a_config_error_naming_the_known_ones():
    with pytest.raises(ConfigError, match="native_tools"):
        Capabilities(dialect="openai").with_overrides({"native_tool": False})


def test_unknown_tool_choice_mode_is_a_config_error():
    with pytest.raises(ConfigError, match="auto, none, required or named"):
        Capabilities(dialect="openai").with_overrides({"tool_choice": ["any"]})


@pytest.mark.parametrize(
    ("choice", "mode"),
    [("auto", "auto"), ("none", "none"), ("required", "required"), ("srv__tool", "named")],
)
def test_a_tool_name_is_the_named_choice_mode(choice, mode):
    assert choice_mode(choice) == mode


def test_supports_choice_needs_native_tools_and_the_mode():
    caps = Capabilities(dialect="ollama", tool_choice=frozenset({"auto"}))

    assert caps.supports_choice("auto") and not caps.supports_choice("srv__tool")
    assert not Capabilities(dialect="openai", native_tools=False).supports_choice("auto")


def test_user_message_text_and_parts_agree():
    plain = UserMessage("hello")
    mixed = UserMessage((TextPart("look"), ImagePart("aGk=", "image/png"), TextPart("here")))

    assert plain.parts == (TextPart("hello"),) and plain.text == "hello"
    assert mixed.text == "look\nhere"


def test_tool_result_text_joins_its_text_parts():
    result = ToolResultMessage("c1", "t", (TextPart("a"), TextPart("b")), is_error=True)

    assert result.text == "a\nb" and result.is_error
