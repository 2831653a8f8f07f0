"""Parsers for calls written as Python: `[f(a=1), g(b='x')]` and Llama's `brave_search.call(...)`.

Code is parsed with `ast` and never run: only keyword arguments whose values are literals
(strings, numbers, booleans, None, and lists/dicts/tuples of them) make a call.
"""

from __future__ import annotations

import ast
import re
from typing import Any

from bridge.textcalls.calls import Candidate, ToolSet, consume

_LIST_START = re.compile(r"\[\s*[A-Za-z_][\w.]*\s*\(")
_PYTHON_TAG = "<|python_tag|>"
_LLAMA_ENDS = ("<|eom_id|>", "<|eot_id|>")
_BUILTIN = re.compile(r"\s*([A-Za-z_]\w*)\.call\(")
# JSON spellings models slip into Python calls.
_JSON_NAMES = {"true": True, "false": False, "null": None}
# A string literal (which may hold brackets) or a bracket; a lone quote matches nothing.
_BRACKET_TOKENS = re.compile(
    r"'''(?:[^\\]|\\.)*?'''|\"\"\"(?:[^\\]|\\.)*?\"\"\""
    r"|'(?:[^'\\\n]|\\.)*'|\"(?:[^\"\\\n]|\\.)*\"|[()\[\]{}]",
    re.DOTALL,
)
_CLOSERS = {"(": ")", "[": "]", "{": "}"}
# Past this many bracketed lists that are not calls a reply is not a pythonic call reply;
# the bound keeps `ast` from reparsing nested lists of a pathological text quadratically.
_MAX_LIST_TRIES = 64
# Namespaces models put in front of a tool name (`default_api.f`, `functions.f`).
_NAMESPACES = ("default_api", "functions", "tools")
# ast.parse raises ValueError for NUL bytes and RecursionError for absurd nesting.
_UNPARSABLE = (SyntaxError, ValueError, RecursionError)


class NotLiteral(Exception):
    """A value in a Python call is not a literal (a name, an expression, a call)."""


def parse_pythonic(text: str, tools: ToolSet) -> list[Candidate]:
    """`[f(a=1), g(b='x')]` anywhere in the text; a list with any unreadable call is skipped.

    Llama 4 wraps the list in `<|python_start|>` ... `<|python_end|>`; those go too.
    """
    found: list[Candidate] = []
    known: dict[int, int | None] = {}
    pos, tries = 0, 0
    while tries < _MAX_LIST_TRIES and (match := _LIST_START.search(text, pos)) is not None:
        start = match.start()
        end = matching_close(text, start, known)
        tries += end is not None
        calls = None if end is None else calls_in_source(text[start:end], start, "eval")
        if end is None or not calls:
            pos = start + 1
            continue
        block_start = start
        if text[max(0, start - 40) : start].rstrip().endswith("<|python_start|>"):
            block_start = text.rindex("<|python_start|>", 0, start)
        block = (block_start, consume(text, end, "<|python_end|>"))
        found.extend(Candidate(name, args, span, block) for name, args, span in calls)
        pos = end
    return found


def parse_llama_builtin(text: str, tools: ToolSet) -> list[Candidate]:
    """Llama 3.1 built-in tools: `<|python_tag|>brave_search.call(query="x")`.

    Without the tag the call must be the whole reply, so prose that mentions one is not read.
    """
    tag = text.find(_PYTHON_TAG)
    start = tag if tag != -1 else len(text) - len(text.lstrip())
    match = _BUILTIN.match(text, start + len(_PYTHON_TAG) if tag != -1 else start)
    close = None if match is None else matching_close(text, match.end() - 1)
    if match is None or close is None:
        return []
    end = consume(text, close, *_LLAMA_ENDS)
    if tag == -1 and text[end:].strip():
        return []
    try:
        node = ast.parse(text[match.start(1) : close], mode="eval").body
        if not isinstance(node, ast.Call):
            return []
        arguments = keyword_literals(node)
    except (*_UNPARSABLE, NotLiteral):
        return []
    return [Candidate(match.group(1), arguments, (start, end))]


