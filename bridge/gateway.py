"""The gateway of ``agent serve``: a running fleet as one MCP app.

It lists the catalog's tools under their qualified names (denied tools are hidden and
refused; ``ask`` tools are asked through the client's elicitation, else refused), routes
calls with progress and cancellation, and forwards what the fleet's servers ask of a
client (sampling, elicitation) to a connected client that can answer. A stateless
(2026-07-28) client is asked through ``input_required`` rounds (``bridge.gateway_rounds``).
Prompts, resources, completions, logging and roots are ``bridge.gateway_content``'s.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
from typing import TYPE_CHECKING, Any, Protocol

from bridge.approval import Policy
from bridge.catalog_cache import tool_to_wire
from bridge.errors import MCPError, RemoteError
from bridge.fleet_types import ServerHandlers
from bridge.gateway_content import FleetContent
from bridge.gateway_rounds import Rounds
from bridge.mcp.input_required import Relay, is_input_required
from bridge.mcp.jsonrpc import INVALID_PARAMS, METHOD_NOT_FOUND, RequestHandler
from bridge.mcp.server import Peer
from bridge.mcp.types import Progress
from bridge.sampling import USER_REJECTED

if TYPE_CHECKING:
    from bridge.toolset import FleetToolset

__all__ = ["Gateway"]

log = logging.getLogger(__name__)


class Gateway:
    """Serves a fleet's toolset; one instance serves every connected client."""

    def __init__(self, policy: Policy, *, version: str) -> None:
        self.name = "agent-gateway"
        self.version = version
        self.instructions = ""
        self.policy = policy
        self.toolset: FleetToolset | None = None
        self.peers: list[Peer] = []
        # server -> the callers with a call in flight on it, latest last: a server's request
        # goes to the client whose call it serves.
        self._calling: dict[str, list[Caller]] = {}
        self._rounds = Rounds()
        self._background: set[asyncio.Task[None]] = set()
        self.content = FleetContent(self.peers, self._callers, self._spawn)

    # -- wiring ------------------------------------------------------------------------

    def server_handlers(self) -> ServerHandlers:
        """The fleet's answers to its servers' requests: forwarded to a client."""
        return ServerHandlers(
            sampling=self._sample,
            elicitation=lambda server, params: self._forward(
                server, "elicitation", "elicitation/create", params
            ),
            roots=lambda server, params: self._forward(server, "roots", "roots/list", params),
            notified=self.content.relay.notified,
        )

    def serve_toolset(self, toolset: FleetToolset) -> None:
        """Serve ``toolset``; a change of any server's tools is told to every client."""
        self.toolset = toolset
        refresh = toolset.refresh

        def changed() -> None:
            refresh()
            self.content.relay.fleet_changed()
            for peer in list(self.peers):
                self._spawn(peer.changed("notifications/tools/list_changed"))

        toolset.fleet.on_tools_changed = changed
        self.content.serve(toolset.fleet)

    # -- the App protocol ----------------------------------------------------------------

    def capabilities(self) -> dict[str, Any]:
        return {"tools": {"listChanged": True}, **self.content.capabilities()}

    def attach(self, peer: Peer) -> None:
        self.peers.append(peer)
        self.content.attach(peer)

    def detach(self, peer: Peer) -> None:
        if peer in self.peers:
            self.peers.remove(peer)
        self.content.detach(peer)

    def handlers(self, peer: Peer) -> dict[str, RequestHandler]:
        async def call(params: dict[str, Any]) -> dict[str, Any]:
            return await self._call(peer, params)

        async def listing(_params: dict[str, Any]) -> dict[str, Any]:
            return await self._list()

        return {"tools/list": listing, "tools/call": call, **self.content.handlers(peer)}

    def tool_schema(self, name: str) -> dict[str, Any] | None:
        """The input schema a client was given for tool ``name`` (a hidden tool has none)."""
        if self.toolset is None or self.policy.verdict(name) == "deny":
            return None
        entry = self.toolset.catalog.resolve(name)
        return entry.tool.input_schema if entry is not None else None

    def server_of(self, params: dict[str, Any]) -> tuple[str | None, str | None]:
        """(tool, server) a request names, for its log line."""
        name = params.get("name")
        if not isinstance(name, str) or self.toolset is None:
            return None, None
        return name, self.toolset.server_of(name)

    # -- requests ----------------------------------------------------------------------

    def _toolset(self) -> FleetToolset:
        if self.toolset is None:
            raise RemoteError(-32002, "the fleet is still starting; try again")
        return self.toolset

    async def _list(self) -> dict[str, Any]:
        tools = []
        for entry in self._toolset().entries():
            if self.policy.verdict(entry.qualified) == "deny":
                continue
            wire = tool_to_wire(entry.tool)
            wire["name"] = entry.qualified
            tools.append(wire)
        return {"tools": tools}

    async def _call(self, peer: Peer, params: dict[str, Any]) -> dict[str, Any]:
        if peer.stateless:
            # Asked through input_required rounds: the call outlives this request. A stateless
            # server's own rounds are relayed: its results come back, the retries go on.
            relay = Relay.of(params)
            return await self._rounds.call(
                params, peer, lambda held: self._run(held, params, relay)
            )
        meta = params.get("_meta")
        token = meta.get("progressToken") if isinstance(meta, dict) else None
        return await self._run(_Live(peer, contextvars.copy_context(), token), params)

    async def _run(
        self, caller: Caller, params: dict[str, Any], relay: Relay | None = None
    ) -> dict[str, Any]:
        toolset = self._toolset()
        name = params.get("name")
        if not isinstance(name, str):
            raise RemoteError(INVALID_PARAMS, "tools/call needs a tool name (a string)")
        arguments = params.get("arguments") or {}
        if not isinstance(arguments, dict):
            raise RemoteError(INVALID_PARAMS, "tools/call arguments must be an object")
        entry = toolset.catalog.resolve(name)
        verdict = self.policy.verdict(name)
        if entry is None and verdict != "deny" and (why := toolset.unavailable(name)):
            return _error(why)
        if entry is None or verdict == "deny":
            raise RemoteError(INVALID_PARAMS, f"Unknown tool: {name!r}")
        if verdict == "ask" and not await self._ask(caller, name, arguments):
            return _error(f"the call to {name} was denied (the gateway's policy asks first)")

        def on_progress(progress: Progress) -> None:
            caller.progress(progress, self._spawn)

        calling = self._calling.setdefault(entry.server, [])
        calling.append(caller)
        try:
            result = await toolset.call(name, arguments, on_progress=on_progress, relay=relay)
        except RemoteError:
            raise  # the server's own JSON-RPC error, for the client to read as it was given
        except MCPError as exc:
            # A server down, restarting or timing out: a tool error the client can read.
            return _error(f"server {entry.server!r} could not run {name}: {exc}")
        finally:
            calling.remove(caller)
        if is_input_required(result.raw):
            return result.raw  # the server's round, for the client to answer and retry
        if result.raw:
            # The server's own result, less what belongs to its session's revision.
            return {k: v for k, v in result.raw.items() if k not in _REVISION_KEYS}
        wire: dict[str, Any] = {"content": result.content, "isError": result.is_error}
        if result.structured is not None:
            wire["structuredContent"] = result.structured
        return wire

    async def _ask(self, caller: Caller, name: str, arguments: dict[str, Any]) -> bool:
        """Ask the client's user through elicitation; a client that cannot answer is denied."""
        if not caller.can("elicitation"):
            return False
        try:
            answer = await caller.request(
                "elicitation/create",
                {
                    "mode": "form",
                    "message": f"Allow the tool {name} with arguments {arguments}?",
                    "requestedSchema": {"type": "object", "properties": {}},
                },
            )
        except MCPError as exc:
            log.info("asking about %s failed: %s", name, exc)
            return False
        return isinstance(answer, dict) and answer.get("action") == "accept"

    # -- what servers ask of a client ---------------------------------------------------

    async def _sample(self, server: str, params: dict[str, Any]) -> dict[str, Any]:
        """A server's sampling request: refused when the policy denies sampling, else the
        client's (whose own user is asked, as MCP wants of a sampling client)."""
        if self.policy.sampling == "deny":
            raise RemoteError(USER_REJECTED, "sampling is denied by the gateway's policy")
        return await self._forward(server, "sampling", "sampling/createMessage", params)

    async def _forward(
        self, server: str, capability: str, method: str, params: dict[str, Any]
    ) -> dict[str, Any]:
        """Send a server's request to a client whose call it may serve: while calls are in
        flight on that server, only their callers are asked (the latest that can answer);
        otherwise the latest client that can."""
        calling = self._calling.get(server)
        callers: list[Caller] = (
            list(calling)
            if calling
            else [_Live(p, contextvars.copy_context(), None) for p in self.peers]
        )
        caller = next((c for c in reversed(callers) if c.can(capability)), None)
        if caller is None:
            raise RemoteError(METHOD_NOT_FOUND, f"no connected client offers {capability}")
        result = await caller.request(method, params)
        if not isinstance(result, dict):
            raise RemoteError(INVALID_PARAMS, f"the client answered {method} with no object")
        return result

    def _callers(self, server: str) -> list[tuple[Peer, contextvars.Context]]:
        """The clients with a call in flight on ``server``, each with its call's context."""
        return [(c.peer, c.context) for c in self._calling.get(server, [])]

    def _spawn(self, coro: Any) -> None:
        async def run() -> None:
            try:
                await coro
            except MCPError as exc:  # the client went away: nothing to tell it
                log.debug("could not reach a client: %s", exc)

        task = asyncio.get_running_loop().create_task(run())
        self._background.add(task)
        task.add_done_callback(self._background.discard)


