"""Fixtures that open real MCP sessions over stdio and always close them."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from bridge.mcp import ClientSession, StdioTransport

SERVERS = Path(__file__).parents[2] / "servers"


@asynccontextmanager
async def open_session(
    command: str, *args: str, env: dict[str, str] | None = None, **options: Any
) -> AsyncIterator[ClientSession]:
    transport = StdioTransport(command, args, env=env, name=options.pop("name", "test"))
    session = ClientSession(transport, name=transport.name, **options)
    await session.open(timeout=20)
    try:
        yield session
    finally:
        await session.aclose()


@pytest.fixture
def raw_server() -> Callable[..., Any]:
    """Open a session on tests/servers/raw_server.py in the given mode."""

    def opener(mode: str, arg: str = "", **options: Any) -> Any:
        argv = [str(SERVERS / "raw_server.py"), mode] + ([arg] if arg else [])
        return open_session(sys.executable, *argv, name=f"raw-{mode}", **options)

    return opener


@pytest.fixture
def sdk_server() -> Callable[..., Any]:
    """Open a session on the `mcp` SDK reference server, optionally misbehaving."""

    def opener(misbehave: str = "", **options: Any) -> Any:
        env = {"MISBEHAVE": misbehave} if misbehave else None
        return open_session(
            sys.executable, str(SERVERS / "sdk_server.py"), env=env, name="sdk", **options
        )

    return opener
