"""Presenting a loaded config to a person: masked plain data and a short summary.

Masked: every value that came from an environment variable, every provider ``api_key``,
every server's ``auth.client_secret``, and env/header entries whose name looks like a
credential (KEY, TOKEN, SECRET, ...).
"""

from __future__ import annotations

import re
import shlex
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from config.schema import Config

__all__ = ["MASK", "masked", "summarize"]

MASK = "***"
_SENSITIVE = re.compile(r"KEY|TOKEN|SECRET|PASSW|AUTH|CREDENTIAL|COOKIE|SESSION", re.IGNORECASE)


def masked(config: Config) -> dict[str, Any]:
    """The resolved config as JSON-ready data with secrets replaced by ``"***"``."""
    data: dict[str, Any] = config.model_dump(mode="json")
    for path in config.secret_paths:
        _mask_at(data, path)
    for provider in data["providers"].values():
        if provider.get("api_key") is not None:
            provider["api_key"] = MASK
    for server in data["servers"].values():
        auth = server.get("auth")
        if auth and auth.get("client_secret") is not None:
            auth["client_secret"] = MASK
        for section in ("env", "headers"):
            for name in server[section]:
                if _SENSITIVE.search(name):
                    server[section][name] = MASK
    return data


def summarize(config: Config) -> list[str]:
    """Lines for ``agent config check``: the source, the model and one line per server."""
    data = masked(config)
    source = str(config.source) if config.source else "embedded default (no config file found)"
    model = data["model"] or "not set (chosen from the environment)"
    servers: dict[str, Any] = data["servers"]
    enabled = sum(1 for server in servers.values() if server["enabled"])
    lines = [f"config: {source}", f"model: {model}", f"servers: {len(servers)} ({enabled} enabled)"]
    width = max((len(name) for name in servers), default=0)
    for name, server in servers.items():
        target = server["url"] or shlex.join([server["command"], *server["args"]])
        kind = config.servers[name].kind
        note = "" if server["enabled"] else "  (disabled)"
        lines.append(f"  {name:<{width}}  {kind:<5}  {target}{note}")
    return lines


def _mask_at(data: Any, path: tuple[Any, ...]) -> None:
    *parents, last = path
    node = data
    for part in parents:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            return
    if isinstance(node, dict) and last in node:
        node[last] = MASK
    elif isinstance(node, list) and isinstance(last, int) and last < len(node):
        node[last] = MASK
