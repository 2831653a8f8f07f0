"""What the fleet's tool definitions cost in the model's context, per server and in total.

The count is the provider's own where its API has one and a key is configured (Gemini's
``countTokens`` over the declarations' JSON, through ``providers``); otherwise it is an
estimate: the characters of each tool's definition as its dialect sends it (name,
description and converted schema as JSON) divided by four, a common rule of thumb for
English and JSON with BPE tokenizers. ``ToolBudget.method`` says which. A warning is due
when the total passes ``agent.context.tools_share`` of the model's context window (the
``CONTEXT_WINDOWS`` table by model family, or ``agent.context.window``).
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from providers.types import ToolSpec

if TYPE_CHECKING:
    from bridge.toolset import FleetToolset
    from config.schema import Config

__all__ = [
    "CHARS_PER_TOKEN",
    "CONTEXT_WINDOWS",
    "ESTIMATE",
    "ToolBudget",
    "context_window",
    "dialect_of",
    "estimate_by_server",
    "estimate_tokens",
    "measure",
    "spec_json",
    "tool_budget",
]

CHARS_PER_TOKEN = 4
ESTIMATE = "estimate (characters/4 of the definitions' JSON)"

# Longest prefix of the model's name wins; windows in tokens, from the vendors' model pages.
CONTEXT_WINDOWS: dict[str, int] = {
    "gpt-5": 400_000,
    "gpt-4.1": 1_047_576,
    "gpt-4o": 128_000,
    "gpt-4": 8_192,
    "gpt-4-turbo": 128_000,
    "gpt-3.5": 16_385,
    "o1": 200_000,
    "o3": 200_000,
    "o4": 200_000,
    "gemini-1.5": 1_048_576,
    "gemini-2": 1_048_576,
    "gemini-3": 1_048_576,
    "qwen3": 40_960,
    "qwen2.5": 32_768,
    "llama3": 131_072,
    "mistral": 32_768,
    "gemma3": 131_072,
    "smollm2": 8_192,
}

# The dialect each provider sends its schemas in, known without creating the provider.
_DIALECTS = {"openai": "openai", "gemini": "gemini", "ollama": "ollama", "local": "openai"}

Counter = Callable[[list[str]], Awaitable[list[int]]]
"""Counts the tokens of each text with the provider's own tokenizer."""


@dataclass(frozen=True)
class ToolBudget:
    """Tokens of the tool definitions per server and in total, and the warning if any."""

    dialect: str
    method: str
    per_server: dict[str, int] = field(default_factory=dict)
    window: int | None = None
    share: float = 0.25

    @property
    def total(self) -> int:
        return sum(self.per_server.values())

    @property
    def fraction(self) -> float | None:
        """The share of the context window the definitions take (None: window unknown)."""
        return self.total / self.window if self.window else None

    @property
    def warning(self) -> str | None:
        """What to tell the person when the definitions pass their share of the window."""
        fraction = self.fraction
        if fraction is None or fraction <= self.share:
            return None
        return (
            f"the tool definitions take about {self.total:,} tokens, {fraction:.0%} of the "
            f"model's {self.window:,}-token context window (more than {self.share:.0%}); "
            "filter servers' tools (tools.exclude) or set agent.tool_search.threshold"
        )


def dialect_of(model: str) -> str:
    """The schema dialect of ``provider:model`` (openai when the provider is not known)."""
    return _DIALECTS.get(model.partition(":")[0], "openai")


def context_window(model: str, override: int | None = None) -> int | None:
    """The context window of ``provider:model``: ``override``, else the table's longest
    matching family prefix, else None."""
    if override is not None:
        return override
    name = model.partition(":")[2].lower().rsplit("/", 1)[-1]
    matches = [prefix for prefix in CONTEXT_WINDOWS if name.startswith(prefix)]
    return CONTEXT_WINDOWS[max(matches, key=len)] if matches else None


def spec_json(spec: ToolSpec, dialect: str) -> str:
    """The tool's definition as its dialect sends it (the wire's shape, compact JSON)."""
    if dialect == "gemini":
        body: dict[str, object] = {
            "name": spec.name,
            "description": spec.description,
            "parameters_json_schema": dict(spec.parameters),
        }
    else:
        body = {
            "type": "function",
            "function": {
                "name": spec.name,
                "description": spec.description,
                "parameters": dict(spec.parameters),
            },
        }
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False, default=str)


def estimate_tokens(specs: Iterable[ToolSpec], dialect: str) -> int:
    """The documented estimate for ``specs``: characters of their JSON / 4, rounded up."""
    return sum(math.ceil(len(spec_json(spec, dialect)) / CHARS_PER_TOKEN) for spec in specs)


def estimate_by_server(toolset: FleetToolset, dialect: str) -> dict[str, int]:
    """Each server's tool definitions in ``dialect``, in estimated tokens (no I/O)."""
    return {
        name: estimate_tokens(specs, dialect)
        for name, specs in _specs_by_server(toolset, dialect).items()
    }


def _specs_by_server(toolset: FleetToolset, dialect: str) -> dict[str, list[ToolSpec]]:
    by_server: dict[str, list[ToolSpec]] = {}
    for entry in toolset.entries():
        by_server.setdefault(entry.server, []).extend(toolset.specs(dialect, entry.qualified))
    return by_server


async def tool_budget(
    toolset: FleetToolset, config: Config, model: str, counter: Counter | None = None
) -> ToolBudget:
    """The budget of ``toolset``'s tools for ``model``; ``counter`` (a provider's token
    counter) replaces the estimate when given."""
    dialect = dialect_of(model)
    context = config.agent.context
    window = context_window(model, context.window)
    if counter is None:
        per_server = estimate_by_server(toolset, dialect)
        return ToolBudget(dialect, ESTIMATE, per_server, window, context.tools_share)
    by_server = _specs_by_server(toolset, dialect)
    servers = list(by_server)
    texts = ["\n".join(spec_json(s, dialect) for s in by_server[name]) for name in servers]
    counts = await counter(texts)
    per_server = dict(zip(servers, counts, strict=True))
    return ToolBudget(dialect, "countTokens", per_server, window, context.tools_share)


async def measure(toolset: FleetToolset, config: Config, model: str | None) -> ToolBudget:
    """The budget for ``model`` (None: the config has none; the OpenAI dialect's estimate).

    A Gemini model with a key configured is counted by its API; without a key, or when the
    count fails, the estimate stands (``method`` says which, and why).
    """
    if model is None:
        return await tool_budget(toolset, config, "openai:", None)
    if dialect_of(model) != "gemini":
        return await tool_budget(toolset, config, model, None)
    from providers.errors import ProviderError
    from providers.settings import create_from_config

    try:
        provider = create_from_config(config, model)
    except ProviderError:  # no key: no API to ask
        return await tool_budget(toolset, config, model, None)
    counter = getattr(provider, "count_tokens", None)
    try:
        return await tool_budget(toolset, config, model, counter)
    except ProviderError as exc:
        budget = await tool_budget(toolset, config, model, None)
        reason = str(exc).splitlines()[0][:120]
        return dataclasses.replace(budget, method=f"{budget.method}; countTokens failed: {reason}")
    finally:
        await provider.aclose()
