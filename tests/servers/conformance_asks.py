"""The conformance server's tools and prompt that need something from the client: sampling,
elicitation and roots, asked mid-call of a handshake client or through ``input_required``
results (SEP-2322) of a 2026-07-28 one. conformance_server.py registers TOOLS and PROMPTS.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from mcp.server.elicitation import ElicitationResult
from mcp.server.mcpserver import Context, Elicit, Resolve
from mcp.server.mcpserver.prompts.base import Message, UserMessage
from mcp.server.mcpserver.resolve import Sample
from mcp.shared.exceptions import MCPError
from mcp.types import (
    MISSING_REQUIRED_CLIENT_CAPABILITY,
    CreateMessageRequest,
    CreateMessageRequestParams,
    CreateMessageResult,
    ElicitRequest,
    ElicitRequestFormParams,
    ElicitResult,
    InputRequest,
    InputRequiredResult,
    ListRootsRequest,
    ListRootsResult,
    SamplingMessage,
    TextContent,
)
from pydantic import BaseModel, Field

F = TypeVar("F", bound=Callable[..., Any])

TOOLS: list[Callable[..., Any]] = []
PROMPTS: list[Callable[..., Any]] = []


def _tool(fn: F) -> F:
    TOOLS.append(fn)
    return fn


def _prompt(fn: F) -> F:
    PROMPTS.append(fn)
    return fn


def _said(text: str) -> TextContent:
    return TextContent(type="text", text=text)


# --- Tools: requests to the client during a call ----------------------------------------
# Resolvers ask: mid-call requests for a handshake client, an input_required result and a
# retry for a 2026-07-28 one (a gateway may speak either to this server).


def _ask_model(prompt: str) -> Sample:
    return Sample([SamplingMessage(role="user", content=_said(prompt))], max_tokens=100)


@_tool
def test_sampling(prompt: str, reply: Annotated[CreateMessageResult, Resolve(_ask_model)]) -> str:
    """Ask the client's model to answer the prompt (sampling/createMessage)."""
    said = reply.content.text if isinstance(reply.content, TextContent) else "(not text)"
    return f"LLM response: {said}"


class Contact(BaseModel):
    username: str = Field(description="User's response")
    email: str = Field(description="User's email address")


class Defaults(BaseModel):
    """Every primitive type with a default (SEP-1034)."""

    name: str = Field(default="John Doe", description="User name")
    age: int = Field(default=30, description="User age")
    score: float = Field(default=95.5, description="User score")
    status: str = Field(
        default="active",
        description="User status",
        json_schema_extra={"enum": ["active", "inactive", "pending"]},
    )
    verified: bool = Field(default=True, description="Verified")


def _choices(key: str, pairs: list[tuple[str, str]]) -> dict[str, Any]:
    return {key: [{"const": value, "title": title} for value, title in pairs]}


class Enums(BaseModel):
    """The five enum shapes of SEP-1330."""

    untitledSingle: str = Field(json_schema_extra={"enum": ["option1", "option2", "option3"]})
    titledSingle: str = Field(
        json_schema_extra=_choices(
            "oneOf", [("value1", "First Option"), ("value2", "Second Option")]
        )
    )
    legacyEnum: str = Field(
        json_schema_extra={
            "enum": ["opt1", "opt2", "opt3"],
            "enumNames": ["Option One", "Option Two", "Option Three"],
        }
    )
    untitledMulti: list[str] = Field(
        json_schema_extra={"items": {"type": "string", "enum": ["option1", "option2", "option3"]}}
    )
    titledMulti: list[str] = Field(
        json_schema_extra={
            "items": _choices("anyOf", [("value1", "First Choice"), ("value2", "Second Choice")])
        }
    )


def _elicited(prefix: str, outcome: ElicitationResult[Any]) -> str:
    content = outcome.data.model_dump_json() if outcome.action == "accept" else "{}"
    return f"{prefix}: action={outcome.action}, content={content}"


def _ask_contact(message: str) -> Elicit[Contact]:
    return Elicit(message, Contact)


def _ask_defaults() -> Elicit[Defaults]:
    return Elicit("Please provide user information", Defaults)


def _ask_enums() -> Elicit[Enums]:
    return Elicit("Please pick options", Enums)


@_tool
def test_elicitation(
    message: str, outcome: Annotated[ElicitationResult[Contact], Resolve(_ask_contact)]
) -> str:
    """Ask the person for a username and an email (elicitation/create)."""
    return _elicited("User response", outcome)


@_tool
def test_elicitation_sep1034_defaults(
    outcome: Annotated[ElicitationResult[Defaults], Resolve(_ask_defaults)],
) -> str:
    """Ask with a schema whose every field has a default."""
    return _elicited("Elicitation completed", outcome)


@_tool
def test_elicitation_sep1330_enums(
    outcome: Annotated[ElicitationResult[Enums], Resolve(_ask_enums)],
) -> str:
    """Ask with a schema holding each enum shape."""
    return _elicited("Elicitation completed", outcome)


class Name(BaseModel):
    name: str


def _ask_name() -> Elicit[Name]:
    return Elicit("What is your name?", Name)


@_tool
def test_streaming_elicitation(who: Annotated[Name, Resolve(_ask_name)]) -> str:
    """Ask for a name (the 2026-07-28 scenario checks the stream holds no request)."""
    return f"hello {who.name}"


@_tool
def test_missing_capability(ctx: Context) -> str:
    """Refuse, as a protocol error, a client that did not declare sampling."""
    capabilities = ctx.client_capabilities
    if capabilities is None or capabilities.sampling is None:
        # MCPError, unlike ToolError, reaches the client as a JSON-RPC error.
        raise MCPError(
            code=MISSING_REQUIRED_CLIENT_CAPABILITY,
            message="test_missing_capability needs the client's sampling capability",
            data={"requiredCapabilities": {"sampling": {}}},
        )
    return "the client declared sampling"


