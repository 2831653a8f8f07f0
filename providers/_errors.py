"""Translate vendor failures into the provider error tree, with messages saying what to do.

Adapters reduce an SDK exception to a ``Failure`` (status, message, code, Retry-After) and
``translate`` picks the class from lookup tables; ``boundary`` wraps the SDK calls.
"""

from __future__ import annotations

import email.utils
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass

from providers.errors import (
    ContextTooLongError,
    ModelNotFoundError,
    ProviderAuthError,
    ProviderError,
    ProviderTimeoutError,
    ProviderUnavailableError,
    RateLimitError,
    ToolsUnsupportedError,
)

__all__ = [
    "Endpoint",
    "Failure",
    "boundary",
    "missing_key",
    "retry_after_seconds",
    "timed_out",
    "translate",
    "unreachable",
]


@dataclass(frozen=True, slots=True)
class Endpoint:
    """Who we were talking to, for messages: ``provider`` is the config name (``openai``)."""

    provider: str
    label: str
    model: str
    url: str
    key_env: str | None = None
    timeout: float | None = None
    start_hint: str = "check that the server is running and the URL is right"
    model_hint: str = "check the model name"


@dataclass(frozen=True, slots=True)
class Failure:
    status: int | None
    message: str
    code: str | None = None
    retry_after: float | None = None


# Vendor wordings that decide the class whatever the status (checked first, lowercased).
_PATTERNS: tuple[tuple[str, type[ProviderError]], ...] = (
    ("context_length_exceeded", ContextTooLongError),
    ("context length", ContextTooLongError),
    ("context window", ContextTooLongError),
    ("exceeds the maximum number of tokens", ContextTooLongError),
    ("prompt is too long", ContextTooLongError),
    ("too many tokens", ContextTooLongError),
    ("does not support tools", ToolsUnsupportedError),
    ("tool choice requires --enable-auto-tool-choice", ToolsUnsupportedError),
    ("api key not valid", ProviderAuthError),
    ("api_key_invalid", ProviderAuthError),
    ("incorrect api key", ProviderAuthError),
)

_SAID_LIMIT = 600  # characters of an endpoint's error message kept in ours

_STATUSES: dict[int, type[ProviderError]] = {
    401: ProviderAuthError,
    403: ProviderAuthError,
    404: ModelNotFoundError,
    408: ProviderTimeoutError,
    413: ContextTooLongError,
    429: RateLimitError,
    504: ProviderTimeoutError,
}


def _key_advice(e: Endpoint) -> str:
    config_key = f"providers.{e.provider}.api_key"
    if e.key_env:
        return f"set {e.key_env} or add {config_key} to agent.yaml"
    return f"add {config_key} to agent.yaml"


_ADVICE: dict[type[ProviderError], Callable[[Endpoint], str]] = {
    ProviderAuthError: lambda e: f"{e.label} rejected the API key; {_key_advice(e)}",
    ModelNotFoundError: lambda e: f"{e.label} does not know the model {e.model!r}; {e.model_hint}",
    RateLimitError: lambda e: (
        f"{e.label} is rate limiting requests; wait a little and run again, or use a model "
        "or account with a higher limit"
    ),
    ContextTooLongError: lambda e: (
        f"the conversation is longer than {e.model}'s context window; start a new "
        "conversation, shorten the input, or pick a model with a larger context"
    ),
    ToolsUnsupportedError: lambda e: (
        f"{e.model} cannot take native tools; the host can describe them in the prompt instead"
    ),
    ProviderTimeoutError: lambda e: _timeout_advice(e),
    ProviderError: lambda e: f"{e.label} failed; try again, and check {e.url} if it persists",
}


def _timeout_advice(e: Endpoint) -> str:
    within = f" within {e.timeout:g}s" if e.timeout is not None else " in time"
    return (
        f"{e.label} did not answer{within}; try again, or raise "
        f"providers.{e.provider}.timeout in agent.yaml"
    )


def _classify(failure: Failure) -> type[ProviderError]:
    if failure.status == 429:  # "too many tokens per minute" is a rate, not a context limit
        return RateLimitError
    text = f"{failure.code or ''} {failure.message}".lower()
    for needle, cls in _PATTERNS:
        if needle in text:
            return cls
    return _STATUSES.get(failure.status or 0, ProviderError)


def translate(endpoint: Endpoint, failure: Failure) -> ProviderError:
    """Build the error for ``failure``: what went wrong, then what to do next."""
    cls = _classify(failure)
    status = f"HTTP {failure.status}: " if failure.status else ""
    said = failure.message.strip()
    if len(said) > _SAID_LIMIT:  # some servers answer with a whole traceback
        said = said[:_SAID_LIMIT] + f"… ({len(said) - _SAID_LIMIT} more characters)"
    message = f"{_ADVICE[cls](endpoint)} ({status}{said})"
    if cls is RateLimitError:
        return RateLimitError(message, retry_after=failure.retry_after)
    return cls(message)


def missing_key(endpoint: Endpoint) -> ProviderAuthError:
    return ProviderAuthError(f"no API key for {endpoint.label}: {_key_advice(endpoint)}")


def unreachable(endpoint: Endpoint, detail: str) -> ProviderUnavailableError:
    return ProviderUnavailableError(
        f"cannot reach {endpoint.label} at {endpoint.url}; {endpoint.start_hint} ({detail})"
    )


def timed_out(endpoint: Endpoint) -> ProviderTimeoutError:
    return ProviderTimeoutError(_timeout_advice(endpoint))


@contextmanager
def boundary(
    vendor: tuple[type[BaseException], ...],
    translator: Callable[[BaseException], ProviderError | None],
) -> Iterator[None]:
    """Re-raise the ``vendor`` exceptions the translator knows as provider errors."""
    try:
        yield
    except vendor as exc:
        error = translator(exc)
        if error is None:
            raise
        raise error from exc


def retry_after_seconds(headers: Mapping[str, str]) -> float | None:
    """Read ``retry-after-ms`` or ``retry-after`` (seconds or an HTTP date)."""
    lowered = {k.lower(): v for k, v in headers.items()}
    if (ms := lowered.get("retry-after-ms")) is not None:
        try:
            return float(ms) / 1000
        except ValueError:
            pass
    value = lowered.get("retry-after")
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())
