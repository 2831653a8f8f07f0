"""Which transport serves a configured server: a table keyed by the server's kind."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from bridge.errors import ServerStartError
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


def _remote(name: str, config: ServerConfig) -> Transport:
    raise ServerStartError(
        f"server {name!r}: remote servers ({config.url}) are not supported by this build yet; "
        "use a stdio command for now"
    )


_FACTORIES: dict[str, Callable[[str, ServerConfig], Transport]] = {
    "stdio": _stdio,
    "http": _remote,
    "sse": _remote,
    "auto": _remote,
}


def make_transport(name: str, config: ServerConfig) -> Transport:
    """A new, unstarted transport for the server named ``name``."""
    return _FACTORIES[config.kind](name, config)
