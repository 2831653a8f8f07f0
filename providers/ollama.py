"""The Ollama adapter: streaming ``/api/chat`` through ``ollama.AsyncClient``.

The request body is built here rather than by ``AsyncClient.chat``, whose typed ``Tool``
model drops nested schema parts (``anyOf``, nested ``properties``, ...). Only this module
imports ``ollama``, and only when an ``OllamaProvider`` is built.
"""

from __future__ import annotations

import json
import os
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Mapping
from typing import TYPE_CHECKING, Any, cast

from providers._common import env_key, images_of, new_call_id, result_text
from providers._errors import Endpoint, Failure, boundary, timed_out, translate, unreachable
from providers._limits import Budget, Limits, cut_short, malformed, once
from providers._retry import RetryPolicy, retrying
from providers.discovery import OLLAMA_DEFAULT_URL
from providers.errors import ProviderError
from providers.types import (
    AssistantMessage,
    Capabilities,
    ChatRequest,
    Finish,
    FinishReason,
    Message,
    StreamEvent,
    SystemMessage,
    TextDelta,
    ToolCall,
    ToolResultMessage,
    Usage,
    UserMessage,
)

if TYPE_CHECKING:
    from ollama import AsyncClient, ChatResponse

__all__ = ["OllamaProvider"]


_FINISH: dict[str, FinishReason] = {"stop": "stop", "length": "length"}


def _message(message: Message) -> dict[str, Any]:
    if isinstance(message, SystemMessage):
        return {"role": "system", "content": message.text}
    if isinstance(message, UserMessage):
        wire: dict[str, Any] = {"role": "user", "content": message.text}
        if images := images_of(message.parts):
            wire["images"] = [image.data for image in images]
        return wire
    if isinstance(message, AssistantMessage):
        wire = {"role": "assistant", "content": message.text}
        if isinstance(message.provider_state, dict) and message.provider_state.get("thinking"):
            wire["thinking"] = message.provider_state["thinking"]
        if message.tool_calls:
            wire["tool_calls"] = [
                {"function": {"name": c.name, "arguments": dict(c.arguments)}}
                for c in message.tool_calls
            ]
        return wire
    return _tool_result(message)


def _tool_result(result: ToolResultMessage) -> dict[str, Any]:
    wire: dict[str, Any] = {
        "role": "tool",
        "tool_name": result.tool_name,
        "content": result_text(result.content, result.is_error),
    }
    if images := images_of(result.content):
        wire["images"] = [image.data for image in images]
    return wire


