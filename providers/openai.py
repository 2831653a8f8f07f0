"""The OpenAI Chat Completions adapter; with ``base_url`` it serves any compatible endpoint.

Only this module imports ``openai``, and only when an ``OpenAIProvider`` is built.
"""

from __future__ import annotations

import json
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from providers._common import env_key, function_tool, images_of, result_text, tool_call
from providers._errors import (
    Endpoint,
    Failure,
    boundary,
    missing_key,
    retry_after_seconds,
    timed_out,
    translate,
    unreachable,
)
from providers._limits import Budget, Limits, cut_short, malformed
from providers._retry import RetryPolicy, retrying
from providers.errors import ProviderError, ToolsUnsupportedError
from providers.types import (
    AssistantMessage,
    Capabilities,
    ChatRequest,
    ContentPart,
    Finish,
    FinishReason,
    ImagePart,
    Message,
    Notice,
    StreamEvent,
    SystemMessage,
    TextDelta,
    TextPart,
    ToolResultMessage,
    Usage,
    UserMessage,
)

if TYPE_CHECKING:
    from openai import AsyncOpenAI

__all__ = ["OpenAIProvider"]

_FINISH: dict[str, FinishReason] = {
    "stop": "stop",
    "tool_calls": "tool_calls",
    "function_call": "tool_calls",
    "length": "length",
    "content_filter": "content_filter",
}
_KEYWORD_CHOICES = frozenset({"auto", "none", "required"})


def _user_part(part: ContentPart) -> dict[str, Any]:
    if isinstance(part, TextPart):
        return {"type": "text", "text": part.text}
    if isinstance(part, ImagePart):
        url = f"data:{part.mime_type};base64,{part.data}"
        return {"type": "image_url", "image_url": {"url": url}}
    audio_format = part.mime_type.rpartition("/")[2].replace("mpeg", "mp3")
    return {"type": "input_audio", "input_audio": {"data": part.data, "format": audio_format}}


def _user(message: UserMessage) -> dict[str, Any]:
    if isinstance(message.content, str):
        return {"role": "user", "content": message.content}
    return {"role": "user", "content": [_user_part(p) for p in message.parts]}


def _assistant(message: AssistantMessage, empty: str | None) -> dict[str, Any]:
    wire: dict[str, Any] = {"role": "assistant", "content": message.text or empty}
    if message.tool_calls:
        wire["tool_calls"] = [
            {
                "id": call.id,
                "type": "function",
                "function": {
                    "name": call.name,
                    "arguments": call.raw_arguments
                    if call.raw_arguments is not None
                    else json.dumps(call.arguments),
                },
            }
            for call in message.tool_calls
        ]
    return wire


def _messages(messages: Iterable[Message], empty: str | None = None) -> list[dict[str, Any]]:
    """Chat messages; images from tool results follow the run of tool messages as a user turn.

    Chat Completions takes only text in ``tool`` messages, and every tool message must
    directly follow the assistant turn that asked for it. ``empty`` is the content of an
    assistant turn without text: OpenAI takes null, some compatible servers only a string.
    """
    wire: list[dict[str, Any]] = []
    pending_images: list[ImagePart] = []
    for message in messages:
        if pending_images and not isinstance(message, ToolResultMessage):
            wire.append(_user(UserMessage(tuple(pending_images))))
            pending_images = []
        if isinstance(message, SystemMessage):
            wire.append({"role": "system", "content": message.text})
        elif isinstance(message, UserMessage):
            wire.append(_user(message))
        elif isinstance(message, AssistantMessage):
            wire.append(_assistant(message, empty))
        else:
            content = result_text(message.content, message.is_error)
            wire.append({"role": "tool", "tool_call_id": message.call_id, "content": content})
            pending_images.extend(images_of(message.content))
    if pending_images:
        wire.append(_user(UserMessage(tuple(pending_images))))
    return wire


def _tool_choice(choice: str) -> str | dict[str, Any]:
    if choice in _KEYWORD_CHOICES:
        return choice
    return {"type": "function", "function": {"name": choice}}


@dataclass
class _CallFragments:
    id: str = ""
    name: str = ""
    arguments: list[str] = field(default_factory=list)
    size: int = 0


