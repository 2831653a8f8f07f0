"""A fake Gemini API: ``generateContent`` and ``streamGenerateContent?alt=sse``."""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .script import Fail, Reply, split
from .server import FakeModelServer, Recorded

__all__ = ["FakeGemini"]

_STATUS = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
}


class FakeGemini(FakeModelServer):
    """``url`` is the root, as ``HttpOptions(base_url=...)`` expects; paths carry the version."""

    def routes(self) -> list[Route]:
        return [Route("/{version}/models/{target:path}", self._dispatch, methods=["POST"])]

    async def _dispatch(self, request: Request) -> Response:
        if request.url.path.endswith(":countTokens"):
            # Not scripted: one token per four characters of the text, as a tokenizer might.
            body = (await self.record(request)).body or {}
            text = "".join(
                part.get("text", "")
                for content in body.get("contents", [])
                for part in content.get("parts", [])
            )
            return JSONResponse({"totalTokens": (len(text) + 3) // 4})
        return await self.play(request)

    def error_body(self, fail: Fail) -> Any:
        status = fail.code or _STATUS.get(fail.status, "UNKNOWN")
        return {"error": {"code": fail.status, "message": fail.message, "status": status}}

    def render(self, reply: Reply, request: Recorded) -> Response:
        chunks = _chunks(reply)
        if not request.path.endswith(":streamGenerateContent"):
            parts = [p for chunk in chunks for p in chunk["candidates"][0]["content"]["parts"]]
            merged = chunks[-1]
            merged["candidates"][0]["content"]["parts"] = parts
            return JSONResponse(merged)
        return self.stream([f"data: {json.dumps(c)}\r\n\r\n" for c in chunks], "text/event-stream")


def _call_part(call: Any) -> dict[str, Any]:
    function_call: dict[str, Any] = {"name": call.name, "args": call.arguments}
    if call.id:
        function_call["id"] = call.id
    part: dict[str, Any] = {"functionCall": function_call}
    if call.thought_signature:
        part["thoughtSignature"] = call.thought_signature
    return part


def _chunks(reply: Reply) -> list[dict[str, Any]]:
    part_groups: list[list[dict[str, Any]]] = []
    if reply.thinking:
        part_groups.append([{"text": reply.thinking, "thought": True}])
    if reply.text:
        part_groups += [[{"text": piece}] for piece in split(reply.text, reply.chunks)]
        if reply.text_signature:
            part_groups[-1][0]["thoughtSignature"] = reply.text_signature
    if reply.calls:
        part_groups.append([_call_part(call) for call in reply.calls])
    if not part_groups:
        part_groups.append([{"text": ""}])
    chunks: list[dict[str, Any]] = [
        {"candidates": [{"content": {"role": "model", "parts": parts}, "index": 0}]}
        for parts in part_groups
    ]
    prompt, output = reply.usage
    chunks[-1]["candidates"][0]["finishReason"] = reply.finish or "STOP"
    chunks[-1]["usageMetadata"] = {
        "promptTokenCount": prompt,
        "candidatesTokenCount": output,
        "totalTokenCount": prompt + output,
    }
    chunks[-1]["modelVersion"] = "gemini-fake"
    return chunks
