"""Bounds on one model response, so that an endpoint that stalls or never stops cannot hang a run.

``timeout`` bounds the whole response from the moment the request leaves; ``idle_timeout``
bounds the silence between two chunks once the answer has begun (a model may think for a
long time before its first chunk, never between chunks); one call's arguments and one
answer's text have size caps. Every breach is a provider error saying what the endpoint did.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import pydantic

from providers._errors import Endpoint
from providers.errors import ProviderError, ProviderResponseError, ProviderTimeoutError

__all__ = [
    "DEFAULT_IDLE_TIMEOUT",
    "DEFAULT_TIMEOUT",
    "MAX_ARGUMENT_CHARS",
    "MAX_TEXT_CHARS",
    "Budget",
    "Limits",
    "cut_short",
    "malformed",
    "once",
]

T = TypeVar("T")

DEFAULT_TIMEOUT = 600.0
DEFAULT_IDLE_TIMEOUT = 60.0
MAX_ARGUMENT_CHARS = 4 * 1024 * 1024
MAX_TEXT_CHARS = 16 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Limits:
    timeout: float = DEFAULT_TIMEOUT
    idle_timeout: float = DEFAULT_IDLE_TIMEOUT
    max_argument_chars: int = MAX_ARGUMENT_CHARS
    max_text_chars: int = MAX_TEXT_CHARS

    @classmethod
    def of(cls, timeout: float | None, idle_timeout: float | None) -> Limits:
        """Limits from a provider's settings; None keeps the default."""
        return cls(
            timeout=DEFAULT_TIMEOUT if timeout is None else timeout,
            idle_timeout=DEFAULT_IDLE_TIMEOUT if idle_timeout is None else idle_timeout,
        )


class Budget:
    """The time and size one response may take; start one per request."""

    def __init__(self, limits: Limits, endpoint: Endpoint) -> None:
        self.limits = limits
        self.endpoint = endpoint
        self._deadline = asyncio.get_running_loop().time() + limits.timeout
        self.text_chars = 0

    def _left(self) -> float:
        return self._deadline - asyncio.get_running_loop().time()

    def _over_time(self) -> ProviderTimeoutError:
        return ProviderTimeoutError(
            f"{self.endpoint.label} did not finish its answer within {self.limits.timeout:g}s; "
            f"raise providers.{self.endpoint.provider}.timeout in agent.yaml if it needs longer"
        )

    async def first(self, awaitable: Awaitable[T]) -> T:
        """Await the response's start within the deadline."""
        try:
            async with asyncio.timeout(self._left()):
                return await awaitable
        except TimeoutError:
            raise self._over_time() from None

    async def chunks(self, source: AsyncIterator[T]) -> AsyncIterator[T]:
        """Yield ``source``'s chunks while the deadline and the idle limit hold."""
        started = False
        while True:
            left = self._left()
            idle = started and self.limits.idle_timeout < left
            try:
                async with asyncio.timeout(self.limits.idle_timeout if idle else left):
                    chunk = await anext(source)
            except StopAsyncIteration:
                return
            except TimeoutError:
                if idle:
                    raise ProviderTimeoutError(
                        f"{self.endpoint.label} stopped sending in the middle of its answer "
                        f"(nothing for {self.limits.idle_timeout:g}s); raise "
                        f"providers.{self.endpoint.provider}.idle_timeout if it needs longer"
                    ) from None
                raise self._over_time() from None
            started = True
            yield chunk

    def add_text(self, text: str) -> None:
        """Count streamed answer text against its cap."""
        self.text_chars += len(text)
        if self.text_chars > self.limits.max_text_chars:
            raise ProviderResponseError(
                f"{self.endpoint.label} sent more than {self.limits.max_text_chars:,} characters "
                "of text in one answer without finishing; the answer was stopped"
            )

    def check_arguments(self, name: str, size: int) -> None:
        """Refuse one call's arguments once they pass their cap."""
        if size > self.limits.max_argument_chars:
            raise ProviderResponseError(
                f"{self.endpoint.label} sent more than {self.limits.max_argument_chars:,} "
                f"characters of arguments for one call of {name or 'a tool'!r} without "
                "finishing them; the answer was stopped"
            )


async def once(item: T) -> AsyncIterator[T]:
    """One whole (unstreamed) response as a stream of one chunk, for the same reading code."""
    yield item


def cut_short(endpoint: Endpoint, what: str) -> ProviderResponseError:
    """The error for a response that ended or arrived in a shape its API never sends."""
    return ProviderResponseError(
        f"{endpoint.label} {what}; the answer is incomplete, so nothing of it was used "
        f"(try again; check {endpoint.url} and its logs if it persists)"
    )


def malformed(endpoint: Endpoint) -> dict[type[BaseException], Callable[[Any], ProviderError]]:
    """Translations for a body an SDK could not read: not JSON, nested too deep, wrong shape."""
    return {
        json.JSONDecodeError: lambda e: cut_short(
            endpoint, f"sent data that is not JSON ({e.msg} at position {e.pos})"
        ),
        RecursionError: lambda _: cut_short(endpoint, "sent JSON nested too deeply to read"),
        pydantic.ValidationError: lambda e: cut_short(
            endpoint, f"sent data in a shape its API does not define ({_first_error(e)})"
        ),
    }


def _first_error(exc: pydantic.ValidationError) -> str:
    first = exc.errors()[0] if exc.errors() else {"loc": (), "msg": str(exc)}
    where = ".".join(map(str, first.get("loc", ()))) or "body"
    return f"{where}: {first.get('msg', '')}"
