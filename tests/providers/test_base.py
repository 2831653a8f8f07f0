"""The registry: parsing ``provider:model``, building providers lazily, checking settings."""

from __future__ import annotations

import json
import subprocess
import sys
from contextlib import aclosing

import pytest

from config.errors import ConfigError
from providers import ChatRequest, Finish, Provider, UserMessage, create, parse_model, register
from providers.base import _FACTORIES, provider_names
from providers.types import Capabilities

SDKS = ("openai", "google.genai", "ollama")


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("openai:gpt-5-mini", ("openai", "gpt-5-mini")),
        ("gemini:gemini-2.5-flash", ("gemini", "gemini-2.5-flash")),
        ("ollama:qwen3:8b", ("ollama", "qwen3:8b")),
    ],
)
def test_parse_model_splits_at_the_first_colon(spec, expected):
    assert parse_model(spec) == expected


@pytest.mark.parametrize("spec", ["gpt-5-mini", "llama3:8b", "openai:"])
def test_model_without_known_prefix_names_the_valid_prefixes(spec):
    with pytest.raises(ConfigError) as caught:
        parse_model(spec)

    message = str(caught.value)
    assert "gemini, local, ollama, openai" in message and "openai:gpt-5-mini" in message


def test_unknown_provider_name_is_a_config_error():
    with pytest.raises(ConfigError, match="unknown provider 'anthropic'"):
        create("anthropic", "claude")


def test_unknown_setting_lists_the_accepted_ones():
    with pytest.raises(ConfigError) as caught:
        create("ollama", "qwen3", hostname="x")

    assert "base_url" in str(caught.value) and "think" in str(caught.value)


class _Echo:
    name = "echo"
    capabilities = Capabilities(dialect="openai", native_tools=False)

    def __init__(self, model: str, *, greeting: str = "hi") -> None:
        self.model = model
        self.greeting = greeting
        self.closed = False

    async def stream(self, request):
        yield Finish("stop")

    async def aclose(self) -> None:
        self.closed = True


async def test_registered_callable_factories_are_built_with_their_settings():
    register("echo", _Echo)
    try:
        assert "echo" in provider_names()
        made = create("echo", "m", greeting="hello")
        assert isinstance(made, Provider)
        async with aclosing(made):
            events = [e async for e in made.stream(ChatRequest([UserMessage("x")]))]
        assert events == [Finish("stop")] and made.closed
    finally:
        _FACTORIES.pop("echo")


def _modules_after(code: str) -> dict[str, bool]:
    report = f"print(json.dumps({{m: m in sys.modules for m in {SDKS!r}}}))"
    probe = f"import json, sys\n{code}\n{report}"
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    return json.loads(out.stdout)


def test_importing_providers_loads_no_sdk():
    loaded = _modules_after("import providers, providers.base, providers.types")

    assert not any(loaded.values()), loaded


def test_creating_one_provider_loads_only_its_sdk():
    loaded = _modules_after(
        "import providers\nproviders.create('ollama', 'qwen3', base_url='http://127.0.0.1:9')"
    )

    assert loaded == {"openai": False, "google.genai": False, "ollama": True}
