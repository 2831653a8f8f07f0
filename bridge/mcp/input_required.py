"""Multi-round-trip requests (MCP 2026-07-28, SEP-2322).

A stateless server that needs something from the client (an elicitation, a sampling
call, the roots) answers ``resultType: "input_required"`` with ``inputRequests``; the
client answers each with its own handler and sends the request again, under a fresh
JSON-RPC id, with ``inputResponses`` and the server's ``requestState`` echoed unread.

A gateway relaying a stateless client's request does neither: it hands the server's
``input_required`` result to its client as it came (a :class:`Relay`), and the client's
retry brings the answers and the state back, so no replica holds anything between rounds.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from bridge.errors import ProtocolError
from bridge.mcp.jsonrpc import json_kind
from bridge.mcp.negotiation import META_CAPABILITIES, META_LOG_LEVEL

__all__ = ["MAX_ROUNDS", "RESUME_KEYS", "Relay", "is_input_required", "retry_params"]

MAX_ROUNDS = 8
"""Rounds of one request before the server is taken to be looping."""

Handler = Callable[[dict[str, Any]], Awaitable[Any]]

RESUME_KEYS = ("inputResponses", "requestState")
"""The params of a retry that answer the round before it."""


@dataclass(frozen=True, slots=True)
class Relay:
    """A request relayed for a stateless client: a stateless server's ``input_required``
    result is returned unanswered, and ``resume`` (the client's ``inputResponses`` and the
    server's ``requestState``, from the client's retry) goes with the request. ``envelope``
    holds the client's own capabilities and log level: it is the client that answers."""

    resume: dict[str, Any] = field(default_factory=dict)
    envelope: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, params: Mapping[str, Any]) -> Relay:
        """The relay of a client's request: what of its params resumes a round, and what
        of its ``_meta`` envelope speaks for the client."""
        meta = params.get("_meta")
        envelope = {}
        if isinstance(meta, dict):
            envelope = {k: meta[k] for k in (META_CAPABILITIES, META_LOG_LEVEL) if k in meta}
        return cls({k: params[k] for k in RESUME_KEYS if k in params}, envelope)


def is_input_required(result: Any) -> bool:
    """Whether a result asks for input; a result without ``resultType`` is complete."""
    return isinstance(result, dict) and result.get("resultType") == "input_required"


async def retry_params(
    server: str,
    method: str,
    params: Mapping[str, Any],
    result: dict[str, Any],
    handlers: Mapping[str, Handler],
) -> dict[str, Any]:
    """The params of the retry: the original ones, the answers, and the state as given."""
    requests = result.get("inputRequests")
    if not isinstance(requests, dict):
        raise ProtocolError(
            f"server {server!r} answered {method} with input_required but inputRequests "
            f"is {json_kind(requests)}, not an object"
        )
    responses: dict[str, Any] = {}
    for key, request in requests.items():
        if not isinstance(request, dict) or not isinstance(request.get("method"), str):
            raise ProtocolError(f"server {server!r} asked for input {key[:60]!r} without a method")
        asked = request["method"]
        handler = handlers.get(asked)
        if handler is None:
            raise ProtocolError(
                f"server {server!r} needs {asked[:60]!r} to finish {method}, which this "
                "client does not offer"
            )
        request_params = request.get("params")
        responses[key] = await handler(request_params if isinstance(request_params, dict) else {})
    retry = {k: v for k, v in params.items() if k not in RESUME_KEYS}
    retry["inputResponses"] = responses
    if "requestState" in result:
        retry["requestState"] = result["requestState"]  # opaque: echoed, never read
    return retry
