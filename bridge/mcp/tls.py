"""One TLS context for every HTTP connection to servers.

httpx builds a context (loading the CA bundle, about 20 ms) for each client it creates,
even one that only ever speaks plain ``http://``; a fleet makes one client per server, and
a crowd of sessions one each. The context is built once, on first use, and shared.
"""

from __future__ import annotations

import functools
import ssl

__all__ = ["verify_setting"]


def verify_setting(verify: bool) -> ssl.SSLContext | bool:
    """What to pass as httpx's ``verify``: the shared context, or False (no checks)."""
    return _context() if verify else False


@functools.cache
def _context() -> ssl.SSLContext:
    import httpx

    return httpx.create_ssl_context()
