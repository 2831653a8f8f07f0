"""Config: the YAML schema, loading, ``${VAR}`` interpolation and the error tree's root.

Names other than the errors load on first use (PEP 562), so ``import config`` pulls in
neither pydantic nor yaml.
"""

from __future__ import annotations

from importlib import import_module

from config.errors import ConfigError, HostError

TYPE_CHECKING = False  # spares importing typing at runtime; type checkers read it as True
if TYPE_CHECKING:
    from typing import Any

    from config.loader import default_config, find_config, load
    from config.schema import (
        AgentConfig,
        ApprovalPolicy,
        Capabilities,
        Config,
        GeminiConfig,
        OAuthConfig,
        OllamaConfig,
        OpenAIConfig,
        ProviderConfig,
        ProvidersConfig,
        RestartPolicy,
        ServerConfig,
        ToolFilter,
    )
    from config.show import masked, summarize

__all__ = [
    "AgentConfig",
    "ApprovalPolicy",
    "Capabilities",
    "Config",
    "ConfigError",
    "GeminiConfig",
    "HostError",
    "OAuthConfig",
    "OllamaConfig",
    "OpenAIConfig",
    "ProviderConfig",
    "ProvidersConfig",
    "RestartPolicy",
    "ServerConfig",
    "ToolFilter",
    "default_config",
    "find_config",
    "load",
    "masked",
    "summarize",
]

_LAZY = {
    "default_config": "config.loader",
    "find_config": "config.loader",
    "load": "config.loader",
    "masked": "config.show",
    "summarize": "config.show",
    **dict.fromkeys(
        (
            "AgentConfig",
            "ApprovalPolicy",
            "Capabilities",
            "Config",
            "GeminiConfig",
            "OAuthConfig",
            "OllamaConfig",
            "OpenAIConfig",
            "ProviderConfig",
            "ProvidersConfig",
            "RestartPolicy",
            "ServerConfig",
            "ToolFilter",
        ),
        "config.schema",
    ),
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'config' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value
