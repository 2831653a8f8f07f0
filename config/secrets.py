"""The process-wide registry of secret values, and masking them out of any text.

Values shorter than ``MIN_LENGTH`` characters are not remembered: masking every "abc" in
every text would mangle output while hiding next to nothing.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import quote

__all__ = [
    "MASK",
    "MIN_LENGTH",
    "StreamMasker",
    "forget_all",
    "looks_secret",
    "mask",
    "mask_data",
    "remember",
]

MASK = "***"
MIN_LENGTH = 4

# Names of env entries and headers whose values are credentials (as `agent config show` masks).
_SENSITIVE_NAME = re.compile(
    r"KEY|TOKEN|SECRET|PASSW|AUTH|CREDENTIAL|COOKIE|SESSION", re.IGNORECASE
)
_SECRET_FIELDS = frozenset({"api_key", "client_secret"})


class _Registry:
    """The values to mask and one compiled pattern for them, rebuilt when a value is added."""

    def __init__(self) -> None:
        self.values: frozenset[str] = frozenset()
        self.pattern: re.Pattern[str] | None = None

    def add(self, forms: set[str]) -> None:
        if forms <= self.values:
            return
        # Copy on write: a reader in another thread sees the old set or the new one.
        self.values = self.values | forms
        self.pattern = None

    def compiled(self) -> re.Pattern[str] | None:
        if self.pattern is None and self.values:
            # Longest first, so a secret that contains another is masked whole.
            ordered = sorted(self.values, key=len, reverse=True)
            self.pattern = re.compile("|".join(re.escape(value) for value in ordered))
        return self.pattern


_registry = _Registry()


def remember(value: str | None) -> None:
    """Mask ``value`` from now on, as written and as JSON or a URL would encode it."""
    if not value or len(value) < MIN_LENGTH:
        return
    forms = {value, json.dumps(value)[1:-1], json.dumps(value, ensure_ascii=False)[1:-1]}
    forms.add(quote(value, safe=""))
    _registry.add({form for form in forms if len(form) >= MIN_LENGTH})


def mask(text: str) -> str:
    """``text`` with every remembered secret replaced by ``***``."""
    pattern = _registry.compiled()
    if pattern is None or not text:
        return text
    return pattern.sub(MASK, text)


class StreamMasker:
    """Masks text that arrives in pieces, where a secret may be cut between two of them.

    ``feed`` returns what is safe to show now and holds back the end that could still
    become a secret with the next piece; ``flush`` returns the rest when the stream ends.
    """

    def __init__(self) -> None:
        self._held = ""

    def feed(self, piece: str) -> str:
        text = self._held + piece
        if not _registry.values:
            self._held = ""
            return text
        masked = mask(text)
        keep = _open_prefix(masked)
        self._held = masked[len(masked) - keep :] if keep else ""
        return masked[: len(masked) - keep]

    def flush(self) -> str:
        rest, self._held = self._held, ""
        return rest


def _open_prefix(text: str) -> int:
    """The length of the longest end of ``text`` that begins some secret (0 when none)."""
    longest = 0
    for value in _registry.values:
        for size in range(min(len(value) - 1, len(text)), longest, -1):
            if value.startswith(text[-size:]):
                longest = size
                break
    return longest


def mask_data(value: Any, *, keep: Callable[[dict[Any, Any]], bool] | None = None) -> Any:
    """A copy of JSON-like data with every string (keys too) masked.

    Objects for which ``keep`` is true are left whole (base64 media, where a match is noise).
    """
    if isinstance(value, str):
        return mask(value)
    if isinstance(value, dict):
        if keep is not None and keep(value):
            return value
        return {
            mask(key) if isinstance(key, str) else key: mask_data(item, keep=keep)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return [mask_data(item, keep=keep) for item in value]
    return value


def looks_secret(path: Sequence[Any]) -> bool:
    """Whether a config key path holds a credential: an api_key, a client_secret, or an
    env/header entry named like one (KEY, TOKEN, SECRET, ...)."""
    if not path or not isinstance(path[-1], str):
        return False
    if path[-1] in _SECRET_FIELDS:
        return True
    return (
        len(path) >= 2 and path[-2] in ("env", "headers") and bool(_SENSITIVE_NAME.search(path[-1]))
    )


def forget_all() -> None:
    """Forget every remembered value (for tests that need a clean registry)."""
    _registry.values = frozenset()
    _registry.pattern = None
