"""The result of a dialect conversion and the log of what it changed, with JSON pointers."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

__all__ = ["ChangeLog", "Conversion", "child", "short"]

_SHORT = 60


@dataclass(frozen=True, slots=True)
class Conversion:
    """A schema converted to one dialect, and one line per thing the conversion changed.

    ``schema`` may share unchanged sub-objects with the input schema: treat it as read-only.
    ``strict`` is true only for a schema that obeys OpenAI's strict mode (an
    ``openai-strict`` conversion that succeeded).
    """

    schema: dict[str, Any]
    changes: tuple[str, ...]
    strict: bool = False


def child(pointer: str, token: str | int) -> str:
    """The JSON pointer of ``token`` under ``pointer`` (RFC 6901 escaping)."""
    text = str(token)
    if "~" in text or "/" in text:
        text = text.replace("~", "~0").replace("/", "~1")
    return f"{pointer}/{text}"


# What json.dumps writes for these scalars.
_SCALARS: dict[Any, str] = {True: "true", False: "false", None: "null"}


def short(value: Any) -> str:
    """A one-line JSON rendering of ``value``, cut to a readable length."""
    kind = type(value)
    if kind is str and len(value) < _SHORT - 2 and value.isprintable():
        if '"' not in value and "\\" not in value:
            return f'"{value}"'
    if kind is bool or value is None:
        return _SCALARS[value]
    if (kind is list or kind is dict) and not value:
        return "[]" if kind is list else "{}"
    if kind is int:
        text = int.__repr__(value)  # what json.dumps writes for an int
    else:
        try:
            text = json.dumps(value, ensure_ascii=False, sort_keys=False)
        except (TypeError, ValueError):
            text = repr(value)
    return text if len(text) <= _SHORT else text[: _SHORT - 3] + "..."


class ChangeLog(list[str]):
    """Collects ``<pointer>: <what happened>`` lines; the root pointer is shown as ``/``.

    A list itself rather than a holder of one: one is made per conversion, and that is
    cheaper.
    """

    __slots__ = ()

    def add(self, pointer: str, text: str) -> None:
        """Record one change at ``pointer``."""
        self.append(f"{pointer or '/'}: {text}")

    def dropped(self, pointer: str, keyword: str, value: Any, why: str = "") -> None:
        """Record that ``keyword`` was removed at ``pointer``."""
        tail = f" ({why})" if why else ""
        self.append(f'{pointer or "/"}: dropped "{keyword}": {short(value)}{tail}')

    def conversion(self, schema: dict[str, Any], *, strict: bool = False) -> Conversion:
        """Freeze the log together with the converted schema."""
        return Conversion(schema, tuple(self), strict)
