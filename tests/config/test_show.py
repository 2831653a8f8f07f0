"""config/show.py: masked data for `agent config show`, lines for `agent config check`."""

from __future__ import annotations

import json

from config import default_config, load, masked, summarize

ENV = {"OPENAI_API_KEY": "sk-live-123", "TOKEN": "tok-456", "DIR": "/srv/data"}


def _load(write):
    path = write("""
        model: openai:gpt-5-mini
        providers:
          openai: {api_key: "${OPENAI_API_KEY}"}
          gemini: {api_key: literal-gemini-key}
        servers:
          fs:
            command: npx
            args: [-y, server-filesystem, "${DIR}"]
            env: {GITHUB_TOKEN: literal-ghp, LOG_LEVEL: debug}
          remote:
            url: https://example.com/mcp
            headers:
              Authorization: Bearer ${TOKEN}
              X-Trace: "on"
        """)
    return load(path, env=ENV)


def test_values_from_variables_are_masked(write):
    data = masked(_load(write))
    assert data["providers"]["openai"]["api_key"] == "***"
    assert data["servers"]["remote"]["headers"]["Authorization"] == "***"
    assert data["servers"]["fs"]["args"] == ["-y", "server-filesystem", "***"]
    text = json.dumps(data)
    assert not any(secret in text for secret in ENV.values())


def test_literal_credentials_are_masked_too(write):
    data = masked(_load(write))
    assert data["providers"]["gemini"]["api_key"] == "***"
    assert data["servers"]["fs"]["env"] == {"GITHUB_TOKEN": "***", "LOG_LEVEL": "debug"}
    assert data["servers"]["remote"]["headers"]["X-Trace"] == "on"


def test_the_config_itself_keeps_the_real_values(write):
    config = _load(write)
    assert config.providers.openai.api_key == "sk-live-123"
    assert config.servers["remote"].headers["Authorization"] == "Bearer tok-456"


def test_summarize_names_the_source_the_model_and_each_server(write):
    config = _load(write)
    lines = summarize(config)
    assert lines[:3] == [
        f"config: {config.source}",
        "model: openai:gpt-5-mini",
        "servers: 2 (2 enabled)",
    ]
    assert lines[3] == "  fs      stdio  npx -y server-filesystem '***'"
    assert lines[4] == "  remote  auto   https://example.com/mcp"


def test_summarize_explains_the_embedded_default():
    lines = summarize(default_config())
    assert lines[0] == "config: embedded default (no config file found)"
    assert lines[1] == "model: not set (chosen from the environment)"
    assert lines[3].startswith("  toolbox  stdio  ")
    assert lines[3].endswith("-m agent.toolbox")
