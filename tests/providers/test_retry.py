"""Bounded retries on 429 and the reading of Retry-After."""

from __future__ import annotations

from collections.abc import AsyncGenerator

import pytest

from providers._errors import retry_after_seconds
from providers._retry import RetryPolicy, retrying
from providers.errors import RateLimitError
from tests.modelfakes import collect


@pytest.mark.parametrize(
    ("headers", "seconds"),
    [
        ({"Retry-After": "2"}, 2.0),
        ({"retry-after-ms": "250", "retry-after": "9"}, 0.25),
        ({"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}, 0.0),
        ({"Retry-After": "soon"}, None),
        ({}, None),
    ],
)
def test_retry_after_is_read_in_seconds(headers, seconds):
    assert retry_after_seconds(headers) == seconds


def test_backoff_grows_and_is_capped():
    policy = RetryPolicy(base_delay=1, max_delay=3)

    assert [policy.delay(n, None) for n in range(4)] == [1, 2, 3, 3]
    assert policy.delay(5, 0.5) == 0.5


async def test_a_retry_after_longer_than_the_cap_is_not_waited_for():
    starts = 0

    async def start() -> AsyncGenerator[int, None]:
        nonlocal starts
        starts += 1
        raise RateLimitError("slow", retry_after=3600)
        yield 0

    with pytest.raises(RateLimitError, match="gave up after 1 tries"):
        await collect(retrying(start, RetryPolicy()))
    assert starts == 1


async def test_no_retry_once_output_has_reached_the_caller():
    starts = 0

    async def start() -> AsyncGenerator[int, None]:
        nonlocal starts
        starts += 1
        yield 1
        raise RateLimitError("late", retry_after=0)

    with pytest.raises(RateLimitError, match="late"):
        await collect(retrying(start, RetryPolicy(base_delay=0)))
    assert starts == 1
