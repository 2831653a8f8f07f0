"""The ``WWW-Authenticate`` challenge of a 401 or 403: ``Bearer`` (RFC 6750, RFC 9728) or
``DPoP`` (RFC 9449), which carry the same parameters."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["Challenge", "parse_challenge"]

# auth-param = token "=" ( token / quoted-string ); the quoted form may escape with "\".
_PARAM = re.compile(r'([A-Za-z0-9_.-]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^\s,]*)')
_SCHEME = re.compile(r"(?:^|,)\s*([A-Za-z][A-Za-z0-9_.-]*)(?=\s+[A-Za-z0-9_.-]+\s*=|\s*$|\s*,)")


@dataclass(frozen=True)
class Challenge:
    """What the server said about the authorization it wants."""

    error: str | None = None
    scopes: tuple[str, ...] = ()
    resource_metadata: str | None = None

    @property
    def insufficient_scope(self) -> bool:
        return self.error == "insufficient_scope"


def parse_challenge(headers: Iterable[str]) -> Challenge | None:
    """The Bearer or DPoP challenge among the ``WWW-Authenticate`` values, if there is one."""
    for header in headers:
        params = _bearer_params(header)
        if params is None:
            continue
        scope = params.get("scope")
        return Challenge(
            error=params.get("error"),
            scopes=tuple(scope.split()) if scope else (),
            resource_metadata=params.get("resource_metadata") or None,
        )
    return None


def _bearer_params(header: str) -> dict[str, str] | None:
    """The parameters of the first Bearer or DPoP challenge in one header (it may list
    several schemes)."""
    starts = [(m.start(1), m.group(1)) for m in _SCHEME.finditer(header)]
    for index, (start, scheme) in enumerate(starts):
        if scheme.lower() not in ("bearer", "dpop"):
            continue
        end = starts[index + 1][0] if index + 1 < len(starts) else len(header)
        body = header[start + len(scheme) : end]
        return {
            name.lower(): _unquote(value) for name, value in _PARAM.findall(body) if value != ""
        }
    return None


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return re.sub(r"\\(.)", r"\1", value[1:-1])
    return value
