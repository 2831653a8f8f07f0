"""A fake Ollama server: ``/api/chat`` (NDJSON streaming and not), ``/api/tags``."""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .script import Fail, Reply, split
from .server import FakeModelServer, Recorded

__all__ = ["FakeOllama"]

_CREATED = "2025-01-01T00:00:00Z"


class FakeOllama(FakeModelServer):
    """``url`` is the host, as ``AsyncClient(host=...)`` expects."""

    models: tuple[str, ...] = ("qwen-fake",)

    def routes(self) -> list[Route]:
        return [
            Route("/api/chat", self.play, methods=["POST"]),
            Route("/api/tags", self._tags, methods=["GET"]),
            Route("/api/version", self._version, methods=["GET"]),
        ]

    async def _tags(self, request: Request) -> Response:
        await self.record(request)
        return JSONResponse({"models": [{"name": m, "model": m} for m in self.models]})

    async def _version(self, request: Request) -> Response:
        await self.record(request)
        return JSONResponse({"version": "0.0.0-fake"})

    def error_body(self, fail: Fail) -> Any:
        return {"error": fail.message}

    def render(self, reply: Reply, request: Recorded) -> Response:
        body = request.body or {}
        model = body.get("model", "qwen-fake")
        messages = _messages(reply)
        final = _final(reply, model)
        if body.get("stream", True) is False:
            merged = {
                "role": "assistant",
                "content": reply.text,
                **({"thinking": reply.thinking} if reply.thinking else {}),
                **({"tool_calls": _tool_calls(reply)} if reply.calls else {}),
            }
            return JSONResponse({**final, "message": merged})
        chunks = [_chunk(model, m) for m in messages] + [final]
        return self.stream([json.dumps(c) + "\n" for c in chunks], "application/x-ndjson")


def _tool_calls(reply: Reply) -> list[dict[str, Any]]:
    return [{"function": {"name": c.name, "arguments": c.arguments}} for c in reply.calls]


def _messages(reply: Reply) -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = []
    if reply.thinking:
        messages.append({"role": "assistant", "content": "", "thinking": reply.thinking})
    if reply.text:
        messages += [
            {"role": "assistant", "content": piece} for piece in split(reply.text, reply.chunks)
        ]
    if reply.calls:
        messages.append({"role": "assistant", "content": "", "tool_calls": _tool_calls(reply)})
    return messages


def _chunk(model: str, message: dict[str, Any]) -> dict[str, Any]:
    return {"model": model, "created_at": _CREATED, "message": message, "done": False}


def _final(reply: Reply, model: str) -> dict[str, Any]:
    prompt, output = reply.usage
    return {
        "model": model,
        "created_at": _CREATED,
        "message": {"role": "assistant", "content": ""},
        "done": True,
        "done_reason": reply.finish or "stop",
        "prompt_eval_count": prompt,
        "eval_count": output,
    }
