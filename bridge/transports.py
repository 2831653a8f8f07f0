"""Which transport serves a configured server: a table keyed by the server's kind."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from bridge.mcp import StdioTransport, Transport

if TYPE_CHECKING:
    from config.schema import ServerConfig

__all__ = ["make_transport"]


def _stdio(name: str, config: ServerConfig) -> Transport:
    assert config.command is not None
    return StdioTransport(
        config.command,
        config.args,
        env=config.env,
        cwd=config.cwd,
        name=name,
    )


def _http(name: str, config: ServerConfig, *, fallback: bool = False) -> Transport:
    from bridge.mcp.http import StreamableHTTPTransport

    assert config.url is not None
    return StreamableHTTPTransport(
        config.url,
        name=name,
        headers=config.headers,
        connect_timeout=config.startup_timeout,
        legacy_fallback=fallback,
    )


def _auto(name: str, config: ServerConfig) -> Transport:
    return _http(name, config, fallback=True)


def _sse(name: str, config: ServerConfig) -> Transport:
    from bridge.mcp.legacy_sse import LegacySSETransport

    assert config.url is not None
    return LegacySSETransport(
        config.url, name=name, headers=config.headers, connect_timeout=config.startup_timeout
    )


_FACTORIES: dict[str, Callable[[str, ServerConfig], Transport]] = {
    "stdio": _stdio,
    "http": _http,
    "sse": _sse,
    "auto": _auto,
}


def make_transport(name: str, config: ServerConfig) -> Transport:
    """A new, unstarted transport for the server named ``name``."""
    return _FACTORIES[config.kind](name, config)
