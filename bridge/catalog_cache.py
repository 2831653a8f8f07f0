"""The catalog cache: each server's last tool list, kept on disk so a run need not wait for it.

One file per server under ``$XDG_CACHE_HOME/agent/catalog/`` (``~/.cache`` when unset),
named by a hash of the server's name and config section (secrets are hashed, never
written), holding the implementation's name and version and its tools. Files are 0600 in a
0700 directory; a file that is corrupt, foreign or too large is ignored with a warning.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bridge.mcp import Tool
from config.secrets import mask_data

if TYPE_CHECKING:
    from collections.abc import Mapping

    from config.schema import ServerConfig

__all__ = [
    "CachedCatalog",
    "CatalogCache",
    "catalog_change",
    "config_key",
    "default_cache_dir",
    "tool_to_wire",
]

log = logging.getLogger(__name__)

FORMAT = 1
MAX_BYTES = 8 * 1024 * 1024  # far above any real tool list; a bigger file is not ours


@dataclass(frozen=True, slots=True)
class CachedCatalog:
    """What a server listed last time: who it was, and its tools."""

    server_name: str
    server_version: str
    tools: list[Tool]


def default_cache_dir(env: Mapping[str, str] | None = None) -> Path:
    """``$XDG_CACHE_HOME/agent/catalog`` (``~/.cache/agent/catalog`` when unset)."""
    env = os.environ if env is None else env
    base = env.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "agent" / "catalog"


def config_key(name: str, config: ServerConfig) -> str:
    """A hash of the server's name and config section: it changes when either does."""
    section = json.dumps(config.model_dump(mode="json"), sort_keys=True, default=str)
    return hashlib.sha256(f"{name}\0{section}".encode()).hexdigest()


def tool_to_wire(tool: Tool) -> dict[str, Any]:
    """The tool as ``tools/list`` spells it (the inverse of ``Tool.from_wire``)."""
    wire: dict[str, Any] = {
        "name": tool.name,
        "description": tool.description,
        "inputSchema": tool.input_schema,
    }
    if tool.output_schema is not None:
        wire["outputSchema"] = tool.output_schema
    if tool.title is not None:
        wire["title"] = tool.title
    if tool.annotations is not None:
        wire["annotations"] = tool.annotations
    return wire


class CatalogCache:
    """Reads and writes one cache file per server in ``directory``."""

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory if directory is not None else default_cache_dir()

    def _path(self, key: str) -> Path:
        return self.directory / f"{key[:32]}.json"

    def load(self, name: str, config: ServerConfig) -> CachedCatalog | None:
        """The cached catalog of this server and config, or None (a bad file is warned of)."""
        key = config_key(name, config)
        path = self._path(key)
        try:
            with path.open("rb") as file:
                raw = file.read(MAX_BYTES + 1)
        except FileNotFoundError:
            return None
        except OSError as exc:
            log.warning("catalog cache %s is unreadable (%s); ignoring it", path, exc.strerror)
            return None
        problem = f"larger than {MAX_BYTES} bytes" if len(raw) > MAX_BYTES else None
        data: Any = None
        if problem is None:
            try:
                data = json.loads(raw)
            except (ValueError, RecursionError):
                problem = "not JSON"
        cached = _parse(data, key) if problem is None else None
        if cached is None:
            log.warning(
                "catalog cache %s for server %r is %s; ignoring it",
                path,
                name,
                problem or "not a catalog of this server's config",
            )
        return cached

    def save(self, name: str, config: ServerConfig, cached: CachedCatalog) -> None:
        """Write the catalog atomically (0600 file, 0700 directory); failures are logged."""
        key = config_key(name, config)
        body = {
            "format": FORMAT,
            "key": key,
            "server": {"name": cached.server_name, "version": cached.server_version},
            # A server may echo what it was given (an env token) in a description: mask it.
            "tools": mask_data([tool_to_wire(tool) for tool in cached.tools]),
        }
        try:
            self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
            os.chmod(self.directory, 0o700)
            # mkstemp creates the file 0600; the rename makes a reader see all or nothing.
            fd, temporary = tempfile.mkstemp(dir=self.directory, prefix=".tmp-", suffix=".json")
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as file:
                    json.dump(body, file, separators=(",", ":"))
                os.replace(temporary, self._path(key))
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(temporary)
                raise
        except (OSError, TypeError, ValueError) as exc:
            log.warning("could not write the catalog cache of server %r: %s", name, exc)


def _parse(data: Any, key: str) -> CachedCatalog | None:
    """The catalog in ``data`` when it is ours, in this format, for this key; else None."""
    if not isinstance(data, dict) or data.get("format") != FORMAT or data.get("key") != key:
        return None
    server, tools = data.get("server"), data.get("tools")
    if not isinstance(server, dict) or not isinstance(tools, list):
        return None
    name, version = server.get("name"), server.get("version")
    if not isinstance(name, str) or not isinstance(version, str):
        return None
    parsed = []
    for wire in tools:
        if not isinstance(wire, dict) or not isinstance(wire.get("name"), str):
            return None
        parsed.append(Tool.from_wire(wire))
    return CachedCatalog(name, version, parsed)


def catalog_change(before: list[Tool], now: list[Tool]) -> str | None:
    """What differs between two tool lists, in a few words, or None when they are the same.

    Compared as the cache stores them (masked), so a masked secret is not a change.
    """
    old = {tool.name: mask_data(tool_to_wire(tool)) for tool in before}
    new = {tool.name: mask_data(tool_to_wire(tool)) for tool in now}
    if old == new:
        return None
    parts = []
    for label, names in (
        ("new", [name for name in new if name not in old]),
        ("gone", [name for name in old if name not in new]),
        ("changed", [name for name in new if name in old and new[name] != old[name]]),
    ):
        if names:
            shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
            parts.append(f"{label}: {shown}")
    return "; ".join(parts) or "reordered"
