"""Drive a provider's stream to the end with a bounded wait."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

__all__ = ["collect"]


async def collect(stream: AsyncIterator[Any], seconds: float = 10) -> list[Any]:
    """All events of ``stream``; fails if it takes longer than ``seconds``."""
    async with asyncio.timeout(seconds):
        return [event async for event in stream]
