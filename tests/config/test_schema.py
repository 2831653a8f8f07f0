"""config/schema.py: defaults, server kinds and the rules a valid config keeps."""

from __future__ import annotations

import pydantic
import pytest

from config import Config, ServerConfig


def test_an_empty_config_has_the_documented_defaults():
    config = Config()
    assert config.model is None
    assert (config.agent.max_turns, config.agent.parallel_tool_calls) == (20, True)
    assert config.agent.tool_choice == "auto"
    approval = config.agent.approval
    assert (approval.allow, approval.ask, approval.deny, approval.sampling) == (
        ("*",),
        (),
        (),
        "ask",
    )
    assert config.providers.gemini.api_version == "v1beta"
    assert config.servers == {}


def test_a_server_has_documented_defaults():
    server = ServerConfig(command="npx")
    assert (server.enabled, server.startup_timeout, server.call_timeout) == (True, 30, 120)
    assert (server.restart.policy, server.restart.max_restarts) == ("on-failure", 3)
    assert (server.tools.include, server.tools.exclude) == (("*",), ())


@pytest.mark.parametrize(
    ("fields", "kind"),
    [
        ({"command": "npx"}, "stdio"),
        ({"command": "npx", "transport": "stdio"}, "stdio"),
        ({"url": "https://x/mcp"}, "auto"),
        ({"url": "https://x/mcp", "transport": "http"}, "http"),
        ({"url": "https://x/sse", "transport": "sse"}, "sse"),
    ],
)
def test_kind_follows_command_or_url_and_transport(fields, kind):
    assert ServerConfig(**fields).kind == kind


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"command": "npx", "transport": "http"}, "transport http needs `url`"),
        ({"url": "https://x", "transport": "stdio"}, "transport stdio needs `command`"),
        ({"url": "https://x", "args": ["a"]}, "args apply to `command` servers only"),
        ({"command": "npx", "headers": {"A": "b"}}, "`headers` apply to `url` servers only"),
        ({"url": "ftp://x"}, "expected an http:// or https:// URL"),
        ({"command": "npx", "prefix": "a.b"}, "a prefix may use only letters"),
    ],
)
def test_contradictory_server_settings_are_rejected(fields, message):
    with pytest.raises(pydantic.ValidationError, match=message):
        ServerConfig(**fields)


def test_restart_takes_a_policy_name_as_shorthand():
    assert ServerConfig(command="x", restart="never").restart.policy == "never"
    full = ServerConfig(command="x", restart={"policy": "always", "backoff": 0.5})
    assert (full.restart.policy, full.restart.backoff) == ("always", 0.5)


def test_models_are_frozen():
    with pytest.raises(pydantic.ValidationError):
        Config().agent.max_turns = 3  # type: ignore[misc]


def test_model_is_provider_colon_name():
    config = Config(model="ollama:qwen3:8b")
    assert (config.provider, config.model_name) == ("ollama", "qwen3:8b")
    with pytest.raises(pydantic.ValidationError, match="expected provider:model"):
        Config(model="gpt-5")
    with pytest.raises(pydantic.ValidationError, match="did you mean 'gemini'"):
        Config(model="gemnii:gemini-2.5-flash")


def test_openai_capabilities_override_what_the_model_can_do():
    config = Config.model_validate(
        {
            "providers": {
                "openai": {"capabilities": {"native_tools": False, "tool_choice": ["auto"]}}
            }
        }
    )
    assert config.providers.openai.capabilities.native_tools is False
    assert config.providers.openai.capabilities.tool_choice == ("auto",)
