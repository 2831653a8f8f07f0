"""Which model the environment offers when none is named: an API key, a reachable Ollama,
or the in-process local model. Async and bounded: the Ollama probe never blocks the loop.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping

__all__ = [
    "DEFAULT_MODELS",
    "OLLAMA_DEFAULT_URL",
    "OLLAMA_PROBE_TIMEOUT",
    "discover_model",
    "first_ollama_model",
]

DEFAULT_MODELS = {"openai": "gpt-5-mini", "gemini": "gemini-2.5-flash"}
OLLAMA_DEFAULT_URL = "http://127.0.0.1:11434"
# A local daemon answers /api/tags in milliseconds; a start-up must not wait on a dead one.
OLLAMA_PROBE_TIMEOUT = 0.5
_MAX_TAGS_BYTES = 1 << 20


async def discover_model(
    env: Mapping[str, str], ollama_url: str | None = None, *, within: float = OLLAMA_PROBE_TIMEOUT
) -> str | None:
    """The embedded default's ``provider:model``, or None when the environment offers none.

    The order: OPENAI_API_KEY, GEMINI_API_KEY or GOOGLE_API_KEY, the first model of a
    reachable Ollama (``ollama_url``, else OLLAMA_HOST, else the default port), then the
    local model when llama-cpp-python and its default model are installed (``"local"``).
    """
    if env.get("OPENAI_API_KEY"):
        return f"openai:{DEFAULT_MODELS['openai']}"
    if env.get("GEMINI_API_KEY") or env.get("GOOGLE_API_KEY"):
        return f"gemini:{DEFAULT_MODELS['gemini']}"
    base = ollama_url or env.get("OLLAMA_HOST") or OLLAMA_DEFAULT_URL
    model = await first_ollama_model(base, within=within)
    if model is not None:
        return f"ollama:{model}"
    from providers.local import available

    return "local" if available() else None


async def first_ollama_model(base_url: str, *, within: float = OLLAMA_PROBE_TIMEOUT) -> str | None:
    """The first model an Ollama at ``base_url`` lists; None unless it answers ``within`` seconds.

    The deadline covers the whole exchange (connect, headers and a body that may trickle),
    not each read as httpx's own timeout does.
    """
    import httpx

    if "://" not in base_url:
        base_url = f"http://{base_url}"
    url = f"{base_url.rstrip('/')}/api/tags"
    try:
        async with asyncio.timeout(within), httpx.AsyncClient(timeout=within) as client:
            async with client.stream("GET", url) as answer:
                if answer.status_code != 200:
                    return None
                body = bytearray()
                async for chunk in answer.aiter_bytes():
                    body += chunk
                    if len(body) > _MAX_TAGS_BYTES:
                        return None
        tags = json.loads(body)
    except (TimeoutError, httpx.HTTPError, httpx.InvalidURL, ValueError):
        return None
    models = tags.get("models") if isinstance(tags, dict) else None
    names = [m["name"] for m in models or () if isinstance(m, dict) and m.get("name")]
    return str(names[0]) if names else None
