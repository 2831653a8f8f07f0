"""The fleet's prompts and completions through the gateway (``bridge.gateway_content``).

Prompts are listed under the qualified names the host gives them (``server__prompt``;
``prefix: ""`` keeps a server's own names) and ``prompts/get`` goes to the owner under its
own name. Prompts are not tools: the approval policy does not apply, but only the fleet's
(enabled) servers are served. ``completion/complete`` goes to the prompt's owner
(``ref/prompt``) or the template's (``ref/resource``).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from bridge.errors import RemoteError
from bridge.fleet_types import ServerState
from bridge.gateway_resources import FleetResources, split_fleet_uri
from bridge.gateway_upstream import ask, offering, session_of, unwrapped
from bridge.mcp.input_required import Relay
from bridge.mcp.jsonrpc import INVALID_PARAMS
from bridge.prompts import list_prompts

if TYPE_CHECKING:
    from bridge.fleet import Fleet

__all__ = ["FleetPrompts", "complete"]

log = logging.getLogger(__name__)


class FleetPrompts:
    """The fleet's prompts under qualified names, and the way back to their owners."""

    def __init__(self) -> None:
        self.fleet: Fleet | None = None
        self._routes: dict[str, tuple[str, str]] | None = None  # qualified -> (server, name)

    def forget(self) -> None:
        """Drop the names kept for routing (a server's prompts changed)."""
        self._routes = None

    def _fleet(self) -> Fleet:
        if self.fleet is None:
            raise RemoteError(INVALID_PARAMS, "the fleet is still starting; try again")
        return self.fleet

    async def listed(self, _params: dict[str, Any]) -> dict[str, Any]:
        listing = await list_prompts(self._fleet())
        for server, error in listing.errors.items():
            log.info("server %r could not list its prompts: %s", server, error)
        self._routes = {p.qualified: (p.server, p.name) for p in listing.prompts}
        return {"prompts": [{**p.wire, "name": p.qualified} for p in listing.prompts]}

    async def get(self, params: dict[str, Any], relay: Relay | None = None) -> dict[str, Any]:
        """The prompt from its owner (``relay``: for a stateless client, see ``ask``)."""
        name = params.get("name")
        if not isinstance(name, str):
            raise RemoteError(INVALID_PARAMS, "prompts/get needs a prompt name (a string)")
        server, own = await self.route(name, "prompts/get")
        asked = {**unwrapped(params), "name": own}
        return await ask(self._fleet(), server, "prompts/get", asked, relay)

    async def route(self, name: str, method: str) -> tuple[str, str]:
        """(server, its own name) of the prompt a client named.

        An unknown name of a server that is down says so; one no server claims goes to the
        only server whose prompt names are plain (``prefix: ""``), so that its own error
        comes back, else it is an invalid-params error.
        """
        if self._routes is None or name not in self._routes:
            await self.listed({})
        assert self._routes is not None
        found = self._routes.get(name)
        if found is not None:
            return found
        fleet = self._fleet()
        for row in fleet.status():
            namespace = fleet.config(row.name).prefix
            namespace = row.name if namespace is None else namespace
            if row.state is not ServerState.UP and namespace and name.startswith(namespace + "__"):
                await session_of(fleet, row.name, method)  # raises, naming the server's state
        plain = [s for s in offering(fleet, "prompts") if fleet.config(s).prefix == ""]
        if len(plain) == 1:
            return plain[0], name
        known = ", ".join(self._routes) or "none"
        raise RemoteError(INVALID_PARAMS, f"Unknown prompt: {name!r} (the prompts are: {known})")


async def complete(
    fleet: Fleet | None, prompts: FleetPrompts, resources: FleetResources, params: dict[str, Any]
) -> dict[str, Any]:
    """``completion/complete`` answered by the owner of the prompt or template it names."""
    if fleet is None:
        raise RemoteError(INVALID_PARAMS, "the fleet is still starting; try again")
    ref = params.get("ref")
    if not isinstance(ref, dict):
        raise RemoteError(INVALID_PARAMS, "completion/complete needs a ref (an object)")
    kind = ref.get("type")
    if kind == "ref/prompt" and isinstance(ref.get("name"), str):
        server, own = await prompts.route(ref["name"], "completion/complete")
        ref = {**ref, "name": own}
    elif kind == "ref/resource" and isinstance(ref.get("uri"), str):
        server, template = await _template_owner(fleet, resources, ref["uri"])
        ref = {**ref, "uri": template}
    else:
        raise RemoteError(
            INVALID_PARAMS, "completion/complete wants a ref/prompt name or a ref/resource uri"
        )
    session = await session_of(fleet, server, "completion/complete")
    if session.server is None or "completions" not in session.server.capabilities:
        return {"completion": {"values": [], "hasMore": False}}
    return await ask(fleet, server, "completion/complete", {**unwrapped(params), "ref": ref})


async def _template_owner(fleet: Fleet, resources: FleetResources, uri: str) -> tuple[str, str]:
    """(server, its template) of a ``ref/resource``: the gateway's form names the server;
    otherwise the server that lists the template, else the only one offering completions."""
    split = split_fleet_uri(uri)
    if split is not None:
        return split
    listing = await resources.listing()
    owners = [t.server for t in listing.templates if t.uri_template == uri]
    if owners:
        return owners[0], uri
    completing = offering(fleet, "completions")
    if len(completing) == 1:
        return completing[0], uri
    raise RemoteError(INVALID_PARAMS, f"no server of the fleet lists the template {uri!r}")