_REVISION_KEYS = frozenset({"resultType", "ttlMs", "cacheScope"})


class Caller(Protocol):
    """Whoever a call serves, as a fleet server's requests reach it."""

    peer: Peer
    context: contextvars.Context  # what is sent in it travels on the call's stream (HTTP)

    def can(self, capability: str) -> bool: ...

    async def request(self, method: str, params: dict[str, Any]) -> Any: ...

    def progress(self, progress: Progress, spawn: Any) -> None: ...


class _Live:
    """A client on a session: asked directly, in the context of its call's request, so
    that what is sent travels on that request's stream (HTTP)."""

    def __init__(self, peer: Peer, context: contextvars.Context, token: Any) -> None:
        self.peer = peer
        self.context = context
        self.token = token

    def can(self, capability: str) -> bool:
        return self.peer.can(capability)

    async def request(self, method: str, params: dict[str, Any]) -> Any:
        loop = asyncio.get_running_loop()
        return await self.context.run(loop.create_task, self.peer.request(method, params))

    def progress(self, progress: Progress, spawn: Any) -> None:
        if self.token is not None:
            update = self.peer.progress(
                self.token, progress.progress, progress.total, progress.message
            )
            self.context.run(spawn, update)


def _error(message: str) -> dict[str, Any]:
    return {"content": [{"type": "text", "text": message}], "isError": True}
