"""A fake OpenAI Chat Completions endpoint (streaming SSE and plain JSON)."""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .script import Fail, Reply, split
from .server import FakeModelServer, Recorded

__all__ = ["FakeOpenAI"]

_TYPES = {401: "invalid_request_error", 404: "invalid_request_error", 429: "requests"}


class FakeOpenAI(FakeModelServer):
    """``url`` ends in ``/v1``, as ``AsyncOpenAI(base_url=...)`` expects."""

    url_suffix = "/v1"
    models: tuple[str, ...] = ("gpt-fake",)

    def routes(self) -> list[Route]:
        return [
            Route("/v1/chat/completions", self.play, methods=["POST"]),
            Route("/v1/models", self._models, methods=["GET"]),
        ]

    async def _models(self, request: Request) -> Response:
        await self.record(request)
        data = [{"id": m, "object": "model", "created": 0, "owned_by": "fake"} for m in self.models]
        return JSONResponse({"object": "list", "data": data})

    def error_body(self, fail: Fail) -> Any:
        return {
            "error": {
                "message": fail.message,
                "type": _TYPES.get(fail.status, "invalid_request_error"),
                "param": None,
                "code": fail.code,
            }
        }

    def render(self, reply: Reply, request: Recorded) -> Response:
        body = request.body or {}
        model = body.get("model", "gpt-fake")
        finish = reply.finish or ("tool_calls" if reply.calls else "stop")
        if not body.get("stream"):
            return JSONResponse(_completion(reply, model, finish))
        include_usage = (body.get("stream_options") or {}).get("include_usage", False)
        chunks = [_chunk(model, delta) for delta in _deltas(reply)]
        chunks.append(_chunk(model, {}, finish))
        if include_usage:
            chunks.append({**_chunk(model, {}), "choices": [], "usage": _usage(reply)})
        lines = [f"data: {json.dumps(c)}\n\n" for c in chunks] + ["data: [DONE]\n\n"]
        return self.stream(lines, "text/event-stream")


def _arguments(value: dict[str, Any] | str) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def _usage(reply: Reply) -> dict[str, int]:
    prompt, completion = reply.usage
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
    }


def _deltas(reply: Reply) -> list[dict[str, Any]]:
    deltas: list[dict[str, Any]] = [{"role": "assistant", "content": ""}]
    if reply.text:
        deltas += [{"content": piece} for piece in split(reply.text, reply.chunks)]
    for index, call in enumerate(reply.calls):
        head = {
            "index": index,
            "id": call.id or f"call_{index}",
            "type": "function",
            "function": {"name": call.name, "arguments": ""},
        }
        deltas.append({"tool_calls": [head]})
        for piece in split(_arguments(call.arguments), reply.chunks):
            deltas.append({"tool_calls": [{"index": index, "function": {"arguments": piece}}]})
    return deltas


def _chunk(model: str, delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion.chunk",
        "created": 1700000000,
        "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }


def _completion(reply: Reply, model: str, finish: str) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": reply.text or None}
    if reply.calls:
        message["tool_calls"] = [
            {
                "id": call.id or f"call_{index}",
                "type": "function",
                "function": {"name": call.name, "arguments": _arguments(call.arguments)},
            }
            for index, call in enumerate(reply.calls)
        ]
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": 1700000000,
        "model": model,
        "choices": [{"index": 0, "finish_reason": finish, "message": message}],
        "usage": _usage(reply),
    }
