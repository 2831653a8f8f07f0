"""Where tokens and client registrations live between runs.

One JSON file that only the user can read (0600 in a 0700 directory) under the user's
data directory. Tokens are keyed by (issuer, resource), registrations by (issuer,
redirect URI). With no path the store keeps everything in memory (tests, CI runs).
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

__all__ = ["ClientInfo", "StoredTokens", "TokenStore", "default_store_path"]


@dataclass(frozen=True)
class ClientInfo:
    """Who the client is at one authorization server, and how it proves it."""

    client_id: str
    client_secret: str | None = None
    auth_method: str = "none"
    """``none``, ``client_secret_basic``, ``client_secret_post`` or ``private_key_jwt``."""
    redirect_uri: str | None = None


@dataclass(frozen=True)
class StoredTokens:
    """The tokens of one (issuer, resource) with what a refresh needs."""

    server_url: str
    issuer: str
    resource: str
    token_endpoint: str
    client: ClientInfo
    access_token: str
    refresh_token: str | None = None
    expires_at: float | None = None
    scopes: tuple[str, ...] = ()
    token_type: str = "Bearer"
    dpop_key: str | None = None
    """PEM of the key a DPoP-bound token is bound to: useless without it, so kept with it."""

    def __repr__(self) -> str:  # never let a token (or a key) reach a log line
        return (
            f"StoredTokens(issuer={self.issuer!r}, resource={self.resource!r}, "
            f"scopes={self.scopes!r}, expires_at={self.expires_at!r})"
        )

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["scopes"] = list(self.scopes)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> StoredTokens:
        fields = dict(data)
        fields["client"] = ClientInfo(**fields["client"])
        fields["scopes"] = tuple(fields.get("scopes") or ())
        return cls(**fields)


def default_store_path() -> Path:
    """``$XDG_DATA_HOME/agent/oauth/tokens.json`` (``~/.local/share`` when unset)."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "agent" / "oauth" / "tokens.json"


class TokenStore:
    """Tokens and registrations, read from and written through to ``path`` (if any)."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self._data: dict[str, dict[str, Any]] | None = None

    # -- tokens ----------------------------------------------------------------------

    def tokens_for(self, server_url: str) -> StoredTokens | None:
        """The most recently saved tokens obtained for this server URL."""
        found = [t for t in self._section("tokens").values() if t.get("server_url") == server_url]
        return StoredTokens.from_json(found[-1]) if found else None

    def all_tokens(self) -> list[StoredTokens]:
        return [StoredTokens.from_json(t) for t in self._section("tokens").values()]

    def save_tokens(self, tokens: StoredTokens) -> None:
        section = self._section("tokens")
        key = f"{tokens.issuer} {tokens.resource}"
        section.pop(key, None)  # re-insert so that the newest is last
        section[key] = tokens.to_json()
        self._write()

    def forget(self, server_url: str) -> int:
        """Delete every token saved for this server URL; how many entries went."""
        section = self._section("tokens")
        keys = [k for k, t in section.items() if t.get("server_url") == server_url]
        for key in keys:
            del section[key]
        if keys:
            self._write()
        return len(keys)

    # -- registrations ---------------------------------------------------------------

    def client_for(self, issuer: str, redirect_uri: str | None) -> ClientInfo | None:
        data = self._section("clients").get(f"{issuer} {redirect_uri or ''}")
        return ClientInfo(**data) if data else None

    def registered_redirect(self, issuer: str) -> str | None:
        """A redirect URI some earlier registration at ``issuer`` used, to reuse its port."""
        for key, data in self._section("clients").items():
            if key.startswith(f"{issuer} ") and data.get("redirect_uri"):
                return str(data["redirect_uri"])
        return None

    def save_client(self, issuer: str, client: ClientInfo) -> None:
        self._section("clients")[f"{issuer} {client.redirect_uri or ''}"] = asdict(client)
        self._write()

    # -- the file --------------------------------------------------------------------

    def _section(self, name: str) -> dict[str, Any]:
        if self._data is None:
            self._data = self._read()
        return self._data.setdefault(name, {})

    def _read(self) -> dict[str, dict[str, Any]]:
        if self.path is None:
            return {}
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except ValueError:
            return {}  # a damaged file is replaced on the next save rather than fatal
        return data if isinstance(data, dict) else {}

    def _write(self) -> None:
        if self.path is None or self._data is None:
            return
        directory = self.path.parent
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(directory, 0o700)
        # mkstemp creates the file 0600; replace() makes the write atomic.
        fd, temp = tempfile.mkstemp(dir=directory, prefix=".tokens-", suffix=".json")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(self._data, handle, indent=2)
            os.replace(temp, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temp)
            raise
