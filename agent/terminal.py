"""The one terminal sanitizer: text from servers, models and config files made safe to print.

Every character a terminal could act on becomes U+FFFD; JSON output escapes the same
characters as ``\\uXXXX``. Secrets are masked first (config/secrets.py).
"""

from __future__ import annotations

import json
from typing import Any

from config.secrets import mask, mask_data

__all__ = ["clean", "dumps", "sanitize"]

# C0 controls except tab and newline (ESC starts CSI/OSC sequences, CR overwrites a line),
# DEL, C1 (U+009B is a one-byte CSI, U+009D an OSC), and the bidi embeddings, overrides and
# isolates, which reorder what a line appears to say.
_BEYOND_C0 = [*range(0x7F, 0xA0), *range(0x202A, 0x202F), *range(0x2066, 0x206A)]
_ACTIVE = [*range(9), *range(11, 32), *_BEYOND_C0]

# Shown as U+FFFD: the reader sees that something was there, and the printable rest of a
# sequence ("[2J", "]52;c;...") stays visible as plain text without any effect.
_TERMINAL = dict.fromkeys(_ACTIVE, "\ufffd")

# JSON escapes C0 itself; the rest (and the line separators JavaScript chokes on) are
# escaped here, so the output stays valid JSON with the same decoded value.
_JSON = {code: f"\\u{code:04x}" for code in [*_BEYOND_C0, 0x2028, 0x2029]}


def sanitize(text: str) -> str:
    """Neutralise terminal control sequences in text from a server, a model or a file.

    Newlines and tabs stay; a CRLF line end becomes a newline.
    """
    return text.replace("\r\n", "\n").translate(_TERMINAL)


def clean(text: str) -> str:
    """Text from outside, ready for a terminal or a log: secrets masked, then sanitized."""
    return sanitize(mask(text))


def dumps(value: Any, *, indent: int | None = None) -> str:
    """JSON for stdout: secrets masked, terminal-active characters escaped, Unicode kept."""
    text = json.dumps(mask_data(value), indent=indent, ensure_ascii=False, default=str)
    return text.translate(_JSON)
