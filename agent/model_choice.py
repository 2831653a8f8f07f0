"""Which model a run uses: the command line, the config, or what the environment offers."""

from __future__ import annotations

import json
import os
import sys
import urllib.request
from collections.abc import Mapping
from typing import TYPE_CHECKING

from agent.errors import UsageError

if TYPE_CHECKING:
    from config.schema import Config

__all__ = ["DEFAULT_MODELS", "choose_model"]

DEFAULT_MODELS = {"openai": "gpt-5-mini", "gemini": "gemini-2.5-flash"}
OLLAMA_DEFAULT_URL = "http://127.0.0.1:11434"

NO_MODEL = (
    "no model to use: set OPENAI_API_KEY (OpenAI) or GEMINI_API_KEY (Gemini), start Ollama "
    "with a model pulled (`ollama pull qwen3`), name one with --model provider:model "
    "or `model:` in agent.yaml, or run the small model in-process: {hint}"
)
USING_LOCAL = (
    "no model configured, no API key and no Ollama found: using the in-process local model "
    "(SmolLM2-135M-Instruct, small and offline; set OPENAI_API_KEY or GEMINI_API_KEY, or "
    "--model, for a capable one)"
)


def choose_model(
    config: Config, override: str | None = None, env: Mapping[str, str] | None = None
) -> str:
    """``provider:model`` for this run, or a UsageError saying exactly what to set."""
    env = os.environ if env is None else env
    if override:
        return override
    if config.model:
        return config.model
    if env.get("OPENAI_API_KEY"):
        return f"openai:{DEFAULT_MODELS['openai']}"
    if env.get("GEMINI_API_KEY") or env.get("GOOGLE_API_KEY"):
        return f"gemini:{DEFAULT_MODELS['gemini']}"
    base = config.providers.ollama.base_url or env.get("OLLAMA_HOST") or OLLAMA_DEFAULT_URL
    model = _first_ollama_model(base)
    if model is not None:
        return f"ollama:{model}"
    from providers.local import INSTALL_HINT, available

    if available():
        print(f"agent: {USING_LOCAL}", file=sys.stderr)
        return "local"
    raise UsageError(NO_MODEL.format(hint=INSTALL_HINT))


def _first_ollama_model(base: str) -> str | None:
    """The first model a reachable Ollama lists; None when none answers quickly."""
    if "://" not in base:
        base = f"http://{base}"
    try:
        with urllib.request.urlopen(f"{base.rstrip('/')}/api/tags", timeout=0.5) as answer:
            models = json.load(answer).get("models") or []
    except (OSError, ValueError):
        return None
    names = [m.get("name") for m in models if isinstance(m, dict) and m.get("name")]
    return str(names[0]) if names else None
