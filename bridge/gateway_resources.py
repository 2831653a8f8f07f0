"""The fleet's resources through the gateway: listing, templates, reads and subscriptions.

A URI passes through as its server gave it while no other server lists the same one (so a
fleet of one passes through unchanged). When two servers list the same URI (or the same
template), each gets ``mcp-fleet://SERVER/URI`` instead (the server's name percent-encoded,
the URI as it was): ``mcp-fleet://a/notes://today`` reads ``notes://today`` from ``a``. The
form works for any URI of any server, listed or not.
"""

from __future__ import annotations

import asyncio
import logging
import urllib.parse
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from bridge.errors import MCPError, RemoteError
from bridge.gateway_upstream import ask, follow, offering, session_of, unwrapped
from bridge.mcp.input_required import Relay
from bridge.mcp.jsonrpc import INVALID_PARAMS
from bridge.resources import ResourceListing, list_resources

if TYPE_CHECKING:
    from bridge.fleet import Fleet
    from bridge.mcp.server import Peer

__all__ = ["FLEET_SCHEME", "FleetResources", "fleet_uri", "split_fleet_uri"]

log = logging.getLogger(__name__)

FLEET_SCHEME = "mcp-fleet://"

Spawn = Callable[[Any], None]


def fleet_uri(server: str, uri: str) -> str:
    """``uri`` of ``server`` in the gateway's own form (see the module's docstring)."""
    return f"{FLEET_SCHEME}{urllib.parse.quote(server, safe='')}/{uri}"


def split_fleet_uri(uri: str) -> tuple[str, str] | None:
    """(server, the server's URI) of a URI in the gateway's form, else None."""
    if not uri.startswith(FLEET_SCHEME):
        return None
    server, slash, rest = uri[len(FLEET_SCHEME) :].partition("/")
    if not slash or not server or not rest:
        return None
    return urllib.parse.unquote(server), rest


def _shared(pairs: list[tuple[str, str]]) -> set[str]:
    """The URIs (or templates) that more than one server lists."""
    owners: dict[str, set[str]] = {}
    for server, uri in pairs:
        owners.setdefault(uri, set()).add(server)
    return {uri for uri, servers in owners.items() if len(servers) > 1}


