"""config/examples: every shipped example loads with the variables it documents."""

from __future__ import annotations

from pathlib import Path

import pytest

import config
from config import load

EXAMPLES = Path(config.__file__).parent / "examples"
ENV = {"OPENAI_API_KEY": "sk-test", "GITHUB_TOKEN": "ghp-test", "LEGACY_TOKEN": "t"}


def test_the_examples_cover_the_documented_cases():
    names = {path.name for path in EXAMPLES.iterdir()}
    assert {"toolbox.yaml", "fleet.yaml", "ollama.yaml", "claude-desktop.json"} <= names


@pytest.mark.parametrize("path", sorted(EXAMPLES.iterdir()), ids=lambda path: path.name)
def test_each_example_loads(path):
    loaded = load(path, env=ENV)
    assert loaded.source == path
    assert loaded.servers


def test_the_fleet_example_mixes_stdio_and_remote_servers():
    fleet = load(EXAMPLES / "fleet.yaml", env=ENV)
    kinds = {name: server.kind for name, server in fleet.servers.items()}
    assert kinds == {
        "fs": "stdio",
        "memory": "stdio",
        "deepwiki": "auto",
        "github": "http",
        "everything": "stdio",
    }
    assert fleet.servers["everything"].enabled is False


def test_the_ollama_example_runs_locally_by_default():
    local = load(EXAMPLES / "ollama.yaml", env={})
    assert (local.provider, local.providers.ollama.base_url) == ("ollama", "http://localhost:11434")
    assert local.providers.ollama.options == {"num_ctx": 16384, "temperature": 0.2}
