"""config/compat.py: Claude Desktop, .mcp.json, Cursor and friends load unchanged."""

from __future__ import annotations

import json

import pytest

from config import ConfigError, load

CLAUDE_DESKTOP = {
    "mcpServers": {
        "filesystem": {
            "command": "npx",
            "args": ["-y", "@modelcontextprotocol/server-filesystem", "/Users/me/Desktop"],
        },
        "github": {
            "command": "docker",
            "args": ["run", "-i", "--rm", "-e", "GITHUB_PERSONAL_ACCESS_TOKEN", "ghcr.io/github"],
            "env": {"GITHUB_PERSONAL_ACCESS_TOKEN": "ghp_literal"},
        },
    },
    "globalShortcut": "Alt+Space",
    "preferences": {"menuBarEnabled": False},
}


def test_a_claude_desktop_file_loads_unchanged(write):
    path = write(json.dumps(CLAUDE_DESKTOP, indent=2), "claude_desktop_config.json")
    config = load(path, env={})
    assert list(config.servers) == ["filesystem", "github"]
    fs = config.servers["filesystem"]
    assert (fs.kind, fs.command, fs.args[-1]) == ("stdio", "npx", "/Users/me/Desktop")
    assert config.servers["github"].env == {"GITHUB_PERSONAL_ACCESS_TOKEN": "ghp_literal"}


def test_a_dot_mcp_json_with_types_and_remote_servers_loads(write):
    path = write(
        """
        {
          "mcpServers": {
            "local": {"type": "stdio", "command": "uvx", "args": ["mcp-server-time"], "env": {}},
            "a": {"type": "http", "url": "https://a.example/mcp"},
            "b": {"type": "streamable-http", "url": "https://b.example/mcp"},
            "c": {"type": "streamableHttp", "url": "https://c.example/mcp",
                  "headers": {"Authorization": "Bearer ${TOKEN}"}},
            "d": {"type": "sse", "url": "https://d.example/sse"},
            "e": {"url": "https://e.example/mcp"}
          }
        }
        """,
        ".mcp.json",
    )
    config = load(path, env={"TOKEN": "t"})
    kinds = {name: server.kind for name, server in config.servers.items()}
    assert kinds == {
        "local": "stdio",
        "a": "http",
        "b": "http",
        "c": "http",
        "d": "sse",
        "e": "auto",
    }
    assert config.servers["c"].headers == {"Authorization": "Bearer t"}
    assert ("servers", "c", "headers", "Authorization") in config.secret_paths


def test_common_foreign_keys_map_or_are_ignored(write):
    path = write(
        """
        mcpServers:
          cline:
            command: npx
            disabled: true
            autoApprove: [read_file]
            alwaysAllow: [list]
            timeout: 90
            disabledTools: [write_file]
          gemini_cli:
            httpUrl: https://g.example/mcp
            timeout: 600000
            includeTools: [search]
            trust: true
        """,
        "mcp.yaml",
    )
    config = load(path, env={})
    cline, gemini = config.servers["cline"], config.servers["gemini_cli"]
    assert (cline.enabled, cline.call_timeout, cline.tools.exclude) == (False, 90, ("write_file",))
    assert (gemini.url, gemini.kind, gemini.call_timeout) == ("https://g.example/mcp", "http", 600)
    assert gemini.tools.include == ("search",)


def test_env_file_is_refused_with_advice(write):
    path = write("mcpServers:\n  s:\n    command: x\n    envFile: .env\n")
    with pytest.raises(ConfigError) as caught:
        load(path, env={})
    assert caught.value.location == f"{path}:4:5"
    assert "envFile is not supported; put the variables under `env:`" in str(caught.value)


def test_an_error_in_an_mcp_servers_entry_names_the_key_as_written(write):
    path = write("mcpServers:\n  s:\n    type: pigeon\n    url: https://x\n")
    with pytest.raises(ConfigError) as caught:
        load(path, env={})
    assert caught.value.location == f"{path}:3:11"
    assert caught.value.key == "mcpServers.s.type"
    assert "expected one of auto, http, sse, stdio" in str(caught.value)


def test_servers_and_mcp_servers_merge(write):
    path = write("""
        servers:
          a: {command: x}
        mcpServers:
          b: {command: y}
        """)
    assert list(load(path, env={}).servers) == ["a", "b"]


def test_a_name_in_both_servers_and_mcp_servers_is_an_error(write):
    path = write("""
        servers:
          a: {command: x}
        mcpServers:
          a: {command: y}
        """)
    with pytest.raises(ConfigError) as caught:
        load(path, env={})
    assert caught.value.location == f"{path}:4:3"
    assert "server 'a' is also defined under `servers`; rename one" in str(caught.value)


def test_unknown_top_level_keys_fail_in_our_own_files(write):
    path = write("model: ollama:qwen3\nmcpServers: {}\npreferences: {}\n")
    with pytest.raises(ConfigError, match="unknown key 'preferences'"):
        load(path, env={})