@dataclass
class _Turn:
    """A turn as it arrives, from stream chunks or one whole completion."""

    budget: Budget
    text: list[str] = field(default_factory=list)
    fragments: dict[int, _CallFragments] = field(default_factory=dict)
    finish: str | None = None
    usage: Usage | None = None
    chunks: int = 0
    deltas: list[TextDelta] = field(default_factory=list)

    def take(self, chunk: Any) -> Iterator[TextDelta]:
        """Fold one chunk (or a whole completion's message) in; yield its text."""
        self.chunks += 1
        if chunk.usage is not None:
            self.usage = Usage(chunk.usage.prompt_tokens or 0, chunk.usage.completion_tokens or 0)
        for choice in list(chunk.choices or ())[:1]:
            self.finish = choice.finish_reason or self.finish
            delta = choice.delta if hasattr(choice, "delta") else choice.message
            if delta is None:
                continue
            if delta.content:
                self.budget.add_text(delta.content)
                self.text.append(delta.content)
                yield TextDelta(delta.content)
            for position, part in enumerate(delta.tool_calls or ()):
                index = part.index if getattr(part, "index", None) is not None else position
                slot = self.fragments.setdefault(index, _CallFragments())
                slot.id = part.id or slot.id
                if part.function is not None:
                    slot.name = part.function.name or slot.name
                    piece = part.function.arguments or ""
                    slot.size += len(piece)
                    self.budget.check_arguments(slot.name, slot.size)
                    slot.arguments.append(piece)

    def events(self) -> Iterator[StreamEvent]:
        calls = tuple(
            tool_call(f.id or f"call_{index}", f.name, "".join(f.arguments))
            for index, f in sorted(self.fragments.items())
        )
        reason: FinishReason = "tool_calls" if calls else _FINISH.get(self.finish or "", "other")
        yield Finish(reason, self.usage, AssistantMessage("".join(self.text), calls))


