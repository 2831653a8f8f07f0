"""Which top-level Markdown blocks of a growing text are finished, and which changed.

A streamed answer is parsed from the start of its first unfinished block only. A block is
finished once a later top-level block starts on a complete line: CommonMark never reopens it
after that (link reference definitions aside, which ``ChatMessage.finish`` checks for).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from markdown_it.token import Token

__all__ = ["Block", "Signature", "finished", "items", "line_offset", "top_level"]

Signature = tuple[tuple[object, ...], ...]


def _signature(tokens: Sequence[Token]) -> Signature:
    # Everything a block widget is built from, but not the line numbers: the same block
    # parsed from a later starting line has the same signature.
    return tuple(
        (
            t.type,
            t.tag,
            t.nesting,
            t.level,
            t.info,
            t.markup,
            t.content,
            t.hidden,
            tuple(sorted(t.attrs.items())),
        )
        for t in tokens
    )


@dataclass(frozen=True)
class Block:
    """The tokens of one top-level block, the line it starts on and what it renders from."""

    tokens: tuple[Token, ...]
    start: int
    signature: Signature


def top_level(tokens: Iterable[Token]) -> list[Block]:
    """Split a token stream into its top-level blocks (each opens and closes at depth 0)."""
    blocks: list[Block] = []
    current: list[Token] = []
    depth = 0
    for token in tokens:
        current.append(token)
        depth += token.nesting
        if depth == 0:
            start = current[0].map[0] if current[0].map else 0
            blocks.append(Block(tuple(current), start, _signature(current)))
            current = []
    return blocks


def items(signature: Signature) -> list[Signature]:
    """The signatures of the children of a container block (the items of a list)."""
    out: list[Signature] = []
    current: list[tuple[object, ...]] = []
    depth = 0
    for token in signature[1:-1]:  # between the block's own open and close
        current.append(token)
        depth += int(str(token[2]))  # nesting: 1 opens, -1 closes
        if depth == 0:
            out.append(tuple(current))
            current = []
    return out


def finished(blocks: Sequence[Block], complete_lines: int) -> int:
    """How many leading blocks are final, given how many lines of the text are complete.

    The last block that starts on a complete line may still grow; everything before it is
    final. A block that starts on the unfinished last line proves nothing: ``***`` is a
    rule until ``bar***`` arrives and makes it part of the paragraph above.
    """
    for index in range(len(blocks) - 1, -1, -1):
        if blocks[index].start < complete_lines:
            return index
    return 0


def line_offset(text: str, line: int) -> int:
    """The index in ``text`` where line ``line`` (counted from 0, split at ``\\n``) begins."""
    offset = 0
    for _ in range(line):
        offset = text.index("\n", offset) + 1
    return offset
