"""The ``Provider`` protocol and the registry of lazy adapter factories.

Adapters are named by ``"module:attribute"`` strings, imported on first use, so importing
this module (or ``providers``) never loads a vendor SDK.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import AsyncIterator, Callable
from typing import Any, Protocol, runtime_checkable

from config.errors import ConfigError
from providers.types import Capabilities, ChatRequest, StreamEvent

__all__ = ["Provider", "ProviderFactory", "create", "parse_model", "provider_names", "register"]


@runtime_checkable
class Provider(Protocol):
    """A model API behind one neutral interface: stream a turn, then close."""

    name: str
    model: str
    capabilities: Capabilities

    def stream(self, request: ChatRequest) -> AsyncIterator[StreamEvent]:
        """Send ``request``; yield text deltas and tool calls, then one ``Finish``."""
        ...

    async def aclose(self) -> None:
        """Release the HTTP client; the provider is not used afterwards."""
        ...


ProviderFactory = Callable[..., Provider]

_FACTORIES: dict[str, str | ProviderFactory] = {
    "openai": "providers.openai:OpenAIProvider",
    "gemini": "providers.gemini:GeminiProvider",
    "ollama": "providers.ollama:OllamaProvider",
    "local": "providers.local:LocalProvider",
}

# Providers that may be named alone (``--model local``) and the model that then means.
_DEFAULT_MODELS = {"local": "smollm2"}


def register(name: str, factory: str | ProviderFactory) -> None:
    """Add or replace a provider: a ``"module:attribute"`` string or a callable."""
    _FACTORIES[name] = factory


def provider_names() -> tuple[str, ...]:
    return tuple(sorted(_FACTORIES))


def _resolve(name: str) -> ProviderFactory:
    try:
        factory = _FACTORIES[name]
    except KeyError:
        raise ConfigError(
            f"unknown provider {name!r}; use one of {', '.join(provider_names())}", key="model"
        ) from None
    if isinstance(factory, str):
        module_name, _, attribute = factory.partition(":")
        resolved: ProviderFactory = getattr(importlib.import_module(module_name), attribute)
        return resolved
    return factory


def parse_model(spec: str) -> tuple[str, str]:
    """Split ``"provider:model"`` at the first colon (``"ollama:qwen3:8b"`` keeps its tag).

    ``"local"`` alone names the local provider's default model.
    """
    if spec in _DEFAULT_MODELS:
        return spec, _DEFAULT_MODELS[spec]
    name, sep, model = spec.partition(":")
    example = "openai:gpt-5-mini"
    if not sep or not model or name not in _FACTORIES:
        what = "has no known provider prefix" if sep else "has no provider prefix"
        raise ConfigError(
            f"model {spec!r} {what}; write <provider>:<model> with provider one of "
            f"{', '.join(provider_names())} (e.g. {example})",
            key="model",
        )
    return name, model


def create(name: str, model: str, **settings: Any) -> Provider:
    """Build the provider ``name`` for ``model`` with its settings (api_key, base_url, ...).

    Unknown settings raise ``ConfigError`` naming the accepted ones; a missing API key
    raises ``ProviderAuthError`` here, before any request.
    """
    factory = _resolve(name)
    try:
        inspect.signature(factory).bind(model, **settings)
    except TypeError as exc:
        accepted = [
            p.name
            for p in inspect.signature(factory).parameters.values()
            if p.kind is inspect.Parameter.KEYWORD_ONLY
        ]
        raise ConfigError(
            f"{exc}; settings for {name} are: {', '.join(accepted)}", key=f"providers.{name}"
        ) from None
    return factory(model, **settings)
