"""The provider subtree of the error tree (drawn in ``config/errors.py``)."""

from __future__ import annotations

from config.errors import HostError

__all__ = [
    "ContextTooLongError",
    "ModelNotFoundError",
    "ProviderAuthError",
    "ProviderError",
    "ProviderResponseError",
    "ProviderTimeoutError",
    "ProviderUnavailableError",
    "RateLimitError",
    "ToolsUnsupportedError",
]


class ProviderError(HostError):
    """A model provider failed in a way the run cannot recover from."""

    exit_code = 3


class ProviderAuthError(ProviderError):
    """The API key is missing or was rejected."""


class ModelNotFoundError(ProviderError):
    """The provider does not know the requested model."""


class RateLimitError(ProviderError):
    """The provider kept answering 429 after the bounded retries.

    ``retry_after`` is the wait in seconds the provider asked for, when it said.
    """

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ContextTooLongError(ProviderError):
    """The request is longer than the model's context window."""


class ToolsUnsupportedError(ProviderError):
    """The model cannot take native tool definitions; fall back to text tool calls."""


class ProviderUnavailableError(ProviderError):
    """The provider's endpoint could not be reached."""


class ProviderTimeoutError(ProviderError):
    """The provider did not answer in time."""


class ProviderResponseError(ProviderError):
    """The endpoint's answer broke its API's rules: cut short, not JSON, empty, or endless."""