class FleetResources:
    """Resources of a running fleet as one server's; subscriptions held per client."""

    def __init__(self, spawn: Spawn) -> None:
        self.fleet: Fleet | None = None
        self._spawn = spawn
        self._listing: ResourceListing | None = None
        self._shared: set[str] = set()
        self._shared_templates: set[str] = set()
        # (server, its URI) -> the clients subscribed, each with the URI it used.
        self.subscribers: dict[tuple[str, str], dict[Peer, str]] = {}

    def forget(self) -> None:
        """Drop the listing kept for routing (a server's resources changed)."""
        self._listing = None

    def _fleet(self) -> Fleet:
        if self.fleet is None:
            raise RemoteError(INVALID_PARAMS, "the fleet is still starting; try again")
        return self.fleet

    async def listing(self) -> ResourceListing:
        """The fleet's resources and templates now, and which of them are shared."""
        listing = await list_resources(self._fleet())
        for server, error in listing.errors.items():
            log.info("server %r could not list its resources: %s", server, error)
        self._shared = _shared([(r.server, r.uri) for r in listing.resources])
        self._shared_templates = _shared([(t.server, t.uri_template) for t in listing.templates])
        self._listing = listing
        return listing

    def shown(self, server: str, uri: str) -> str:
        """The URI a client sees for ``server``'s ``uri``."""
        return fleet_uri(server, uri) if uri in self._shared else uri

    # -- requests ----------------------------------------------------------------------

    async def listed(self, _params: dict[str, Any]) -> dict[str, Any]:
        listing = await self.listing()
        resources = [{**r.wire, "uri": self.shown(r.server, r.uri)} for r in listing.resources]
        return {"resources": resources}

    async def templates(self, _params: dict[str, Any]) -> dict[str, Any]:
        listing = await self.listing()
        templates = [
            {**t.wire, "uriTemplate": self.template_shown(t.server, t.uri_template)}
            for t in listing.templates
        ]
        return {"resourceTemplates": templates}

    def template_shown(self, server: str, template: str) -> str:
        return fleet_uri(server, template) if template in self._shared_templates else template

    async def read(self, params: dict[str, Any], relay: Relay | None = None) -> dict[str, Any]:
        """The resource from its owner (``relay``: for a stateless client, see ``ask``)."""
        uri = _uri(params)
        servers, own = await self.route(uri)
        fleet = self._fleet()
        first: RemoteError | None = None
        asked = {**unwrapped(params), "uri": own}
        for server in servers:
            try:
                result = await ask(fleet, server, "resources/read", asked, relay)
            except RemoteError as exc:
                # Not routed by a listing: the next server may have it; else the first error.
                if len(servers) == 1:
                    raise
                first = first or exc
                continue
            return self._rewritten(server, result)
        raise first or RemoteError(-32002, f"Resource not found: {uri}", {"uri": uri})

    def _rewritten(self, server: str, result: dict[str, Any]) -> dict[str, Any]:
        """A read's contents with each shared URI in the form the client sees."""
        contents = result.get("contents")
        if not isinstance(contents, list):
            return result
        shown = [
            {**item, "uri": self.shown(server, item["uri"])}
            if isinstance(item, dict) and isinstance(item.get("uri"), str)
            else item
            for item in contents
        ]
        return {**result, "contents": shown}

    async def route(self, uri: str) -> tuple[list[str], str]:
        """(the servers to ask in turn, the URI they know) for a URI a client sent.

        The gateway's form names its server; a listed URI or a matching template names its
        owner; an unlisted one is asked of every server offering resources, in turn.
        """
        split = split_fleet_uri(uri)
        if split is not None:
            server, own = split
            if server not in self._fleet().names:
                raise RemoteError(INVALID_PARAMS, f"there is no server {server!r} in the fleet")
            return [server], own
        cached = self._listing is not None
        listing = self._listing or await self.listing()
        if uri in self._shared:
            owners = [r.server for r in listing.resources if r.uri == uri]
            named = " or ".join(fleet_uri(s, uri) for s in owners)
            raise RemoteError(INVALID_PARAMS, f"several servers offer {uri}; name one: {named}")
        owner = listing.owner(uri)
        if owner is None and cached:
            owner = (await self.listing()).owner(uri)  # perhaps listed since
        if owner is not None:
            return [owner], uri
        servers = offering(self._fleet(), "resources")
        if not servers:
            raise RemoteError(-32002, f"Resource not found: {uri}", {"uri": uri})
        return servers, uri

    async def subscribe(self, peer: Peer, params: dict[str, Any]) -> dict[str, Any]:
        uri = _uri(params)
        servers, own = await self.route(uri)
        server = servers[0]
        subscribed = self.subscribers.setdefault((server, own), {})
        if not subscribed:
            await follow(self._fleet(), server, own, subscribe=True)
        subscribed[peer] = uri
        return {}

    async def unsubscribe(self, peer: Peer, params: dict[str, Any]) -> dict[str, Any]:
        uri = _uri(params)
        servers, own = await self.route(uri)
        key = (servers[0], own)
        subscribed = self.subscribers.get(key, {})
        subscribed.pop(peer, None)
        if not subscribed and key in self.subscribers:
            del self.subscribers[key]
            await follow(self._fleet(), key[0], own, subscribe=False)
        return {}

    # -- from the fleet and the clients -----------------------------------------------

    def updated(self, server: str, params: dict[str, Any]) -> None:
        """A server's ``resources/updated``: told to each client subscribed to that URI."""
        uri = params.get("uri")
        if not isinstance(uri, str):
            return
        for peer, shown in list(self.subscribers.get((server, uri), {}).items()):
            self._spawn(peer.changed("notifications/resources/updated", {**params, "uri": shown}))

    def detach(self, peer: Peer) -> None:
        """A client left: its subscriptions end; a URI nobody follows any more is dropped."""
        for key in [k for k, peers in self.subscribers.items() if peer in peers]:
            del self.subscribers[key][peer]
            if not self.subscribers[key]:
                del self.subscribers[key]
                self._spawn(self._unsubscribe(*key))

    async def resubscribe(self, server: str) -> None:
        """A server came (back) up: ask again for the URIs clients follow there."""
        uris = [uri for (owner, uri) in self.subscribers if owner == server]
        if not uris or self.fleet is None:
            return
        session = await session_of(self.fleet, server, "resources/subscribe")
        await asyncio.gather(*(session.subscribe_resource(uri) for uri in uris))

    async def _unsubscribe(self, server: str, uri: str) -> None:
        session = self.fleet.session(server) if self.fleet is not None else None
        if session is not None:
            try:
                await session.unsubscribe_resource(uri)
            except RemoteError as exc:  # the server has no unsubscribe: nothing to undo
                log.debug("server %r: unsubscribe %s: %s", server, uri, exc)
            except MCPError as exc:
                log.debug("server %r went away before unsubscribe: %s", server, exc)


def _uri(params: dict[str, Any]) -> str:
    uri = params.get("uri")
    if not isinstance(uri, str) or not uri:
        raise RemoteError(INVALID_PARAMS, "this request needs a resource uri (a string)")
    return uri