class OpenAIProvider:
    """Chat Completions, streamed unless told otherwise; retries 429s itself.

    An endpoint that answers a streamed request carrying tools with an empty stream (some
    OpenAI-compatible servers cannot stream tool calls) gets that request again unstreamed,
    and every later request with tools too; the first fallback is announced once.
    """

    name = "openai"

    def __init__(
        self,
        model: str,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        timeout: float | None = None,
        idle_timeout: float | None = None,
        stream: bool = True,
        options: Mapping[str, Any] | None = None,
        capabilities: Mapping[str, Any] | None = None,
        max_tokens_field: str | None = None,
        stream_usage: bool = True,
        retry: RetryPolicy | None = None,
    ) -> None:
        from openai import AsyncOpenAI, not_given

        self.model = model
        self.capabilities = Capabilities(dialect="openai").with_overrides(capabilities)
        self._endpoint = Endpoint(
            provider="openai",
            label="OpenAI" if base_url is None else f"the OpenAI-compatible server {base_url}",
            model=model,
            url=base_url or "https://api.openai.com/v1",
            key_env="OPENAI_API_KEY",
            timeout=timeout,
        )
        key = env_key(api_key, ["OPENAI_API_KEY"])
        if key is None and base_url is None:
            raise missing_key(self._endpoint)
        self._client: AsyncOpenAI = AsyncOpenAI(
            # Local compatible servers usually want no key, but the SDK insists on one.
            api_key=key or "unused",
            base_url=base_url,
            timeout=timeout if timeout is not None else not_given,
            max_retries=0,
        )
        self._limits = Limits.of(timeout, idle_timeout)
        self._stream = stream
        self._stream_tools = stream
        self._options = dict(options or {})
        # OpenAI renamed max_tokens; compatible servers often know only the old name.
        self._max_tokens_field = max_tokens_field or (
            "max_completion_tokens" if base_url is None else "max_tokens"
        )
        self._stream_usage = stream_usage
        self._empty_content = None if base_url is None else ""
        self._retry = retry or RetryPolicy()

    def stream(self, request: ChatRequest) -> AsyncIterator[StreamEvent]:
        return retrying(lambda: self._events(request), self._retry)

    async def aclose(self) -> None:
        await self._client.close()

    def _body(self, request: ChatRequest) -> dict[str, Any]:
        streamed = self._stream_tools if request.tools else self._stream
        body: dict[str, Any] = {
            "model": self.model,
            "messages": _messages(request.messages, self._empty_content),
            "stream": streamed,
        }
        if self._stream_usage and streamed:
            body["stream_options"] = {"include_usage": True}
        if request.tools:
            if not self.capabilities.native_tools:
                raise ToolsUnsupportedError(
                    f"{self._endpoint.label} is configured without native tools "
                    "(capabilities.native_tools: false); describe the tools in the prompt"
                )
            body["tools"] = [function_tool(t) for t in request.tools]
            body["tool_choice"] = _tool_choice(request.tool_choice)
            if request.parallel_tool_calls is not None:
                body["parallel_tool_calls"] = request.parallel_tool_calls
        if request.temperature is not None:
            body["temperature"] = request.temperature
        if request.max_tokens is not None:
            body[self._max_tokens_field] = request.max_tokens
        extra = {**self._options, **request.options}
        if extra:
            body["extra_body"] = extra
        return body

    async def _events(self, request: ChatRequest) -> AsyncGenerator[StreamEvent, None]:
        import openai

        body = self._body(request)
        budget = Budget(self._limits, self._endpoint)
        with boundary(self._vendor_errors(), self._translate):
            if not body["stream"]:
                turn = await self._complete(body, budget)
                for delta in turn.deltas:
                    yield delta
            else:
                turn = _Turn(budget)
                async with await budget.first(self._client.chat.completions.create(**body)) as s:
                    async for chunk in budget.chunks(s):
                        for delta in self._fold(turn, chunk):
                            yield delta
                if turn.chunks == 0 and request.tools:
                    self._stream_tools = False
                    yield Notice(
                        f"{self._endpoint.label} sent an empty stream for a request with tools; "
                        "sending requests with tools unstreamed from now on "
                        f"(set providers.{self._endpoint.provider}.stream: false to skip this)"
                    )
                    body = {**body, "stream": False}
                    body.pop("stream_options", None)
                    try:
                        turn = await self._complete(body, _renewed(budget))
                    except openai.APIConnectionError:
                        # A server that broke off its stream may close the connection the
                        # pool still holds; the request did not reach it, so send it again.
                        turn = await self._complete(body, _renewed(budget))
                    for delta in turn.deltas:
                        yield delta
                elif turn.chunks == 0:
                    raise cut_short(self._endpoint, "sent an empty stream (no chunk at all)")
                elif turn.finish is None:
                    raise cut_short(
                        self._endpoint,
                        f"ended its stream after {turn.chunks} chunks without a finish reason",
                    )
            for event in turn.events():
                yield event

    async def _complete(self, body: dict[str, Any], budget: Budget) -> _Turn:
        """One unstreamed request; its text comes as one delta in ``deltas``."""
        completion = await budget.first(self._client.chat.completions.create(**body))
        if not hasattr(completion, "choices"):
            raise cut_short(self._endpoint, "answered with something that is not a chat completion")
        if not completion.choices:
            raise cut_short(self._endpoint, "answered with no choices")
        turn = _Turn(budget)
        turn.deltas = self._fold(turn, completion)
        if turn.finish is None:
            raise cut_short(self._endpoint, "answered without a finish reason")
        return turn

    def _fold(self, turn: _Turn, chunk: Any) -> list[TextDelta]:
        try:
            return list(turn.take(chunk))
        except (AttributeError, TypeError) as exc:
            raise cut_short(
                self._endpoint, f"sent a chunk that is not a chat completion chunk ({exc})"
            ) from None

    @staticmethod
    def _vendor_errors() -> tuple[type[BaseException], ...]:
        import openai

        return (openai.OpenAIError, json.JSONDecodeError, RecursionError)

    def _translate(self, exc: BaseException) -> ProviderError | None:
        import openai

        table: dict[type[BaseException], Callable[[Any], ProviderError]] = {
            openai.APITimeoutError: lambda _: timed_out(self._endpoint),
            openai.APIConnectionError: lambda e: unreachable(self._endpoint, str(e.__cause__ or e)),
            openai.APIStatusError: lambda e: translate(self._endpoint, _failure(e)),
            openai.APIError: lambda e: translate(self._endpoint, Failure(None, e.message)),
            **malformed(self._endpoint),
        }
        for cls in type(exc).__mro__:
            if cls in table:
                return table[cls](exc)
        return None


def _renewed(budget: Budget) -> Budget:
    return Budget(budget.limits, budget.endpoint)


def _failure(exc: Any) -> Failure:
    body = exc.body if isinstance(exc.body, dict) else {}
    message = body.get("message") or exc.message
    return Failure(
        exc.status_code,
        str(message),
        code=exc.code,
        retry_after=retry_after_seconds(exc.response.headers),
    )
