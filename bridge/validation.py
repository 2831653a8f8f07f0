"""Argument validation: a model's tool arguments checked against the tool's ORIGINAL schema.

Validators are compiled once per schema and reused; a schema that is itself broken degrades to
accepting every argument (with a note) instead of blocking the tool.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # jsonschema is imported on first use: it costs ~60 ms at start-up
    from jsonschema import FormatChecker
    from jsonschema.protocols import Validator

__all__ = ["MAX_ERRORS", "ArgumentValidator", "ValidatorCache", "format_for_model"]

MAX_ERRORS = 10
_MAX_MESSAGE = 240
# "$schema" markers and the validator class each one selects (2020-12 is the default).
_DRAFTS = (
    ("draft/2020-12", "Draft202012Validator"),
    ("draft/2019-09", "Draft201909Validator"),
    ("draft-07", "Draft7Validator"),
    ("draft-06", "Draft6Validator"),
    ("draft-04", "Draft4Validator"),
    ("draft-03", "Draft3Validator"),
)
_JSON_TYPES = {
    dict: "object",
    list: "array",
    str: "string",
    bool: "boolean",
    int: "integer",
    float: "number",
    type(None): "null",
}


@cache
def _cheap_formats() -> FormatChecker:
    """Formats that cost little to check; any other format is accepted unchecked."""
    from jsonschema import FormatChecker

    wanted = ("date", "time", "email", "ipv4", "ipv6", "uuid")
    checker = FormatChecker(formats=[f for f in wanted if f in FormatChecker.checkers])

    @checker.checks("date-time", raises=ValueError)
    def _date_time(value: object) -> bool:
        if isinstance(value, str):
            if "T" not in value.upper() or len(value) < 16:
                raise ValueError("not an RFC 3339 date-time")
            datetime.fromisoformat(value)
        return True

    return checker


def _validator_class(schema: Mapping[str, Any]) -> tuple[type[Validator], str]:
    from jsonschema import validators

    declared = schema.get("$schema")
    if not isinstance(declared, str):
        return validators.Draft202012Validator, ""
    for marker, name in _DRAFTS:
        if marker in declared:
            return getattr(validators, name), ""
    note = f"unknown $schema {declared!r}: validating as draft 2020-12"
    return validators.Draft202012Validator, note


def _clip(text: str) -> str:
    return text if len(text) <= _MAX_MESSAGE else text[: _MAX_MESSAGE - 3] + "..."


class ArgumentValidator:
    """A compiled validator for one tool's input schema; build with ``for_schema()``."""

    __slots__ = ("_validator", "note")

    def __init__(self, validator: Validator | None, note: str = "") -> None:
        self._validator = validator
        self.note = note

    @classmethod
    def for_schema(cls, schema: Any) -> ArgumentValidator:
        """Compile ``schema`` once; the result is meant to be reused for every call.

        The validator class follows ``$schema`` (draft 2020-12 when absent). A schema that is
        not a valid JSON Schema gives a validator that accepts everything, with ``note`` set.
        """
        if isinstance(schema, bool):
            schema = {} if schema else {"not": {}}
        if not isinstance(schema, Mapping):
            return cls(
                None, f"input schema is not an object ({type(schema).__name__}): not checked"
            )
        from jsonschema.exceptions import SchemaError

        schema = dict(schema)
        validator_class, note = _validator_class(schema)
        try:
            validator_class.check_schema(schema)
        except SchemaError as exc:
            return cls(None, f"input schema is invalid ({_clip(exc.message)}): not checked")
        except RecursionError:
            return cls(None, "input schema is nested too deeply to check: not checked")
        return cls(validator_class(schema, format_checker=_cheap_formats()), note)

    @property
    def degraded(self) -> bool:
        """Whether this validator accepts everything because its schema could not be used."""
        return self._validator is None

    def errors(self, arguments: Any) -> list[str]:
        """What is wrong with ``arguments``: at most ``MAX_ERRORS`` lines, none when valid.

        Each line starts with the JSON path of the offending value, e.g.
        ``$.limit: 'x' is not of type 'integer'``.
        """
        if not isinstance(arguments, dict):
            kind = _JSON_TYPES.get(type(arguments), type(arguments).__name__)
            return [f"$: the arguments must be a JSON object, not {kind}"]
        if self._validator is None:
            return []
        from referencing.exceptions import Unresolvable

        try:
            return self._collect(self._validator.iter_errors(arguments))
        except (Unresolvable, RecursionError) as exc:
            # The schema cannot be applied (a $ref we cannot follow): stop checking it.
            self._validator = None
            self.note = f"input schema cannot be applied ({_clip(str(exc))}): not checked"
            return []

    @staticmethod
    def _collect(found: Iterable[Any]) -> list[str]:
        lines: list[str] = []
        for error in found:
            lines.append(_clip(f"{error.json_path}: {error.message}"))
            if len(lines) == MAX_ERRORS:
                break
        return lines


class ValidatorCache:
    """Compiled validators keyed by ``(server, tool)``, rebuilt when the schema object changes."""

    __slots__ = ("_entries",)

    def __init__(self) -> None:
        self._entries: dict[tuple[str, str], tuple[Any, ArgumentValidator]] = {}

    def get(self, server: str, tool: str, schema: Any) -> ArgumentValidator:
        """The validator for ``tool`` of ``server``, compiled on first use of this schema."""
        key = (server, tool)
        entry = self._entries.get(key)
        if entry is not None and entry[0] is schema:
            return entry[1]
        validator = ArgumentValidator.for_schema(schema)
        self._entries[key] = (schema, validator)
        return validator

    def forget(self, server: str, tool: str | None = None) -> None:
        """Drop the validators of one tool, or of every tool of ``server`` (tools changed)."""
        if tool is not None:
            self._entries.pop((server, tool), None)
            return
        for key in [k for k in self._entries if k[0] == server]:
            del self._entries[key]


def format_for_model(tool: str, errors: Iterable[str]) -> str:
    """The tool-error text the model sees when its arguments were rejected before the call."""
    lines = [f"- {e}" for e in errors]
    listing = "\n".join(lines) if lines else "- (no details)"
    return (
        f'The arguments for tool "{tool}" do not match its input schema, so it was not called:\n'
        f"{listing}\n"
        "Fix these arguments and call the tool again."
    )
