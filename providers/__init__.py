"""Providers: the neutral model vocabulary and one adapter module per model API."""

from providers.errors import ProviderError

__all__ = ["ProviderError"]
