"""Provider settings from the config's ``providers:`` section, and creation from a model spec."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from providers.base import Provider, create, parse_model

if TYPE_CHECKING:
    from config.schema import Config, ModelSettings

__all__ = ["SDK_MODULES", "create_from_config", "preload", "settings_for"]


def settings_for(name: str, section: ModelSettings) -> dict[str, Any]:
    """Keyword settings for ``providers.create`` from one provider's config section."""
    settings: dict[str, Any] = section.model_dump(
        exclude={"capabilities", "options"}, exclude_none=True
    )
    if section.options:
        settings["options"] = dict(section.options)
    # The config and ``providers.types.Capabilities`` use the same words: no renaming.
    capabilities = section.capabilities.model_dump(exclude_none=True)
    if capabilities:
        settings["capabilities"] = capabilities
    return settings


def create_from_config(config: Config, spec: str) -> Provider:
    """The provider for ``spec`` (``provider:model``) with that provider's configured settings."""
    name, model = parse_model(spec)
    section = getattr(config.providers, name, None)
    settings = settings_for(name, section) if section is not None else {}
    return create(name, model, **settings)


# What each provider imports: slow here (about a second for openai and google.genai), so
# ``agent run`` imports it in a thread while the fleet starts.
SDK_MODULES = {
    "openai": "openai",
    "gemini": "google.genai",
    "ollama": "ollama",
    "local": "llama_cpp",
}


def preload(spec: str) -> None:
    """Import the SDK the provider of ``spec`` needs (call it in a worker thread)."""
    import importlib

    module = SDK_MODULES.get(parse_model(spec)[0])
    if module is not None:
        importlib.import_module(module)