def calls_in_source(
    source: str, offset: int, mode: str
) -> list[tuple[str, dict[str, Any], tuple[int, int]]] | None:
    """Read tool calls from Python source, or None when any part is not a plain call.

    `mode="eval"` takes one list of calls; `mode="exec"` takes statements that are each a
    call, a list of calls, or `print(call)` (Gemma's `tool_code` blocks).
    """
    try:
        tree = ast.parse(source, mode=mode)
    except _UNPARSABLE:
        return None
    if isinstance(tree, ast.Expression):
        nodes: list[ast.expr] = [tree.body]
    elif isinstance(tree, ast.Module) and all(isinstance(s, ast.Expr) for s in tree.body):
        nodes = [s.value for s in tree.body if isinstance(s, ast.Expr)]
    else:
        return None
    calls: list[ast.expr] = []
    for node in nodes:
        calls.extend(node.elts if isinstance(node, ast.List) else [node])
    lines = _line_offsets(source)
    found = []
    for call in calls:
        read = _read_call(call)
        if read is None:
            return None
        start = _offset(lines, source, call.lineno, call.col_offset)
        end = _offset(lines, source, call.end_lineno or call.lineno, call.end_col_offset or 0)
        found.append((read[0], read[1], (offset + start, offset + end)))
    return found


def _read_call(node: ast.expr) -> tuple[str, dict[str, Any]] | None:
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "print"
        and len(node.args) == 1
        and not node.keywords
    ):
        node = node.args[0]
    if not isinstance(node, ast.Call):
        return None
    func = node.func
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
        if func.value.id not in _NAMESPACES:
            return None
        name = func.attr
    elif isinstance(func, ast.Name):
        name = func.id
    else:
        return None
    try:
        return name, keyword_literals(node)
    except NotLiteral:
        return None


def keyword_literals(call: ast.Call) -> dict[str, Any]:
    """Return a call's keyword arguments as values; raise NotLiteral for anything else."""
    if call.args or any(k.arg is None for k in call.keywords):
        raise NotLiteral
    try:
        return {k.arg: literal(k.value) for k in call.keywords if k.arg is not None}
    except (TypeError, RecursionError) as exc:  # an unhashable dict key; absurd nesting
        raise NotLiteral from exc


def literal(node: ast.expr) -> Any:
    """Evaluate a literal expression node, also accepting JSON's true/false/null."""
    if isinstance(node, ast.Name) and node.id in _JSON_NAMES:
        return _JSON_NAMES[node.id]
    if isinstance(node, ast.List | ast.Tuple):
        return [literal(item) for item in node.elts]
    if isinstance(node, ast.Dict):
        if any(key is None for key in node.keys):
            raise NotLiteral
        return {
            literal(k): literal(v)
            for k, v in zip(node.keys, node.values, strict=True)
            if k is not None
        }
    try:
        return ast.literal_eval(node)
    except ValueError as exc:
        raise NotLiteral from exc


def matching_close(text: str, start: int, known: dict[int, int | None] | None = None) -> int | None:
    """Return the position just after the bracket closing the one at `start`.

    Quoted strings are skipped so a `)` or `]` inside an argument does not end the call;
    a lone quote (an apostrophe in prose) is ignored and left for `ast` to judge. With
    `known`, the brackets met on the way are recorded too (an inner bracket closes where
    this scan saw it close, or not at all if this scan failed with it open), so scanning
    every `[` of a long text stays linear.
    """
    if known is not None and start in known:
        return known[start]
    stack: list[tuple[str, int]] = []
    found: int | None = None
    for token in _BRACKET_TOKENS.finditer(text, start):
        char = token.group()
        if char in _CLOSERS:
            stack.append((_CLOSERS[char], token.start()))
        elif len(char) > 1:
            continue  # a string literal
        elif not stack or stack[-1][0] != char:
            break
        else:
            opened = stack.pop()[1]
            if known is not None:
                known[opened] = token.end()
            if not stack:
                found = token.end()
                break
    if known is not None:
        known.update((opened, None) for _closer, opened in stack)
    return found


def _line_offsets(source: str) -> list[int]:
    offsets = [0]
    for index, char in enumerate(source):
        if char == "\n":
            offsets.append(index + 1)
    return offsets


def _offset(lines: list[int], source: str, lineno: int, col_utf8: int) -> int:
    """Turn ast's (line, UTF-8 byte column) into a character offset into `source`."""
    line_start = lines[lineno - 1]
    line = source[line_start:].split("\n", 1)[0]
    return line_start + len(line.encode()[:col_utf8].decode(errors="ignore"))
