"""``${VAR}`` / ``${VAR:-default}`` / ``$$`` substitution in every string value of a document.

Records which key paths took a value from the environment: those are secrets. Their
values, and credentials written literally in the file, are remembered for masking
(config/secrets.py).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from config.document import Document, KeyPath, dotted
from config.errors import ConfigError
from config.secrets import looks_secret, remember

__all__ = ["interpolate"]

_TOKEN = re.compile(
    r"\$\$|\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?::-(?P<default>[^}]*))?\}|\$\{",
)


def interpolate(
    doc: Document, env: Mapping[str, str]
) -> tuple[Any, set[KeyPath], list[ConfigError]]:
    """Return the substituted data, the secret key paths and every problem found.

    ``${VAR:-default}`` takes the default when VAR is unset or empty (as in POSIX shells
    and Compose). A value is secret when any part of it came from the environment; a
    default written in the file is not. The default is literal text: no nesting.
    """
    secrets: set[KeyPath] = set()
    problems: list[ConfigError] = []

    def walk(value: Any, path: KeyPath) -> Any:
        if isinstance(value, dict):
            return {key: walk(item, (*path, key)) for key, item in value.items()}
        if isinstance(value, list):
            return [walk(item, (*path, index)) for index, item in enumerate(value)]
        if isinstance(value, str) and "$" in value:
            value = _substitute(value, path, doc, env, secrets, problems)
        if isinstance(value, str) and looks_secret(path):
            remember(value)
        return value

    return walk(doc.data, ()), secrets, problems


def _substitute(
    value: str,
    path: KeyPath,
    doc: Document,
    env: Mapping[str, str],
    secrets: set[KeyPath],
    problems: list[ConfigError],
) -> str:
    from_env = False

    def replace(match: re.Match[str]) -> str:
        nonlocal from_env
        token = match.group(0)
        if token == "$$":
            return "$"
        name = match.group("name")
        if name is None:
            problems.append(
                ConfigError(
                    "malformed variable reference; write ${NAME} or ${NAME:-default} "
                    "(NAME: letters, digits, _), or $$ for a literal $",
                    location=doc.locate(path),
                    key=dotted(path),
                )
            )
            return token
        current = env.get(name)
        default = match.group("default")
        if current is None or (current == "" and default is not None):
            if default is not None:
                return default
            problems.append(
                ConfigError(
                    f"${{{name}}} is not set; set {name} in the environment, "
                    f"or give a default: ${{{name}:-value}}",
                    location=doc.locate(path),
                    key=dotted(path),
                )
            )
            return ""
        from_env = True
        remember(current)
        return current

    result = _TOKEN.sub(replace, value)
    if from_env:
        secrets.add(path)
    return result
