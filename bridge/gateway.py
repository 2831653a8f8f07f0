"""The gateway of ``agent serve``: a running fleet as one MCP app.

It lists the catalog's tools under their qualified names (denied tools are hidden and
refused; ``ask`` tools are asked through the client's elicitation, else refused), routes
calls with progress and cancellation, and forwards what the fleet's servers ask of a
client (sampling, elicitation) to a connected client that can answer.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
from typing import TYPE_CHECKING, Any

from bridge.approval import Policy
from bridge.catalog_cache import tool_to_wire
from bridge.errors import MCPError, RemoteError
from bridge.fleet_types import ServerHandlers
from bridge.mcp.jsonrpc import INVALID_PARAMS, METHOD_NOT_FOUND, RequestHandler
from bridge.mcp.server import Peer
from bridge.mcp.types import Progress

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
        # server -> clients with a call in flight, each with the context of its request: what
        # is sent to a client in that context travels on that request's stream (HTTP).
        self._calling: dict[str, list[tuple[Peer, contextvars.Context]]] = {}
        self._background: set[asyncio.Task[None]] = set()

    # -- wiring ------------------------------------------------------------------------

    def server_handlers(self) -> ServerHandlers:
        """The fleet's answers to its servers' requests: forwarded to a client."""
        return ServerHandlers(
            sampling=lambda server, params: self._forward(
                server, "sampling", "sampling/createMessage", params
            ),
            elicitation=lambda server, params: self._forward(
                server, "elicitation", "elicitation/create", params
            ),
        )

    def serve_toolset(self, toolset: FleetToolset) -> None:
        """Serve ``toolset``; a change of any server's tools is told to every client."""
        self.toolset = toolset
        refresh = toolset.refresh

        def changed() -> None:
            refresh()
            for peer in list(self.peers):
                self._spawn(peer.notify("notifications/tools/list_changed"))

        toolset.fleet.on_tools_changed = changed

    # -- the App protocol ----------------------------------------------------------------

    def capabilities(self) -> dict[str, Any]:
        return {"tools": {"listChanged": True}, "logging": {}}

    def attach(self, peer: Peer) -> None:
        self.peers.append(peer)

    def detach(self, peer: Peer) -> None:
        if peer in self.peers:
            self.peers.remove(peer)

    def handlers(self, peer: Peer) -> dict[str, RequestHandler]:
        async def call(params: dict[str, Any]) -> dict[str, Any]:
            return await self._call(peer, params)

        async def listing(_params: dict[str, Any]) -> dict[str, Any]:
            return await self._list()

        return {"tools/list": listing, "tools/call": call}

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
        toolset = self._toolset()
        name = params.get("name")
        if not isinstance(name, str):
            raise RemoteError(INVALID_PARAMS, "tools/call needs a tool name (a string)")
        arguments = params.get("arguments") or {}
        if not isinstance(arguments, dict):
            raise RemoteError(INVALID_PARAMS, "tools/call arguments must be an object")
        entry = toolset.catalog.resolve(name)
        verdict = self.policy.verdict(name)
        if entry is None or verdict == "deny":
            raise RemoteError(INVALID_PARAMS, f"Unknown tool: {name!r}")
        if verdict == "ask" and not await self._ask(peer, name, arguments):
            return _error(f"the call to {name} was denied (the gateway's policy asks first)")
        meta = params.get("_meta")
        token = meta.get("progressToken") if isinstance(meta, dict) else None
        on_progress = None
        here = contextvars.copy_context()
        if token is not None:

            def on_progress(progress: Progress) -> None:
                update = peer.progress(token, progress.progress, progress.total, progress.message)
                here.run(self._spawn, update)

        calling = self._calling.setdefault(entry.server, [])
        mine = (peer, here)
        calling.append(mine)
        try:
            result = await toolset.call(name, arguments, on_progress=on_progress)
        except MCPError as exc:
            # A server down, restarting or timing out: a tool error the client can read.
            return _error(f"server {entry.server!r} could not run {name}: {exc}")
        finally:
            calling.remove(mine)
        if result.raw:
            # The server's own result, less what belongs to its session's revision.
            return {k: v for k, v in result.raw.items() if k not in _REVISION_KEYS}
        wire: dict[str, Any] = {"content": result.content, "isError": result.is_error}
        if result.structured is not None:
            wire["structuredContent"] = result.structured
        return wire

    async def _ask(self, peer: Peer, name: str, arguments: dict[str, Any]) -> bool:
        """Ask the client's user through elicitation; a client that cannot answer is denied."""
        if not peer.can("elicitation"):
            return False
        try:
            answer = await peer.request(
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

    async def _forward(
        self, server: str, capability: str, method: str, params: dict[str, Any]
    ) -> dict[str, Any]:
        """Send a server's request to the client whose call it serves (else any that can)."""
        chosen = next(
            ((p, c) for p, c in reversed(self._calling.get(server, [])) if p.can(capability)),
            None,
        ) or next(
            ((p, contextvars.copy_context()) for p in reversed(self.peers) if p.can(capability)),
            None,
        )
        if chosen is None:
            raise RemoteError(METHOD_NOT_FOUND, f"no connected client offers {capability}")
        peer, context = chosen
        asking = context.run(asyncio.get_running_loop().create_task, peer.request(method, params))
        result = await asking
        if not isinstance(result, dict):
            raise RemoteError(INVALID_PARAMS, f"the client answered {method} with no object")
        return result

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


def _error(message: str) -> dict[str, Any]:
    return {"content": [{"type": "text", "text": message}], "isError": True}
