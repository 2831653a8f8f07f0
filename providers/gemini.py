"""The Gemini adapter, on google-genai's async client with the API version pinned.

The model's own content (with its ``thoughtSignature``s) is kept, as JSON-ready data, in
``AssistantMessage.provider_state`` and sent back unchanged. Only this module imports
``google.genai``, and only when a ``GeminiProvider`` is built.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from config.errors import ConfigError
from providers._common import env_key, images_of, new_call_id, result_text
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
from providers._limits import Budget, Limits, cut_short, malformed, once
from providers._retry import RetryPolicy, retrying
from providers.errors import ProviderError
from providers.types import (
    AssistantMessage,
    AudioPart,
    Capabilities,
    ChatRequest,
    ContentPart,
    Finish,
    FinishReason,
    ImagePart,
    Message,
    StreamEvent,
    SystemMessage,
    TextDelta,
    TextPart,
    ToolCall,
    ToolResultMessage,
    Usage,
    UserMessage,
    choice_mode,
)

if TYPE_CHECKING:
    from google.genai import Client, types

__all__ = ["DEFAULT_API_VERSION", "GeminiProvider"]


DEFAULT_API_VERSION = "v1beta"
_KEY_ENVS = ("GEMINI_API_KEY", "GOOGLE_API_KEY")
_MODES = {"auto": "AUTO", "none": "NONE", "required": "ANY", "named": "ANY"}
_FINISH: dict[str, FinishReason] = {
    "STOP": "stop",
    "MAX_TOKENS": "length",
    **dict.fromkeys(
        ["SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII", "IMAGE_SAFETY"],
        "content_filter",
    ),
    **dict.fromkeys(
        [
            "MALFORMED_FUNCTION_CALL",
            "UNEXPECTED_TOOL_CALL",
            "TOO_MANY_TOOL_CALLS",
            "MISSING_THOUGHT_SIGNATURE",
        ],
        "error",
    ),
}
_DELAY = re.compile(r"^\s*([0-9.]+)s\s*$")


def _blob_part(part: ImagePart | AudioPart) -> types.Part:
    from google.genai import types

    blob = types.Blob(data=base64.b64decode(part.data), mime_type=part.mime_type)
    return types.Part(inline_data=blob)


def _user_parts(parts: Sequence[ContentPart]) -> list[types.Part]:
    from google.genai import types

    return [types.Part(text=p.text) if isinstance(p, TextPart) else _blob_part(p) for p in parts]


def _native_call_ids(messages: Sequence[Message]) -> set[str]:
    """Call ids the model itself gave; only those are echoed in function responses."""
    ids: set[str] = set()
    for message in messages:
        if isinstance(message, AssistantMessage) and isinstance(message.provider_state, dict):
            for part in message.provider_state.get("parts", ()):
                if call_id := (part.get("function_call") or {}).get("id"):
                    ids.add(call_id)
    return ids


def _model_content(message: AssistantMessage) -> types.Content | None:
    from google.genai import types

    if isinstance(message.provider_state, dict):
        return types.Content.model_validate(message.provider_state)
    parts = [types.Part(text=message.text)] if message.text else []
    parts += [
        types.Part(function_call=types.FunctionCall(name=c.name, args=dict(c.arguments)))
        for c in message.tool_calls
    ]
    return types.Content(role="model", parts=parts) if parts else None


def _response_parts(result: ToolResultMessage, native_ids: set[str]) -> list[types.Part]:
    from google.genai import types

    key = "error" if result.is_error else "output"
    response = types.FunctionResponse(
        id=result.call_id if result.call_id in native_ids else None,
        name=result.tool_name,
        response={key: result_text(result.content, is_error=False)},
    )
    # Images ride beside the response: multimodal function responses need Gemini 3.
    return [types.Part(function_response=response)] + [
        _blob_part(image) for image in images_of(result.content)
    ]


def _contents(messages: Sequence[Message]) -> tuple[list[types.Content], str]:
    """The conversation as Gemini contents, and the system instruction apart."""
    from google.genai import types

    native_ids = _native_call_ids(messages)
    system: list[str] = []
    contents: list[types.Content] = []
    for message in messages:
        if isinstance(message, SystemMessage):
            system.append(message.text)
        elif isinstance(message, UserMessage):
            contents.append(types.Content(role="user", parts=_user_parts(message.parts)))
        elif isinstance(message, AssistantMessage):
            if (content := _model_content(message)) is not None:
                contents.append(content)
        else:
            parts = _response_parts(message, native_ids)
            last = contents[-1] if contents else None
            if (
                last is not None
                and last.role == "user"
                and last.parts
                and last.parts[0].function_response
            ):
                last.parts.extend(parts)
            else:
                contents.append(types.Content(role="user", parts=parts))
    return contents, "\n\n".join(system)


class GeminiProvider:
    """Gemini through ``client.aio.models.generate_content_stream``."""

    name = "gemini"

    def __init__(
        self,
        model: str,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        api_version: str = DEFAULT_API_VERSION,
        timeout: float | None = None,
        idle_timeout: float | None = None,
        stream: bool = True,
        options: Mapping[str, Any] | None = None,
        capabilities: Mapping[str, Any] | None = None,
        retry: RetryPolicy | None = None,
    ) -> None:
        from google import genai
        from google.genai import types

        self.model = model
        self.capabilities = Capabilities(dialect="gemini").with_overrides(capabilities)
        self._endpoint = Endpoint(
            provider="gemini",
            label="Gemini",
            model=model,
            url=base_url or "https://generativelanguage.googleapis.com",
            key_env="GEMINI_API_KEY (or GOOGLE_API_KEY)",
            timeout=timeout,
        )
        key = env_key(api_key, _KEY_ENVS)
        if key is None:
            raise missing_key(self._endpoint)
        http_options = types.HttpOptions(
            base_url=base_url,
            api_version=api_version,
            timeout=int(timeout * 1000) if timeout is not None else None,
        )
        self._client: Client = genai.Client(api_key=key, http_options=http_options)
        self._options = dict(options or {})
        self._limits = Limits.of(timeout, idle_timeout)
        self._stream = stream
        self._retry = retry or RetryPolicy()

    def stream(self, request: ChatRequest) -> AsyncIterator[StreamEvent]:
        return retrying(lambda: self._events(request), self._retry)

    async def aclose(self) -> None:
        await self._client.aio.aclose()
        self._client.close()

    def _config(self, request: ChatRequest) -> types.GenerateContentConfig:
        import pydantic
        from google.genai import types

        settings: dict[str, Any] = {
            "automatic_function_calling": types.AutomaticFunctionCallingConfig(disable=True),
            **self._options,
            **request.options,
        }
        if request.temperature is not None:
            settings["temperature"] = request.temperature
        if request.max_tokens is not None:
            settings["max_output_tokens"] = request.max_tokens
        if request.tools:  # an empty tools list is a 400: send none at all
            declarations = [
                types.FunctionDeclaration(
                    name=t.name, description=t.description, parameters_json_schema=t.parameters
                )
                for t in request.tools
            ]
            mode = choice_mode(request.tool_choice)
            calling = types.FunctionCallingConfig(
                mode=types.FunctionCallingConfigMode(_MODES[mode]),
                allowed_function_names=[request.tool_choice] if mode == "named" else None,
            )
            settings["tools"] = [types.Tool(function_declarations=declarations)]
            settings["tool_config"] = types.ToolConfig(function_calling_config=calling)
        try:
            return types.GenerateContentConfig(**settings)
        except pydantic.ValidationError as exc:
            raise ConfigError(
                f"invalid Gemini option: {exc.errors()[0]['msg']} "
                f"({'.'.join(map(str, exc.errors()[0]['loc']))})",
                key="providers.gemini.options",
            ) from None

    async def _events(self, request: ChatRequest) -> AsyncGenerator[StreamEvent, None]:
        from google.genai import types

        contents, system = _contents(request.messages)
        config = self._config(request)
        if system:
            config.system_instruction = system
        text: list[str] = []
        calls: list[ToolCall] = []
        parts: list[types.Part] = []
        finish: str | None = None
        usage: Usage | None = None
        received = 0
        budget = Budget(self._limits, self._endpoint)
        with boundary(self._vendor_errors(), self._translate):
            models = self._client.aio.models
            if self._stream:
                stream = await budget.first(
                    models.generate_content_stream(
                        model=self.model, contents=contents, config=config
                    )
                )
                chunks = budget.chunks(stream)
            else:
                whole = await budget.first(
                    models.generate_content(model=self.model, contents=contents, config=config)
                )
                chunks = once(whole)
            async for chunk in chunks:
                received += 1
                if (meta := chunk.usage_metadata) is not None:
                    usage = Usage(meta.prompt_token_count or 0, meta.candidates_token_count or 0)
                if chunk.prompt_feedback and chunk.prompt_feedback.block_reason:
                    finish = "SAFETY"
                for candidate in (chunk.candidates or [])[:1]:
                    if candidate.finish_reason:
                        finish = candidate.finish_reason.value
                    content_parts = candidate.content.parts if candidate.content else None
                    for part in content_parts or ():
                        parts.append(part)
                        if (fc := part.function_call) is not None:
                            call = ToolCall(
                                fc.id or new_call_id("gemini"), fc.name or "", dict(fc.args or {})
                            )
                            calls.append(call)
                        elif part.text and not part.thought:
                            budget.add_text(part.text)
                            text.append(part.text)
                            yield TextDelta(part.text)
        if received == 0:
            raise cut_short(self._endpoint, "sent an empty stream (no chunk at all)")
        if finish is None:
            raise cut_short(
                self._endpoint, f"ended its stream after {received} chunks without a finish reason"
            )
        state = None
        if parts:
            content = types.Content(role="model", parts=parts)
            state = content.model_dump(mode="json", exclude_none=True)
        reason: FinishReason = "tool_calls" if calls else _FINISH.get(finish, "other")
        yield Finish(reason, usage, AssistantMessage("".join(text), tuple(calls), state))

    async def count_tokens(self, texts: list[str]) -> list[int]:
        """The API's own token count of each text (``countTokens``, one request per text).

        The Gemini API's ``countTokens`` takes no tool declarations, so a caller counts their
        JSON as text: the model's tokenizer over what the declarations say.
        """
        from google.genai import types

        counts: list[int] = []
        with boundary(self._vendor_errors(), self._translate):
            for text in texts:
                contents = [types.Content(role="user", parts=[types.Part(text=text)])]
                answer = await self._client.aio.models.count_tokens(
                    model=self.model, contents=contents
                )
                counts.append(answer.total_tokens or 0)
        return counts

    @staticmethod
    def _vendor_errors() -> tuple[type[BaseException], ...]:
        import httpx2
        import pydantic
        from google.genai import errors

        return (
            errors.APIError,
            errors.UnknownApiResponseError,
            httpx2.TransportError,
            pydantic.ValidationError,
            json.JSONDecodeError,
            RecursionError,
        )

    def _translate(self, exc: BaseException) -> ProviderError | None:
        import httpx2
        from google.genai import errors

        table: dict[type[BaseException], Callable[[Any], ProviderError]] = {
            httpx2.TimeoutException: lambda _: timed_out(self._endpoint),
            httpx2.TransportError: lambda e: unreachable(
                self._endpoint, str(e) or type(e).__name__
            ),
            errors.APIError: lambda e: translate(self._endpoint, _failure(e)),
            errors.UnknownApiResponseError: lambda e: cut_short(
                self._endpoint, f"sent data that is not JSON ({str(e)[:200]})"
            ),
            **malformed(self._endpoint),
        }
        for cls in type(exc).__mro__:
            if cls in table:
                return table[cls](exc)
        return None


def _failure(exc: Any) -> Failure:
    details = exc.details.get("error", exc.details) if isinstance(exc.details, dict) else {}
    retry_after = None
    for detail in details.get("details", ()) if isinstance(details, dict) else ():
        if isinstance(detail, dict) and (m := _DELAY.match(str(detail.get("retryDelay", "")))):
            retry_after = float(m.group(1))
    headers = getattr(exc.response, "headers", None)
    if retry_after is None and headers is not None:
        retry_after = retry_after_seconds(headers)
    return Failure(exc.code, str(exc.message or exc), code=exc.status, retry_after=retry_after)