# --- Tools: input_required results (2026-07-28, SEP-2322) ---------------------------------


def _ask(message: str, field: str, kind: str = "string") -> ElicitRequest:
    schema = {"type": "object", "properties": {field: {"type": kind}}, "required": [field]}
    return ElicitRequest(params=ElicitRequestFormParams(message=message, requested_schema=schema))


def _sample(text: str, max_tokens: int) -> CreateMessageRequest:
    message = SamplingMessage(role="user", content=_said(text))
    return CreateMessageRequest(
        params=CreateMessageRequestParams(messages=[message], max_tokens=max_tokens)
    )


def _answer(ctx: Context, key: str) -> Any:
    return (ctx.input_responses or {}).get(key)


def _field(answer: Any, name: str) -> Any:
    if isinstance(answer, ElicitResult) and answer.content:
        return answer.content.get(name)
    return None


@_tool
def test_input_required_result_elicitation(ctx: Context) -> str | InputRequiredResult:
    """Ask for a name through an input_required result, then greet."""
    answer = _answer(ctx, "user_name")
    if answer is None:
        return InputRequiredResult(input_requests={"user_name": _ask("What is your name?", "name")})
    return f"Hello, {_field(answer, 'name') or 'stranger'}!"


@_tool
def test_input_required_result_sampling(ctx: Context) -> str | InputRequiredResult:
    """Ask the client's model a question through an input_required result."""
    answer = _answer(ctx, "capital_question")
    if answer is None:
        question = _sample("What is the capital of France?", 100)
        return InputRequiredResult(input_requests={"capital_question": question})
    said = answer.content.text if isinstance(answer, CreateMessageResult) else "?"
    return f"Model said: {said}"


@_tool
def test_input_required_result_list_roots(ctx: Context) -> str | InputRequiredResult:
    """Ask for the client's roots through an input_required result."""
    answer = _answer(ctx, "client_roots")
    if answer is None:
        return InputRequiredResult(input_requests={"client_roots": ListRootsRequest()})
    count = len(answer.roots) if isinstance(answer, ListRootsResult) else 0
    return f"Client exposed {count} root(s)."


@_tool
def test_input_required_result_request_state(ctx: Context) -> str | InputRequiredResult:
    """Round-trip an opaque requestState; say state-ok when it comes back intact."""
    if _answer(ctx, "confirm") is not None and ctx.request_state == "confirm-pending":
        return "state-ok: confirmation received"
    return InputRequiredResult(
        input_requests={"confirm": _ask("Please confirm", "ok", "boolean")},
        request_state="confirm-pending",
    )


@_tool
def test_input_required_result_multiple_inputs(ctx: Context) -> str | InputRequiredResult:
    """Ask for an elicitation, a sampling and the roots at once."""
    wanted: dict[str, InputRequest] = {
        "user_name": _ask("What is your name?", "name"),
        "greeting": _sample("Generate a greeting", 50),
        "client_roots": ListRootsRequest(),
    }
    if wanted.keys() <= (ctx.input_responses or {}).keys():
        return "All inputs received."
    return InputRequiredResult(input_requests=wanted, request_state="all-three")


@_tool
def test_input_required_result_multi_round(ctx: Context) -> str | InputRequiredResult:
    """Three rounds: a name, then a colour, then the answer; the state says which round."""
    state = json.loads(ctx.request_state) if ctx.request_state else {}
    if state.get("round") == 1 and _answer(ctx, "step1") is not None:
        return InputRequiredResult(
            input_requests={"step2": _ask("Step 2: What is your favorite color?", "color")},
            request_state=json.dumps({"round": 2, "name": _field(_answer(ctx, "step1"), "name")}),
        )
    if state.get("round") == 2 and _answer(ctx, "step2") is not None:
        return f"{state.get('name')} likes {_field(_answer(ctx, 'step2'), 'color')}."
    # A first call, or answers out of order: start again.
    return InputRequiredResult(
        input_requests={"step1": _ask("Step 1: What is your name?", "name")},
        request_state=json.dumps({"round": 1}),
    )


@_tool
def test_input_required_result_tampered_state(ctx: Context) -> str | InputRequiredResult:
    """Hand out a requestState; the SDK refuses one that comes back altered."""
    if ctx.request_state is None:
        return InputRequiredResult(
            input_requests={"confirm": _ask("Please confirm", "ok", "boolean")},
            request_state="round-1",
        )
    return f"state-ok: {ctx.request_state}"


@_tool
def test_input_required_result_capabilities(ctx: Context) -> InputRequiredResult:
    """Ask only for what the client declared it can answer."""
    capabilities = ctx.client_capabilities
    wanted: dict[str, InputRequest] = {}
    if capabilities is None or capabilities.sampling is not None:
        wanted["sample"] = _sample("Say hello", 50)
    if capabilities is None or capabilities.elicitation is not None:
        wanted["ask"] = _ask("What is your name?", "name")
    return InputRequiredResult(input_requests=wanted, request_state="declared-only")


@_prompt
def test_input_required_result_prompt(ctx: Context) -> list[Message] | InputRequiredResult:
    """A prompt that asks for its context through an input_required result."""
    answer = _answer(ctx, "user_context")
    if answer is None:
        asked = _ask("What context should the prompt use?", "context")
        return InputRequiredResult(input_requests={"user_context": asked})
    return [UserMessage(content=_said(f"Use the following context: {_field(answer, 'context')}"))]
