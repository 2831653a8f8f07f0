"""Reading one config file into plain data plus the position of every key and value.

Positions let every later error (interpolation, schema) name ``file:line:column``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from config.errors import ConfigError
from config.limits import check_shape

__all__ = ["Document", "KeyPath", "Mark", "dotted", "parse"]

KeyPath = tuple[Any, ...]
"""A path of mapping keys and list indexes from the document root, e.g. ``("servers", "fs")``."""


@dataclass(frozen=True)
class Mark:
    """Where a key and its value start, 1-based; the root has no key of its own."""

    key_line: int
    key_column: int
    value_line: int
    value_column: int


@dataclass
class Document:
    """A parsed file: its data and a map from key path to position."""

    name: str
    data: Any
    marks: dict[KeyPath, Mark] = field(default_factory=dict)

    def locate(self, path: KeyPath, *, at_key: bool = False) -> str:
        """Return ``"file:line:column"`` for ``path``, or for its nearest known ancestor.

        ``at_key`` points at the key (for unknown or misplaced keys) instead of the value.
        """
        for end in range(len(path), -1, -1):
            mark = self.marks.get(path[:end])
            if mark is None:
                continue
            if at_key or end < len(path):
                return f"{self.name}:{mark.key_line}:{mark.key_column}"
            return f"{self.name}:{mark.value_line}:{mark.value_column}"
        return self.name


def dotted(path: KeyPath) -> str:
    """Render a key path the way a person would write it: ``servers.fs.args[0]``."""
    out = ""
    for part in path:
        if isinstance(part, int) and not isinstance(part, bool):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def parse(text: str, name: str) -> Document:
    """Parse YAML (or JSON) ``text``; ``name`` is the file name used in messages.

    Raises ConfigError for bad syntax and for a key given twice in one mapping, which
    plain YAML loading would silently resolve to the last value.
    """
    import yaml

    if name.endswith(".json"):
        # Valid JSON never has a raw tab inside a string, so tabs are only indentation,
        # which YAML forbids; a space keeps every column where it was.
        text = text.replace("\t", " ")
    try:
        loader = yaml.SafeLoader(text)  # checks every character first
    except yaml.reader.ReaderError as exc:
        before = text[: exc.position]
        where = f"{name}:{before.count(chr(10)) + 1}:{exc.position - before.rfind(chr(10))}"
        code = int(exc.character)
        escape = f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
        raise ConfigError(
            f"character U+{code:04X} is not allowed in YAML; remove it, or write it as "
            f'"{escape}" inside a double-quoted string',
            location=where,
        ) from None
    check_shape(text, name)  # before the recursive composer sees a bomb or a deep nest
    try:
        node = loader.get_single_node()
        if node is None:
            return Document(name, {}, {(): Mark(1, 1, 1, 1)})
        marks: dict[KeyPath, Mark] = {}
        _walk(loader, node, (), node.start_mark, marks, name)
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{name}:{mark.line + 1}:{mark.column + 1}" if mark else name
        problem = exc.problem or exc.context or "invalid YAML"
        if exc.problem and exc.context and exc.context_mark:
            problem += f" ({exc.context} at line {exc.context_mark.line + 1})"
        raise ConfigError(
            f"invalid YAML: {problem}; fix the syntax there (check indentation, colons and quotes)",
            location=where,
        ) from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"invalid YAML: {exc}", location=name) from None
    finally:
        loader.dispose()
    return Document(name, data, marks)


def _walk(
    loader: Any, node: Any, path: KeyPath, key_mark: Any, marks: dict[KeyPath, Mark], name: str
) -> None:
    import yaml

    # A block mapping "starts" at its first key; its own key names it better.
    start = key_mark if path and isinstance(node, yaml.MappingNode) else node.start_mark
    marks[path] = Mark(key_mark.line + 1, key_mark.column + 1, start.line + 1, start.column + 1)
    if len(path) > 64:
        raise ConfigError(
            "nesting deeper than 64 levels, most likely an alias used inside its own anchor; "
            "remove the recursion",
            location=f"{name}:{start.line + 1}:{start.column + 1}",
        )
    if isinstance(node, yaml.MappingNode):
        _check_duplicates(loader, node, path, name)
        loader.flatten_mapping(node)  # resolves `<<` merge keys the way the constructor will
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            if _hashable(key):  # the constructor raises a marked error for the others
                _walk(loader, value_node, (*path, key), key_node.start_mark, marks, name)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _walk(loader, item, (*path, index), item.start_mark, marks, name)


def _check_duplicates(loader: Any, node: Any, path: KeyPath, name: str) -> None:
    """Reject a key given twice in one mapping; keys brought in by ``<<`` may be overridden."""
    seen: dict[Any, Any] = {}
    for key_node, _ in node.value:
        if key_node.tag == "tag:yaml.org,2002:merge":
            continue
        key = loader.construct_object(key_node, deep=True)
        if not _hashable(key):
            continue
        if key in seen:
            first = seen[key].start_mark
            here = key_node.start_mark
            raise ConfigError(
                f"duplicate key '{key}' (first given at line {first.line + 1}); remove one of them",
                location=f"{name}:{here.line + 1}:{here.column + 1}",
                key=dotted((*path, key)),
            )
        seen[key] = key_node


def _hashable(value: Any) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True
