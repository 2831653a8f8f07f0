"""How big a config may be: bytes, nesting depth and values after alias expansion.

Checked on libyaml's event stream (C, not recursive) before anything is built, so an alias
bomb, deep nesting or a huge file end in a located error in milliseconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from config.errors import ConfigError

__all__ = ["MAX_CONFIG_BYTES", "MAX_DEPTH", "MAX_VALUES", "check_shape", "read_limited"]

MAX_CONFIG_BYTES = 1024 * 1024
"""A config file larger than 1 MiB is refused before it is parsed."""

MAX_DEPTH = 64
"""Mappings and lists nested deeper than this (aliases followed) are refused."""

MAX_VALUES = 10_000
"""Keys, values and list items, counting each alias as what it expands to.

Real fleets use a few hundred; the cap keeps loading under a second on a slow machine.
"""


def read_limited(handle: Any, name: str) -> str:
    """Read a binary ``handle`` as UTF-8 text of at most MAX_CONFIG_BYTES bytes."""
    raw: bytes = handle.read(MAX_CONFIG_BYTES + 1)
    if len(raw) > MAX_CONFIG_BYTES:
        raise ConfigError(
            f"the file is larger than {MAX_CONFIG_BYTES / 2**20:g} MiB; a config is a few "
            "kilobytes, check that this is the right file",
            location=name,
        )
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise ConfigError(
            f"the file is not UTF-8 (byte 0x{raw[exc.start]:02x}); save it as UTF-8",
            location=f"{name}:{line}:{column}",
        ) from None


@dataclass
class _Open:
    """A mapping or list whose end has not come yet."""

    anchor: str | None
    first_value: int  # the running value count when it started
    deepest: int  # the deepest level reached inside it so far
    is_mapping: bool
    position: Any = None  # the current key (mapping) or index (list)
    expect_key: bool = True


def check_shape(text: str, name: str) -> None:
    """Raise ConfigError when ``text`` nests or expands past the limits.

    Syntax errors are left to the parser that builds the document; this pass stops at
    the first one it meets, which comes no later in the file than the parser's.
    """
    import yaml

    loaders: list[Any] = [yaml.SafeLoader]
    if hasattr(yaml, "CSafeLoader"):
        # libyaml is some 20 times faster; where it disagrees about the syntax, the pure
        # Python parser (the one that builds the document) decides.
        loaders.insert(0, yaml.CSafeLoader)
    for loader in loaders:
        try:
            _scan(yaml.parse(text, Loader=loader), name)
        except yaml.YAMLError:
            continue  # the document parser reports it, with its own wording
        return


def _scan(events: Any, name: str) -> None:
    import yaml

    values = 0
    stack: list[_Open] = []
    anchors: dict[str, tuple[int, int]] = {}  # anchor -> (values, levels) it expands to
    for event in events:
        if isinstance(event, yaml.CollectionEndEvent):
            done = stack.pop()
            if done.anchor is not None:
                levels = done.deepest - len(stack)
                anchors[done.anchor] = (values - done.first_value + 1, levels)
            if stack:
                stack[-1].deepest = max(stack[-1].deepest, done.deepest)
            continue
        if not isinstance(event, yaml.NodeEvent):
            continue
        if stack:
            _begin(stack[-1], event.value if isinstance(event, yaml.ScalarEvent) else None)
        size, levels = 1, 1
        if isinstance(event, yaml.AliasEvent):
            if any(item.anchor == event.anchor for item in stack):
                raise _error(
                    "an alias used inside its own anchor makes an endless value; "
                    "remove the recursion",
                    event,
                    stack,
                    name,
                )
            size, levels = anchors.get(event.anchor or "", (1, 1))
        values += size
        reach = len(stack) + levels
        if reach > MAX_DEPTH:
            raise _error(
                f"nested deeper than {MAX_DEPTH} levels; a config needs a handful",
                event,
                stack,
                name,
            )
        if values > MAX_VALUES:
            raise _error(
                f"more than {MAX_VALUES} values (aliases counted as what they expand to); "
                "a config needs a few hundred",
                event,
                stack,
                name,
            )
        if stack:
            stack[-1].deepest = max(stack[-1].deepest, reach)
        if isinstance(event, yaml.CollectionStartEvent):
            mapping = isinstance(event, yaml.MappingStartEvent)
            stack.append(_Open(event.anchor, values, len(stack) + 1, mapping))
        elif isinstance(event, yaml.ScalarEvent) and event.anchor is not None:
            anchors[event.anchor] = (1, 1)


def _begin(parent: _Open, scalar: Any) -> None:
    """A child of ``parent`` starts: it is the next list item, or a mapping's key or value."""
    if not parent.is_mapping:
        parent.position = 0 if parent.position is None else parent.position + 1
    elif parent.expect_key:
        parent.position = scalar if scalar is not None else "?"
        parent.expect_key = False
    else:
        parent.expect_key = True


def _error(message: str, event: Any, stack: list[_Open], name: str) -> ConfigError:
    from config.document import dotted

    path = [item.position for item in stack if item.position is not None]
    key = dotted(tuple(path[:6])) + ("…" if len(path) > 6 else "") if path else None
    mark = event.start_mark
    return ConfigError(message, location=f"{name}:{mark.line + 1}:{mark.column + 1}", key=key)
