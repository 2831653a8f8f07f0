"""Finding the config file, loading it into a Config, and the embedded default.

YAML and pydantic are imported on first use, so ``import config`` stays cheap.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from config.errors import ConfigError

if TYPE_CHECKING:
    from config.schema import Config

__all__ = ["default_config", "find_config", "load"]

_LOCAL_NAMES = ("agent.yaml", "agent.yml")


def find_config(
    path: str | Path | None = None, *, env: Mapping[str, str] | None = None
) -> Path | None:
    """Return the config file to use, or None when the embedded default applies.

    Order: ``path``, then ``$AGENT_CONFIG``, then ``./agent.yaml`` / ``./agent.yml``, then
    ``$XDG_CONFIG_HOME/agent/agent.yaml`` (default ``~/.config/agent/agent.yaml``). A file
    named by ``path`` or ``$AGENT_CONFIG`` must exist.
    """
    env = os.environ if env is None else env
    if path is not None:
        return _existing(Path(path).expanduser(), "")
    if env.get("AGENT_CONFIG"):
        return _existing(Path(env["AGENT_CONFIG"]).expanduser(), " (from $AGENT_CONFIG)")
    for candidate in _discovery_candidates(env)[:-1]:
        if candidate.is_file():
            return candidate
    user = _discovery_candidates(env)[-1]
    return user if user.is_file() else None


def load(path: str | Path | None = None, *, env: Mapping[str, str] | None = None) -> Config:
    """Load, interpolate and validate the config; see find_config for the search order.

    ``env`` replaces ``os.environ`` for discovery and ``${VAR}`` substitution. Every
    problem found is reported together in one ConfigError.
    """
    env = os.environ if env is None else env
    found = find_config(path, env=env)
    if found is None:
        return default_config()
    return _load_file(found, env)


def default_config() -> Config:
    """The embedded default: no model (the CLI picks one) and the built-in toolbox server."""
    from config.schema import Config, ServerConfig

    toolbox = ServerConfig(command=sys.executable, args=("-m", "agent.toolbox"))
    return Config(servers={"toolbox": toolbox})


def _discovery_candidates(env: Mapping[str, str]) -> list[Path]:
    if env.get("XDG_CONFIG_HOME"):
        user_dir = Path(env["XDG_CONFIG_HOME"])
    else:
        home = Path(env["HOME"]) if env.get("HOME") else Path.home()
        user_dir = home / ".config"
    return [*(Path(name) for name in _LOCAL_NAMES), user_dir / "agent" / "agent.yaml"]


def _existing(path: Path, origin: str) -> Path:
    if path.is_file():
        return path
    if path.is_dir():
        example = path / "agent.yaml"
        raise ConfigError(f"{path}{origin} is a directory; name the file in it, e.g. {example}")
    advice = "fix or unset AGENT_CONFIG" if origin else "check the path, or leave it out"
    raise ConfigError(
        f"config file not found: {path}{origin} (looked at {path.absolute()}); "
        f"{advice} to use ./agent.yaml, the user config or the built-in default"
    )


def _load_file(path: Path, env: Mapping[str, str]) -> Config:
    from pydantic import ValidationError

    from config.compat import normalize
    from config.document import parse
    from config.explain import explain
    from config.interpolate import interpolate
    from config.limits import read_limited
    from config.schema import Config

    try:
        with path.open("rb") as handle:
            text = read_limited(handle, str(path))
    except OSError as exc:
        raise ConfigError(f"cannot read the file: {exc.strerror}", location=str(path)) from None
    doc = parse(text, str(path))
    if not isinstance(doc.data, dict):
        raise ConfigError(
            "expected a mapping of sections (model, providers, agent, servers) at the top",
            location=doc.locate(()),
        )
    data, secrets, problems = interpolate(doc, env)
    data, paths, more = normalize(data, doc)
    problems += more
    secrets = {paths.from_file(secret) for secret in secrets}
    config: Config | None = None
    try:
        config = Config.model_validate(data, context={"base_dir": path.parent.absolute()})
    except ValidationError as exc:
        problems += explain(exc, doc, paths, secrets, Config)
    if problems or config is None:
        raise _combine(problems, str(path))
    config._source = path.absolute()
    config._secrets = frozenset(secrets)
    return config


def _combine(problems: list[ConfigError], name: str) -> ConfigError:
    """One error for one problem; for several, one error listing them in file order.

    A key reported twice keeps its first problem: an unset variable also makes the empty
    value it left behind fail validation, which would only repeat the cause.
    """
    unique: dict[str | None, ConfigError] = {}
    for problem in problems:
        unique.setdefault(problem.key or str(problem), problem)
    ordered = sorted(unique.values(), key=_position)
    if len(ordered) == 1:
        return ordered[0]
    lines = "\n".join(f"  {problem}" for problem in ordered)
    return ConfigError(f"{len(ordered)} problems; fix each of them:\n{lines}", location=name)


def _position(problem: ConfigError) -> tuple[int, int]:
    _, line, column = ("::" + (problem.location or "")).rsplit(":", 2)
    return (int(line), int(column)) if line.isdigit() and column.isdigit() else (0, 0)
