"""Start a model stream with bounded retries on rate limits, honouring Retry-After."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, AsyncIterator, Callable
from dataclasses import dataclass
from typing import TypeVar

from providers.errors import RateLimitError

__all__ = ["RetryPolicy", "retrying"]

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """``attempts`` includes the first try; waits grow from ``base_delay`` up to ``max_delay``.

    A Retry-After longer than ``max_delay`` is not waited for: the error is raised at once.
    """

    attempts: int = 3
    base_delay: float = 1.0
    max_delay: float = 30.0

    def delay(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return max(0.0, retry_after)
        return min(self.max_delay, self.base_delay * 2.0**attempt)


async def retrying(
    start: Callable[[], AsyncGenerator[T, None]], policy: RetryPolicy
) -> AsyncIterator[T]:
    """Yield what ``start()`` yields, starting it again while its first item raises 429.

    SDKs send the request when first iterated, so the 429 comes with the first item; once an
    item has reached the caller a retry would repeat output, so none happens after that.
    """
    attempt = 0
    while True:
        stream = start()
        try:
            first = await anext(stream)
        except StopAsyncIteration:
            return
        except RateLimitError as exc:
            attempt += 1
            wait = policy.delay(attempt - 1, exc.retry_after)
            if attempt >= policy.attempts or wait > policy.max_delay:
                raise RateLimitError(
                    f"{exc} (gave up after {attempt} tries)", retry_after=exc.retry_after
                ) from exc
            await asyncio.sleep(wait)
            continue
        break
    try:
        yield first
        async for item in stream:
            yield item
    finally:
        await stream.aclose()
