"""Ranked search over a catalog's tools (BM25 over names, descriptions and argument names).

Big fleets send the model only the pinned tools and ``search_tools`` (see
``bridge.builtin_tools``); a search ranks every tool here and loads the best ones. No
dependency: Okapi BM25 (k1 = 1.2, b = 0.75) over words split at case changes, digits,
``_``, ``-`` and punctuation; a tool's name words count twice, as names say most.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

__all__ = ["SearchHit", "ToolIndex", "words"]

K1 = 1.2
B = 0.75
NAME_WEIGHT = 2

_SPLIT = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")
_STOP = frozenset(
    "a an and are as at be by for from in is it of on or the to with this that".split()
)


def words(text: str) -> list[str]:
    """Lower-case words of ``text``: ``getWeather_v2`` gives get, weather, v, 2."""
    return [w.lower() for w in _SPLIT.findall(text) if w.lower() not in _STOP]


@dataclass(frozen=True, slots=True)
class SearchHit:
    name: str
    score: float


class ToolIndex:
    """An inverted index of tools; build once per catalog, search many times."""

    def __init__(self, tools: Iterable[tuple[str, str, dict[str, Any]]]) -> None:
        """``tools``: (qualified name, description, input schema) triples."""
        self._terms: dict[str, Counter[str]] = {}
        self._lengths: dict[str, int] = {}
        self._postings: dict[str, list[str]] = {}
        for name, description, schema in tools:
            terms = Counter(words(name) * NAME_WEIGHT)
            terms.update(words(description or ""))
            terms.update(w for arg in _argument_names(schema) for w in words(arg))
            self._terms[name] = terms
            self._lengths[name] = sum(terms.values())
            for term in terms:
                self._postings.setdefault(term, []).append(name)
        count = len(self._lengths) or 1
        self._average = sum(self._lengths.values()) / count
        self._idf = {
            term: math.log(1 + (count - len(names) + 0.5) / (len(names) + 0.5))
            for term, names in self._postings.items()
        }

    def __len__(self) -> int:
        return len(self._terms)

    def search(self, query: str, limit: int) -> list[SearchHit]:
        """The best ``limit`` tools for ``query``, best first (ties by name); no match, []."""
        scores: dict[str, float] = {}
        for term in set(words(query)):
            idf = self._idf.get(term)
            if idf is None:
                continue
            for name in self._postings[term]:
                frequency = self._terms[name][term]
                norm = K1 * (1 - B + B * self._lengths[name] / (self._average or 1))
                scores[name] = scores.get(name, 0.0) + idf * frequency * (K1 + 1) / (
                    frequency + norm
                )
        ranked = sorted(scores.items(), key=lambda item: (-item[1], item[0]))
        return [SearchHit(name, round(score, 3)) for name, score in ranked[:limit]]


def _argument_names(schema: Any) -> list[str]:
    properties = schema.get("properties") if isinstance(schema, dict) else None
    return [str(key) for key in properties] if isinstance(properties, dict) else []
