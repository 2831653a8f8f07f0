"""Turning pydantic validation errors into ConfigErrors that point into the file.

Messages describe the expected type in words and never quote a value that came from
an environment variable.
"""

from __future__ import annotations

import difflib
import types
from pathlib import Path
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError

from config.compat import PathMap
from config.document import Document, KeyPath, dotted
from config.errors import ConfigError

__all__ = ["explain"]

_NAMES: dict[Any, tuple[str, str]] = {
    str: ("a string", "strings"),
    int: ("a whole number", "whole numbers"),
    float: ("a number", "numbers"),
    bool: ("true or false", "true/false values"),
    Path: ("a path", "paths"),
}
_BOUNDS = {"gt": "greater than", "ge": "at least", "lt": "less than", "le": "at most"}


def explain(
    exc: ValidationError,
    doc: Document,
    paths: PathMap,
    secrets: set[KeyPath],
    root: type[BaseModel],
) -> list[ConfigError]:
    """One ConfigError per pydantic error, located in ``doc`` through ``paths``."""
    problems = []
    for error in exc.errors():
        loc: KeyPath = tuple(error["loc"])
        about_key = bool(loc) and loc[-1] == "[key]"
        if about_key:
            loc = loc[:-1]
        secret = any(loc[:end] in secrets for end in range(len(loc) + 1))
        where = paths.to_file(loc)
        kind = error["type"]
        at_key = about_key or kind == "extra_forbidden"
        if about_key:
            message = f"a key here must be a string, got {_value(error['input'], secret)}"
        else:
            message = _message(error, loc, root, secret)
        problems.append(
            ConfigError(message, location=doc.locate(where, at_key=at_key), key=dotted(where))
        )
    return problems


def _message(error: Any, loc: KeyPath, root: type[BaseModel], secret: bool) -> str:
    kind: str = error["type"]
    ctx: dict[str, Any] = error.get("ctx") or {}
    value = error.get("input")
    if kind == "extra_forbidden":
        return _unknown_key(str(loc[-1]), _annotation_at(root, loc[:-1]))
    if kind == "missing":
        return f"missing required key '{loc[-1]}'; add it"
    if kind in ("value_error", "assertion_error"):
        return str(ctx.get("error", error["msg"]))
    expected = _annotation_at(root, loc)
    if kind == "literal_error":
        options = [str(option) for option in get_args(_strip_optional(expected))]
        message = f"expected one of {', '.join(options)}, got {_value(value, secret)}"
        close = difflib.get_close_matches(str(value), options, n=1) if not secret else []
        return message + (f" (did you mean '{close[0]}'?)" if close else "")
    for bound, words in _BOUNDS.items():
        if bound in ctx:
            return f"must be {words} {_number(ctx[bound])}, got {_value(value, secret)}"
    if kind == "finite_number":
        return f"must be a finite number of seconds, got {_value(value, secret)}"
    if kind in ("too_short", "string_too_short"):
        return "must not be empty"
    message = f"expected {_describe(expected)}, got {_value(value, secret)}"
    if _strip_optional(expected) is str and isinstance(value, int | float):
        message += " (put it in quotes to make it a string)"
    return message


def _unknown_key(key: str, model: Any) -> str:
    if not (isinstance(model, type) and issubclass(model, BaseModel)):
        return f"unknown key '{key}'; remove it"
    allowed = list(model.model_fields)
    message = f"unknown key '{key}'; allowed keys: {', '.join(allowed)}"
    close = difflib.get_close_matches(key, allowed, n=1)
    return message + (f" (did you mean '{close[0]}'?)" if close else "")


def _annotation_at(root: type[BaseModel], loc: KeyPath) -> Any:
    """The declared type at ``loc``, or None where the path leaves the schema."""
    current: Any = root
    for part in loc:
        current = _strip_optional(current)
        origin = get_origin(current)
        if isinstance(current, type) and issubclass(current, BaseModel):
            field = current.model_fields.get(str(part))
            if field is None:
                return None
            current = field.annotation
        elif origin is dict:
            current = get_args(current)[1]
        elif origin in (list, tuple):
            current = get_args(current)[0]
        else:
            return None
    return current


def _strip_optional(annotation: Any) -> Any:
    if get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    if get_origin(annotation) in (Union, types.UnionType):
        members = [arg for arg in get_args(annotation) if arg is not type(None)]
        if len(members) == 1:
            return _strip_optional(members[0])
    return annotation


def _describe(annotation: Any, plural: bool = False) -> str:
    annotation = _strip_optional(annotation)
    origin = get_origin(annotation)
    if annotation in _NAMES:
        return _NAMES[annotation][plural]
    if origin is Literal:
        return ("any of " if plural else "one of ") + ", ".join(map(str, get_args(annotation)))
    if origin in (list, tuple):
        return ("lists of " if plural else "a list of ") + _describe(get_args(annotation)[0], True)
    if origin is dict and get_args(annotation)[1] is str:
        return "mappings of strings" if plural else "a mapping of names to strings"
    if origin is dict:
        return "mappings" if plural else "a mapping"
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return "mappings" if plural else "a mapping"
    return "values" if plural else "a valid value"


def _value(value: Any, secret: bool) -> str:
    if secret:
        return "a value from an environment variable (not shown)"
    if value is None:
        return "nothing (an empty value)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return f"the number {_number(value)}"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return f'a string "{shown}"'
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def _number(value: Any) -> str:
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)
