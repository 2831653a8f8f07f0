"""Qualified tool names (`server__tool`) that every provider accepts, and their exact reverse.

Names keep to `[A-Za-z0-9_-]`, at most 64 characters, starting with a letter or `_`. A
name that must be shortened, or that collides with another, gets a hash suffix taken from
its original server and tool names, so the result never depends on the listing order.
"""

from __future__ import annotations

import hashlib
import re
import string
from collections.abc import Iterable, Iterator, Mapping

MAX_LENGTH = 64
SEPARATOR = "__"
HASH_LENGTH = 6

_OUTSIDE = re.compile(r"[^A-Za-z0-9_-]")
_LEGAL = frozenset(string.ascii_letters + string.digits + "_-")
_ASCII_TO_LEGAL = bytes(code if chr(code) in _LEGAL else ord("_") for code in range(256))
_STARTS = frozenset(string.ascii_letters + "_")


__all__ = ["MAX_LENGTH", "SEPARATOR", "NameTable", "possible_owners"]


def possible_owners(qualified: str, namespaces: Mapping[str, str]) -> list[str]:
    """The servers that could own ``qualified``, known from their namespaces alone.

    ``namespaces`` maps each server to its prefix (or its own name). A server's names all
    start with its cleaned namespace (whole, or cut to at least 16 characters when hashed,
    maybe behind a `_`) and `__`; a server with an empty namespace could own any name.
    Every server whose tool could be spelt ``qualified`` (the tool itself, or a colliding
    one) is in the list, so a catalog of just these names ``qualified`` as the whole would.
    """
    owners = []
    for server, namespace in namespaces.items():
        if not namespace:
            owners.append(server)
            continue
        cleaned = _clean(namespace)
        for form in (cleaned, f"_{cleaned}"):
            shortest = min(len(form), 16)
            if any(
                qualified.startswith(f"{form[:cut]}{SEPARATOR}")
                for cut in range(shortest, len(form) + 1)
            ):
                owners.append(server)
                break
    return owners


class NameTable:
    """The qualified name of every (server, tool) pair, and the way back.

    Build it with `NameTable.build`; `notes` then describes every rename and collision
    once, for the fleet to report when it loads. Iterating yields the qualified names in
    the order the pairs were first listed.
    """

    __slots__ = ("_by_name", "_by_pair", "_collisions", "_notes", "_renamed")

    def __init__(
        self,
        by_pair: dict[tuple[str, str], str],
        by_name: dict[str, tuple[str, str]],
        renamed: dict[tuple[str, str], str] | None = None,
        collisions: dict[str, list[tuple[str, str]]] | None = None,
    ) -> None:
        self._by_pair = by_pair
        self._by_name = by_name
        self._renamed = renamed or {}
        self._collisions = collisions or {}
        self._notes: list[str] | None = None

    @classmethod
    def build(
        cls,
        entries: Iterable[tuple[str, str]],
        prefixes: Mapping[str, str] | None = None,
    ) -> NameTable:
        """Name every (server, tool) pair; repeated pairs are named once.

        `prefixes` maps a server to the namespace its tools get instead of its own name;
        an empty prefix puts that server's tools in no namespace at all (`tool`).
        """
        prefixes = prefixes or {}
        final: dict[tuple[str, str], str] = {}
        by_name: dict[str, tuple[str, str]] = {}
        renamed: dict[tuple[str, str], str] = {}  # pair -> how it would be spelt unchanged
        collisions: dict[str, list[tuple[str, str]]] = {}
        for pair in entries:
            if pair in final:
                continue
            namespace = prefixes.get(pair[0], pair[0])
            spelt = f"{namespace}{SEPARATOR}{pair[1]}" if namespace else pair[1]
            # str.isidentifier() on ASCII text is [A-Za-z_][A-Za-z0-9_]*, at twice a regex's speed.
            if (
                len(spelt) <= MAX_LENGTH
                and spelt.isascii()
                and spelt[:1] != "-"
                and spelt.replace("-", "_").isidentifier()
            ):
                name = spelt
            else:
                name = _sanitized(namespace, pair, spelt)
                renamed[pair] = spelt
            final[pair] = name
            first = by_name.setdefault(name, pair)
            if first is not pair:
                collisions.setdefault(name, [first]).append(pair)
        if collisions:
            _resolve_collisions(final, renamed, collisions, prefixes)
            by_name = {name: pair for pair, name in final.items()}
        return cls(final, by_name, renamed, collisions)

    @property
    def notes(self) -> list[str]:
        """Every rename and collision, described once, in a stable order.

        Written on first use: a table rebuilt on every tools/list change seldom needs them.
        """
        if self._notes is None:
            colliding = {pair for members in self._collisions.values() for pair in members}
            self._notes = [
                _collision_note(name, sorted(members), self._by_pair)
                for name, members in sorted(self._collisions.items())
            ] + [
                f'renamed "{_show(pair)}" -> "{self._by_pair[pair]}" ({_why(spelt)})'
                for pair, spelt in sorted(self._renamed.items())
                if pair not in colliding
            ]
        return self._notes

    def qualified(self, server: str, tool: str) -> str:
        """Return the qualified name of a tool; KeyError when the table does not hold it."""
        try:
            return self._by_pair[(server, tool)]
        except KeyError:
            raise KeyError(f"no tool {tool!r} on server {server!r} in the name table") from None

    def resolve(self, qualified: str) -> tuple[str, str] | None:
        """Return the (server, tool) a qualified name stands for, or None for an unknown name."""
        return self._by_name.get(qualified)

    def items(self) -> Iterator[tuple[str, tuple[str, str]]]:
        """Yield (qualified name, (server, tool)) in listing order."""
        for pair, name in self._by_pair.items():
            yield name, pair

    def __iter__(self) -> Iterator[str]:
        return iter(self._by_pair.values())

    def __len__(self) -> int:
        return len(self._by_pair)

    def __contains__(self, qualified: object) -> bool:
        return qualified in self._by_name

    def __repr__(self) -> str:
        return f"NameTable({len(self)} tools, {len(self.notes)} notes)"


