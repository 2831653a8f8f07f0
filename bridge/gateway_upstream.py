"""How the gateway asks one fleet server on a client's behalf, and what the fleet offers.

A server's own JSON-RPC errors pass through unchanged (code, message, data: a missing
resource stays -32002); a server that is down, restarting or cannot answer becomes an
internal error (-32603) whose message names the server.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bridge.errors import MCPError, RemoteError
from bridge.fleet_types import ServerState
from bridge.mcp.input_required import RESUME_KEYS, Relay, is_input_required
from bridge.mcp.jsonrpc import INTERNAL_ERROR
from bridge.resources import up_sessions

if TYPE_CHECKING:
    from bridge.fleet import Fleet
    from bridge.mcp import ClientSession

__all__ = [
    "REVISION_KEYS",
    "ask",
    "fleet_capabilities",
    "follow",
    "offering",
    "session_of",
    "unwrapped",
]

REVISION_KEYS = frozenset({"resultType", "ttlMs", "cacheScope"})
"""Keys of a 2026-07-28 result that belong to the server's session, not to the client's."""


async def session_of(fleet: Fleet, server: str, method: str) -> ClientSession:
    """The session of ``server``, waiting for its first start; a server that is not up
    raises an error naming it and its state."""
    try:
        up = await fleet.ready(server)
    except TimeoutError:
        up = False
    session = fleet.session(server)
    if up and session is not None:
        return session
    row = next((r for r in fleet.status() if r.name == server), None)
    state = row.state if row is not None else ServerState.FAILED
    reason = f" ({row.last_error})" if row is not None and row.last_error else ""
    raise RemoteError(
        INTERNAL_ERROR,
        f"server {server!r} is {state.value}{reason}, so it cannot answer {method}; try again",
    )


async def ask(
    fleet: Fleet, server: str, method: str, params: dict[str, Any], relay: Relay | None = None
) -> dict[str, Any]:
    """``method`` on ``server`` with ``params``; its result less the revision's keys (a
    ``relay``ed ``input_required`` result comes back whole, for the client to answer)."""
    session = await session_of(fleet, server, method)
    try:
        result = await session.request(method, params, relay=relay)
    except RemoteError:
        raise  # the server's own answer, for the client to read as it was given
    except MCPError as exc:
        raise RemoteError(
            INTERNAL_ERROR, f"server {server!r} could not answer {method}: {exc}"
        ) from exc
    if not isinstance(result, dict):
        raise RemoteError(INTERNAL_ERROR, f"server {server!r} answered {method} with no object")
    if is_input_required(result):
        return result
    return {k: v for k, v in result.items() if k not in REVISION_KEYS}


async def follow(fleet: Fleet, server: str, uri: str, *, subscribe: bool) -> None:
    """Subscribe to ``uri`` on ``server`` (or stop): by ``resources/subscribe``, or at
    2026-07-28 in the session's listen stream; errors as ``ask`` gives them."""
    method = "resources/subscribe" if subscribe else "resources/unsubscribe"
    session = await session_of(fleet, server, method)
    try:
        if subscribe:
            await session.subscribe_resource(uri)
        else:
            await session.unsubscribe_resource(uri)
    except RemoteError:
        raise
    except MCPError as exc:
        raise RemoteError(
            INTERNAL_ERROR, f"server {server!r} could not answer {method}: {exc}"
        ) from exc


def unwrapped(params: dict[str, Any]) -> dict[str, Any]:
    """A client's params as a fleet server gets them: without the client's ``_meta`` (its
    envelope and tokens belong to the client's session, not the server's) and without the
    answers of a round (a ``Relay`` carries those to a server that asked)."""
    return {k: v for k, v in params.items() if k != "_meta" and k not in RESUME_KEYS}


def offering(fleet: Fleet, capability: str) -> list[str]:
    """The servers up now that declare ``capability``, in fleet order."""
    return [name for name, _ in up_sessions(fleet, capability)]


def fleet_capabilities(fleet: Fleet) -> dict[str, Any]:
    """What the gateway declares beside tools: prompts, resources (subscribe when a server
    has it), completions and logging, each only when a server that is up offers it."""
    offered: dict[str, Any] = {}
    for name in fleet.names:
        session = fleet.session(name)
        if session is None or session.server is None:
            continue
        declared = session.server.capabilities
        if "prompts" in declared:
            offered["prompts"] = {"listChanged": True}
        if "resources" in declared:
            resources = offered.setdefault("resources", {"listChanged": True})
            own = declared["resources"]
            # 2026-07-28 subscribes in the session's listen stream, without the capability.
            if session.stateless or (isinstance(own, dict) and own.get("subscribe") is True):
                resources["subscribe"] = True
        for plain in ("completions", "logging"):
            if plain in declared:
                offered[plain] = {}
    return offered
