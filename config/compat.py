"""Claude Desktop / ``.mcp.json`` / Cursor / Cline / Gemini CLI ``mcpServers`` compatibility.

Rewrites ``mcpServers`` entries into ``servers`` entries and remembers how paths moved,
so that later errors still point at the key the person wrote.

What the foreign keys become (anything else is checked like a ``servers`` entry):

- ``type`` / ``transportType``: ``transport``; ``streamable-http``, ``streamableHttp`` and
  ``streamable_http`` mean ``http``.
- ``disabled: true``: ``enabled: false``.
- ``timeout``: ``call_timeout`` in seconds (Cline); a value above 1000 is taken as
  milliseconds (Gemini CLI writes 600000).
- ``httpUrl`` (Gemini CLI): ``url`` with ``transport: http``; ``serverUrl`` (Windsurf): ``url``.
- ``disabledTools`` (Roo) / ``excludeTools`` (Gemini CLI): ``tools.exclude``;
  ``includeTools``: ``tools.include``.
- ignored: ``autoApprove``, ``alwaysAllow`` (approval lives in ``agent.approval``, which
  allows every tool by default), ``trust``, ``description``, ``name``.
- ``envFile`` is an error: the file is not read, so the server would start without it.

A file whose top level has ``mcpServers`` and none of our own sections is another app's
file (Claude Desktop keeps ``preferences`` and more there): its other keys are ignored.
"""

from __future__ import annotations

from typing import Any

from config.document import Document, KeyPath, dotted
from config.errors import ConfigError

__all__ = ["PathMap", "normalize"]

OWN_SECTIONS = ("model", "providers", "agent", "servers")
_TRANSPORTS = {
    "stdio": "stdio",
    "http": "http",
    "streamable-http": "http",
    "streamableHttp": "http",
    "streamable_http": "http",
    "sse": "sse",
}
_RENAMES: dict[str, tuple[str, ...]] = {
    "type": ("transport",),
    "transportType": ("transport",),
    "timeout": ("call_timeout",),
    "disabled": ("enabled",),
    "httpUrl": ("url",),
    "serverUrl": ("url",),
    "disabledTools": ("tools", "exclude"),
    "excludeTools": ("tools", "exclude"),
    "includeTools": ("tools", "include"),
}
_IGNORED = frozenset({"autoApprove", "alwaysAllow", "trust", "description", "name"})


class PathMap:
    """Pairs of (path in the rewritten data, path in the file), longest prefix wins."""

    def __init__(self) -> None:
        self._pairs: list[tuple[KeyPath, KeyPath]] = []

    def add(self, new: KeyPath, old: KeyPath) -> None:
        """Record that ``new`` (and everything under it) was written at ``old``."""
        self._pairs.append((new, old))

    def to_file(self, path: KeyPath) -> KeyPath:
        """Translate a path of the rewritten data to where the file has it."""
        return self._translate(path, 0)

    def from_file(self, path: KeyPath) -> KeyPath:
        """Translate a path of the file to where the rewritten data has it."""
        return self._translate(path, 1)

    def _translate(self, path: KeyPath, side: int) -> KeyPath:
        best: tuple[KeyPath, KeyPath] | None = None
        for pair in self._pairs:
            prefix = pair[side]
            if path[: len(prefix)] == prefix and (best is None or len(prefix) > len(best[side])):
                best = pair
        if best is None:
            return path
        return best[1 - side] + path[len(best[side]) :]


def normalize(data: Any, doc: Document) -> tuple[Any, PathMap, list[ConfigError]]:
    """Merge ``mcpServers`` into ``servers``; a name in both is an error."""
    paths = PathMap()
    if not isinstance(data, dict) or "mcpServers" not in data:
        return data, paths, []
    problems: list[ConfigError] = []
    foreign = not any(key in data for key in OWN_SECTIONS)
    kept = OWN_SECTIONS if foreign else tuple(k for k in data if k != "mcpServers")
    out = {k: v for k, v in data.items() if k in kept}
    entries = data["mcpServers"]
    if not isinstance(entries, dict):
        problems.append(
            ConfigError(
                "expected a mapping of server names to servers",
                location=doc.locate(("mcpServers",)),
                key="mcpServers",
            )
        )
        return out, paths, problems
    servers = out.get("servers")
    servers = dict(servers) if isinstance(servers, dict) else {}
    for name, entry in entries.items():
        old = ("mcpServers", name)
        if name in servers:
            problems.append(
                ConfigError(
                    f"server '{name}' is also defined under `servers`; rename one of them",
                    location=doc.locate(old, at_key=True),
                    key=dotted(old),
                )
            )
            continue
        paths.add(("servers", name), old)
        servers[name] = _entry(entry, old, paths, doc, problems)
    out["servers"] = servers
    return out, paths, problems


def _entry(
    entry: Any, old: KeyPath, paths: PathMap, doc: Document, problems: list[ConfigError]
) -> Any:
    if not isinstance(entry, dict):
        return entry
    new = ("servers", old[1])
    out: dict[str, Any] = {}
    for key, value in entry.items():
        if key in _IGNORED:
            continue
        where = (*old, key)
        if key == "envFile":
            problems.append(
                ConfigError(
                    "envFile is not supported; put the variables under `env:` "
                    "(values may use ${VAR})",
                    location=doc.locate(where, at_key=True),
                    key=dotted(where),
                )
            )
            continue
        target = _RENAMES.get(key, (key,))
        converted = _convert(key, value)
        if converted is _BAD_DISABLED:
            problems.append(
                ConfigError(
                    "expected true or false",
                    location=doc.locate(where),
                    key=dotted(where),
                )
            )
            continue
        if _put(out, target, converted):
            problems.append(
                ConfigError(
                    f"`{key}` sets {'.'.join(target)}, which this entry already sets; "
                    "keep one of them",
                    location=doc.locate(where, at_key=True),
                    key=dotted(where),
                )
            )
            continue
        if target != (key,):
            paths.add((*new, *target), where)
        if key == "httpUrl" and "transport" not in out:
            out["transport"] = "http"
            paths.add((*new, "transport"), where)
    return out


_BAD_DISABLED = object()


def _convert(key: str, value: Any) -> Any:
    if key in ("type", "transportType") and isinstance(value, str):
        return _TRANSPORTS.get(value, value)
    if key == "disabled":
        return not value if isinstance(value, bool) else _BAD_DISABLED
    if key == "timeout" and isinstance(value, int | float) and not isinstance(value, bool):
        return value / 1000 if value > 1000 else value
    return value


def _put(out: dict[str, Any], target: tuple[str, ...], value: Any) -> bool:
    """Set ``out[target...]``; return True when something was already there."""
    *parents, last = target
    node = out
    for part in parents:
        child = node.setdefault(part, {})
        if not isinstance(child, dict):
            return True
        node = child
    if last in node:
        return True
    node[last] = value
    return False
