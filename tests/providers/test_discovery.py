"""Model discovery: the embedded default's order, and an Ollama probe that is always bounded.

The Ollama stand-ins are real TCP servers on 127.0.0.1: one answers /api/tags, one takes
the connection and never answers, one trickles its body, one answers garbage.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import pytest

from agent.errors import UsageError
from agent.model_choice import NO_MODEL, USING_LOCAL, choose_model
from config.schema import Config
from providers import discovery
from providers.discovery import DEFAULT_MODELS, discover_model, first_ollama_model
from providers.local import available

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]
BOUND = 0.3  # the probe's deadline in these tests
SLACK = 2.0  # what a busy machine may add to it


@asynccontextmanager
async def http_server(handler: Handler) -> AsyncIterator[str]:
    """A TCP server on a free port running ``handler`` per connection; yields its URL."""
    tasks: set[asyncio.Task[None]] = set()

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        tasks.add(asyncio.current_task())  # type: ignore[arg-type]
        try:
            await reader.readuntil(b"\r\n\r\n")
            await handler(reader, writer)
        except (asyncio.CancelledError, ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.close()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await server.wait_closed()


def response(body: bytes, status: str = "200 OK") -> bytes:
    head = f"HTTP/1.1 {status}\r\nContent-Type: application/json\r\n"
    return (
        head.encode() + f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode() + body
    )


def answering(payload: object, status: str = "200 OK") -> Handler:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        writer.write(response(body, status))
        await writer.drain()

    return handle


async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await asyncio.Event().wait()  # takes the request, never answers


async def trickling(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    body = json.dumps({"models": [{"name": "slow:latest"}]}).encode()
    writer.write(response(body)[: -len(body)])
    for byte in body:  # one byte per 50 ms: each read is quick, the whole is not
        writer.write(bytes([byte]))
        await writer.drain()
        await asyncio.sleep(0.05)


async def timed(probe: Awaitable[str | None]) -> tuple[str | None, float]:
    began = time.monotonic()
    async with asyncio.timeout(BOUND + SLACK + 5):
        result = await probe
    return result, time.monotonic() - began


async def test_a_reachable_ollama_gives_its_first_model():
    tags = {"models": [{"name": "qwen3:8b"}, {"name": "llama3.2"}]}
    async with http_server(answering(tags)) as url:
        assert await first_ollama_model(url, within=BOUND) == "qwen3:8b"
        # OLLAMA_HOST is often written without a scheme.
        assert await first_ollama_model(url.removeprefix("http://"), within=BOUND) == "qwen3:8b"


async def test_an_ollama_that_never_answers_is_given_up_on_within_the_bound():
    async with http_server(silent) as url:
        result, took = await timed(first_ollama_model(url, within=BOUND))
    assert result is None
    assert took < BOUND + SLACK


async def test_an_ollama_that_trickles_its_answer_is_bounded_as_a_whole():
    async with http_server(trickling) as url:
        result, took = await timed(first_ollama_model(url, within=BOUND))
    assert result is None
    assert took < BOUND + SLACK


@pytest.mark.parametrize(
    ("payload", "status"),
    [
        (b"<html>not json</html>", "200 OK"),
        ({"models": "none"}, "200 OK"),
        (["a", "list"], "200 OK"),
        ({"models": [{"size": 1}]}, "200 OK"),
        ({"models": [{"name": "qwen3"}]}, "500 Internal Server Error"),
    ],
)
async def test_an_answer_that_is_not_a_model_list_finds_no_model(payload, status):
    async with http_server(answering(payload, status)) as url:
        assert await first_ollama_model(url, within=BOUND) is None


async def test_nothing_listening_finds_no_model_quickly():
    async with http_server(silent) as url:
        pass  # closed: the port now refuses
    result, took = await timed(first_ollama_model(url, within=BOUND))
    assert result is None and took < BOUND + SLACK


async def test_api_keys_come_before_ollama_and_are_not_probed_for():
    async with http_server(silent) as url:
        openai, took = await timed(discover_model({"OPENAI_API_KEY": "k", "OLLAMA_HOST": url}))
        gemini = await discover_model({"GOOGLE_API_KEY": "k"}, url)
    assert openai == f"openai:{DEFAULT_MODELS['openai']}" and took < 0.2
    assert gemini == f"gemini:{DEFAULT_MODELS['gemini']}"


async def test_ollama_comes_before_the_local_model_and_the_config_url_before_ollama_host():
    async with (
        http_server(answering({"models": [{"name": "from-config"}]})) as configured,
        http_server(answering({"models": [{"name": "from-env"}]})) as env_url,
    ):
        assert await discover_model({"OLLAMA_HOST": env_url}, configured) == "ollama:from-config"
        assert await discover_model({"OLLAMA_HOST": env_url}) == "ollama:from-env"


async def test_with_no_key_and_no_ollama_the_local_model_is_next_when_installed():
    async with http_server(silent) as url:
        found = await discover_model({}, url, within=BOUND)
    assert found == ("local" if available() else None)


async def test_the_choice_says_it_uses_the_local_model_or_what_to_install(monkeypatch, capsys):
    async def local(env, url=None, *, within=0.5):
        return "local"

    async def nothing(env, url=None, *, within=0.5):
        return None

    config = Config.model_validate({})
    monkeypatch.setattr(discovery, "discover_model", local)
    assert await choose_model(config, env={}) == "local"
    assert USING_LOCAL in capsys.readouterr().err
    monkeypatch.setattr(discovery, "discover_model", nothing)
    with pytest.raises(UsageError) as raised:
        await choose_model(config, env={})
    assert str(raised.value).startswith(NO_MODEL.split("{")[0])
    assert "pip install" in str(raised.value)


async def test_the_command_line_and_the_config_are_chosen_without_discovery(monkeypatch):
    async def forbidden(*args, **kwargs):
        raise AssertionError("no discovery when a model is named")

    monkeypatch.setattr(discovery, "discover_model", forbidden)
    config = Config.model_validate({"model": "ollama:qwen3"})
    assert await choose_model(config, "openai:gpt-x", env={}) == "openai:gpt-x"
    assert await choose_model(config, env={}) == "ollama:qwen3"
