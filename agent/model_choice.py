"""Which model a run uses, in words: the command line, the config, or what the environment
offers (``providers.discovery`` looks; this module says what it chose, or what to set).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING

from agent.errors import UsageError

if TYPE_CHECKING:
    from config.schema import Config

__all__ = ["NO_MODEL", "USING_LOCAL", "choose_model"]

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


async def choose_model(
    config: Config, override: str | None = None, env: Mapping[str, str] | None = None
) -> str:
    """``provider:model`` for this run, or a UsageError saying exactly what to set."""
    if override:
        return override
    if config.model:
        return config.model
    from providers.discovery import discover_model

    env = os.environ if env is None else env
    spec = await discover_model(env, config.providers.ollama.base_url)
    if spec == "local":
        print(f"agent: {USING_LOCAL}", file=sys.stderr)
    if spec is None:
        from providers.local import INSTALL_HINT

        raise UsageError(NO_MODEL.format(hint=INSTALL_HINT))
    return spec