def _resolve_collisions(
    final: dict[tuple[str, str], str],
    renamed: dict[tuple[str, str], str],
    collisions: dict[str, list[tuple[str, str]]],
    prefixes: Mapping[str, str],
) -> None:
    """Give colliding names hash suffixes, in place."""
    for members in collisions.values():
        # The one member spelt exactly as its server and tool keeps the name, so a
        # plainly named tool is never renamed by a newcomer; every other one is hashed.
        keeps = [pair for pair in members if pair not in renamed]
        for pair in members:
            if len(keeps) != 1 or pair != keeps[0]:
                final[pair] = _hashed(prefixes.get(pair[0], pair[0]), *pair)
    _settle_hash_collisions(final, prefixes)


def _sanitized(namespace: str, pair: tuple[str, str], spelt: str) -> str:
    """The name before collisions are seen: legal characters, legal start, legal length."""
    name = _legal_start(_clean(spelt))
    if len(name) <= MAX_LENGTH:
        return name
    return _hashed(namespace, *pair)


def _hashed(namespace: str, server: str, tool: str, length: int = HASH_LENGTH) -> str:
    """The sanitized name cut to fit a `_` + hash suffix of the original server and tool."""
    digest = hashlib.sha256(f"{server}\0{tool}".encode()).hexdigest()[:length]
    room = MAX_LENGTH - 1 - length
    tool_part = _clean(tool)
    if namespace:
        # Cut a long namespace before the tool: the tool's name says more about the call.
        space = _clean(namespace)
        space = space[: max(16, room - len(SEPARATOR) - len(tool_part))]
        head = _legal_start(f"{space}{SEPARATOR}{tool_part}")
    else:
        head = _legal_start(tool_part)
    return f"{head[:room]}_{digest}"


def _clean(text: str) -> str:
    """Replace every character outside [A-Za-z0-9_-] with `_` (bytes.translate is fastest)."""
    if text.isascii():
        return text.encode("ascii").translate(_ASCII_TO_LEGAL).decode("ascii")
    return _OUTSIDE.sub("_", text)


def _legal_start(name: str) -> str:
    return name if name[:1] in _STARTS else f"_{name}"


def _settle_hash_collisions(final: dict[tuple[str, str], str], prefixes: Mapping[str, str]) -> None:
    """Lengthen the hash of names that still collide, until none does.

    That takes a 6-hex clash or a hashed name another tool is literally called: in
    practice the loop never turns, but the reverse map must stay exact regardless.
    """
    length = HASH_LENGTH
    while len(set(final.values())) != len(final):
        owners: dict[str, list[tuple[str, str]]] = {}
        for pair, name in final.items():
            owners.setdefault(name, []).append(pair)
        clashing = [pairs for pairs in owners.values() if len(pairs) > 1]
        length += 2
        for pairs in clashing:
            for server, tool in pairs:
                final[(server, tool)] = _hashed(prefixes.get(server, server), server, tool, length)


def _collision_note(
    name: str, members: list[tuple[str, str]], final: dict[tuple[str, str], str]
) -> str:
    listed = ", ".join(f'"{_show(pair)}" -> "{final[pair]}"' for pair in members)
    return f'name collision on "{name}": {listed}'


def _show(pair: tuple[str, str]) -> str:
    return f"{pair[0]}/{pair[1]}"


def _why(plain: str) -> str:
    reasons = []
    if _OUTSIDE.search(plain):
        reasons.append("characters outside [A-Za-z0-9_-] became _")
    if _legal_start(plain) != plain:
        reasons.append("names must start with a letter or _")
    if len(plain) > MAX_LENGTH:
        reasons.append(f"longer than {MAX_LENGTH} characters: shortened with a hash")
    return "; ".join(reasons) or "normalized"