class OllamaProvider:
    """Ollama's native chat API; it has no ``tool_choice``, so only ``auto`` is offered."""

    name = "ollama"

    def __init__(
        self,
        model: str,
        *,
        base_url: str | None = None,
        api_key: str | None = None,
        timeout: float | None = None,
        idle_timeout: float | None = None,
        stream: bool = True,
        think: bool | str | None = None,
        options: Mapping[str, Any] | None = None,
        format: str | Mapping[str, Any] | None = None,
        keep_alive: float | str | None = None,
        capabilities: Mapping[str, Any] | None = None,
        retry: RetryPolicy | None = None,
    ) -> None:
        from ollama import AsyncClient

        self.model = model
        self.capabilities = Capabilities(
            dialect="ollama", tool_choice=frozenset({"auto"})
        ).with_overrides(capabilities)
        # Local servers need no key; Ollama's cloud wants a bearer token.
        key = env_key(api_key, ["OLLAMA_API_KEY"])
        headers = {"authorization": f"Bearer {key}"} if key else None
        self._client: AsyncClient = AsyncClient(host=base_url, timeout=timeout, headers=headers)
        self._endpoint = Endpoint(
            provider="ollama",
            label="Ollama",
            model=model,
            url=base_url or os.environ.get("OLLAMA_HOST") or OLLAMA_DEFAULT_URL,
            key_env="OLLAMA_API_KEY",
            timeout=timeout,
            start_hint="start it with `ollama serve`, or set providers.ollama.base_url",
            model_hint=f"pull it with `ollama pull {model}` or check `ollama list`",
        )
        settings = {"think": think, "options": options, "format": format, "keep_alive": keep_alive}
        self._settings = {k: v for k, v in settings.items() if v is not None}
        self._limits = Limits.of(timeout, idle_timeout)
        self._stream = stream
        self._retry = retry or RetryPolicy()

    def stream(self, request: ChatRequest) -> AsyncIterator[StreamEvent]:
        return retrying(lambda: self._events(request), self._retry)

    async def aclose(self) -> None:
        await self._client.close()  # type: ignore[no-untyped-call]  # untyped in ollama 0.6

    def body(self, request: ChatRequest) -> dict[str, Any]:
        """The ``/api/chat`` body, tool schemas kept whole (public for inspection in tests)."""
        body: dict[str, Any] = {
            "model": self.model,
            "messages": [_message(m) for m in request.messages],
            "stream": self._stream,
        }
        body.update(self._settings)
        if request.tools:
            body["tools"] = [
                {
                    "type": "function",
                    "function": {
                        "name": t.name,
                        "description": t.description,
                        "parameters": dict(t.parameters),
                    },
                }
                for t in request.tools
            ]
        model_options = dict(body.get("options") or {})
        if request.temperature is not None:
            model_options["temperature"] = request.temperature
        if request.max_tokens is not None:
            model_options["num_predict"] = request.max_tokens
        if model_options:
            body["options"] = model_options
        body.update(request.options)
        return body

    async def _events(self, request: ChatRequest) -> AsyncGenerator[StreamEvent, None]:
        from ollama import ChatResponse

        body = self.body(request)
        text: list[str] = []
        thinking: list[str] = []
        calls: list[ToolCall] = []
        last: ChatResponse | None = None
        budget = Budget(self._limits, self._endpoint)
        with boundary(self._vendor_errors(), self._translate):
            # AsyncClient.chat would re-validate the tools through its lossy typed model;
            # _request is the same transport and NDJSON parsing, fed our own body.
            answer = await budget.first(
                self._client._request(
                    ChatResponse, "POST", "/api/chat", json=body, stream=body["stream"]
                )
            )
            chunks = (
                budget.chunks(cast("AsyncIterator[ChatResponse]", answer))
                if body["stream"]
                else once(cast("ChatResponse", answer))
            )
            async for chunk in chunks:
                last = chunk
                message = chunk.message
                if message.thinking:
                    thinking.append(message.thinking)
                if message.content:
                    budget.add_text(message.content)
                    text.append(message.content)
                    yield TextDelta(message.content)
                for native in message.tool_calls or ():
                    call = ToolCall(
                        new_call_id("ollama"), native.function.name, dict(native.function.arguments)
                    )
                    calls.append(call)
        if last is None:
            raise cut_short(self._endpoint, "sent an empty stream (no chunk at all)")
        if not last.done:
            raise cut_short(self._endpoint, "ended its stream before saying it was done")
        usage = None
        if last.prompt_eval_count or last.eval_count:
            usage = Usage(last.prompt_eval_count or 0, last.eval_count or 0)
        reason: FinishReason = (
            "tool_calls" if calls else _FINISH.get(last.done_reason or "stop", "other")
        )
        state = {"thinking": "".join(thinking)} if thinking else None
        yield Finish(reason, usage, AssistantMessage("".join(text), tuple(calls), state))

    @staticmethod
    def _vendor_errors() -> tuple[type[BaseException], ...]:
        import httpx
        import pydantic
        from ollama import ResponseError

        return (
            ResponseError,
            ConnectionError,
            httpx.TransportError,
            json.JSONDecodeError,
            RecursionError,
            pydantic.ValidationError,
        )

    def _translate(self, exc: BaseException) -> ProviderError | None:
        import httpx
        from ollama import ResponseError

        table: dict[type[BaseException], Callable[[Any], ProviderError]] = {
            ResponseError: lambda e: translate(self._endpoint, _failure(e)),
            ConnectionError: lambda e: unreachable(self._endpoint, "connection refused"),
            httpx.TimeoutException: lambda _: timed_out(self._endpoint),
            httpx.TransportError: lambda e: unreachable(self._endpoint, str(e) or type(e).__name__),
            **malformed(self._endpoint),
        }
        for cls in type(exc).__mro__:
            if cls in table:
                return table[cls](exc)
        return None


def _failure(exc: Any) -> Failure:
    status = exc.status_code if exc.status_code and exc.status_code > 0 else None
    error = exc.error
    if isinstance(error, str):
        try:
            parsed = json.loads(error)
        except ValueError:
            parsed = None
        if isinstance(parsed, dict) and "error" in parsed:
            error = parsed["error"]
    return Failure(status, str(error))
