"""Everything the gateway serves of a fleet besides its tools, as one part of ``Gateway``:
prompts and completions (``bridge.gateway_prompts``), resources and subscriptions
(``bridge.gateway_resources``), logging, roots and list changes (``bridge.gateway_relay``).
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from bridge.gateway_prompts import FleetPrompts, complete
from bridge.gateway_relay import Relay
from bridge.gateway_resources import FleetResources
from bridge.gateway_upstream import fleet_capabilities
from bridge.mcp import input_required
from bridge.mcp.jsonrpc import RequestHandler
from bridge.mcp.server_listen import serve_listen

if TYPE_CHECKING:
    from bridge.fleet import Fleet
    from bridge.mcp.server import Peer

__all__ = ["FleetContent"]


class FleetContent:
    """The fleet's prompts, resources, completions and notifications for every client.

    ``callers(server)`` names the clients with a call in flight on ``server``, each with
    its request's context; ``spawn`` runs a coroutine in the background.
    """

    def __init__(
        self,
        peers: list[Peer],
        callers: Callable[[str], list[tuple[Peer, contextvars.Context]]],
        spawn: Callable[[Any], None],
    ) -> None:
        self.fleet: Fleet | None = None
        self.prompts = FleetPrompts()
        self.resources = FleetResources(spawn)
        self.relay = Relay(peers, callers, spawn, self.prompts, self.resources)

    def serve(self, fleet: Fleet) -> None:
        """Serve ``fleet`` (a running one)."""
        self.fleet = self.prompts.fleet = self.resources.fleet = self.relay.fleet = fleet
        self.relay.fleet_changed()

    def capabilities(self) -> dict[str, Any]:
        """Prompts, resources, completions and logging, as far as the fleet offers them."""
        return fleet_capabilities(self.fleet) if self.fleet is not None else {}

    def handlers(self, peer: Peer) -> dict[str, RequestHandler]:
        """The request handlers for one client."""
        resources = self.resources

        async def subscribe(params: dict[str, Any]) -> dict[str, Any]:
            return await resources.subscribe(peer, params)

        async def unsubscribe(params: dict[str, Any]) -> dict[str, Any]:
            return await resources.unsubscribe(peer, params)

        def relay(params: dict[str, Any]) -> input_required.Relay | None:
            # A stateless client answers its servers' rounds itself: they are relayed.
            return input_required.Relay.of(params) if peer.stateless else None

        async def get_prompt(params: dict[str, Any]) -> dict[str, Any]:
            return await self.prompts.get(params, relay(params))

        async def read(params: dict[str, Any]) -> dict[str, Any]:
            return await resources.read(params, relay(params))

        async def completion(params: dict[str, Any]) -> dict[str, Any]:
            return await complete(self.fleet, self.prompts, resources, params)

        async def set_level(params: dict[str, Any]) -> dict[str, Any]:
            return await self.relay.set_level(peer, params)

        async def follow(uris: list[str]) -> None:
            for uri in uris:
                await resources.subscribe(peer, {"uri": uri})

        async def unfollow(uris: list[str]) -> None:
            for uri in uris:
                await resources.unsubscribe(peer, {"uri": uri})

        async def listen(params: dict[str, Any]) -> dict[str, Any]:
            # A stateless client's stream: the resources it names are followed upstream.
            capabilities = {"tools": {"listChanged": True}, **self.capabilities()}
            return await serve_listen(peer, params, capabilities, opened=follow, closed=unfollow)

        return {
            "prompts/list": self.prompts.listed,
            "prompts/get": get_prompt,
            "resources/list": resources.listed,
            "resources/templates/list": resources.templates,
            "resources/read": read,
            "resources/subscribe": subscribe,
            "resources/unsubscribe": unsubscribe,
            "completion/complete": completion,
            "logging/setLevel": set_level,
            "subscriptions/listen": listen,
        }

    def attach(self, peer: Peer) -> None:
        """A client connected: its roots changes are passed on to the fleet."""
        handlers = peer.connection.notification_handlers
        handlers["notifications/roots/list_changed"] = self.relay.roots_changed

    def detach(self, peer: Peer) -> None:
        """A client left: its subscriptions end and its log level no longer counts."""
        self.resources.detach(peer)
        self.relay.detach(peer)
