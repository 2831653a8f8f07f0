"""``subscriptions/listen`` on the server side (MCP 2026-07-28).

A stateless client is told of list changes and resource updates only on a listen stream it
opened, and only of the kinds it asked for and the server offers. The stream's first
message is ``notifications/subscriptions/acknowledged`` with what is honoured, and every
notification on it carries the stream's id (the listen request's JSON-RPC id) in
``_meta``. The request lasts until the client goes away.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from bridge.errors import RemoteError
from bridge.mcp.jsonrpc import INVALID_PARAMS, current_request_id

if TYPE_CHECKING:
    from bridge.mcp.server import Peer

__all__ = ["MAX_RESOURCES", "SUBSCRIPTION_ID", "Listener", "honoured", "serve_listen", "wants"]

SUBSCRIPTION_ID = "io.modelcontextprotocol/subscriptionId"
MAX_RESOURCES = 256
"""Resources one listen stream may follow."""

# filter key -> (capability, its flag) the server must offer for the key to be honoured
_OFFERED = {
    "toolsListChanged": ("tools", "listChanged"),
    "promptsListChanged": ("prompts", "listChanged"),
    "resourcesListChanged": ("resources", "listChanged"),
}
_KEY_OF = {
    "notifications/tools/list_changed": "toolsListChanged",
    "notifications/prompts/list_changed": "promptsListChanged",
    "notifications/resources/list_changed": "resourcesListChanged",
}


class Listener:
    """One open listen stream: what it honours, and the context its messages travel in."""

    def __init__(self, stream_id: Any, wanted: dict[str, Any]) -> None:
        self.stream_id = stream_id
        self.wanted = wanted
        self.context = contextvars.copy_context()

    def send(self, peer: Peer, method: str, params: dict[str, Any] | None) -> asyncio.Task[None]:
        """Send a notification on this stream, tagged with its id."""
        meta = {**((params or {}).get("_meta") or {}), SUBSCRIPTION_ID: self.stream_id}
        tagged = {**(params or {}), "_meta": meta}
        loop = asyncio.get_running_loop()
        return self.context.run(loop.create_task, peer.notify(method, tagged))


def honoured(asked: Any, capabilities: dict[str, Any]) -> dict[str, Any]:
    """The part of a client's filter that the server's ``capabilities`` can serve."""
    if not isinstance(asked, dict):
        raise RemoteError(INVALID_PARAMS, "subscriptions/listen needs notifications (an object)")
    kept: dict[str, Any] = {}
    for key, (capability, flag) in _OFFERED.items():
        declared = capabilities.get(capability)
        if asked.get(key) is True and isinstance(declared, dict) and declared.get(flag) is True:
            kept[key] = True
    uris = asked.get("resourceSubscriptions")
    resources = capabilities.get("resources")
    if isinstance(uris, list) and isinstance(resources, dict) and resources.get("subscribe"):
        followed = list(dict.fromkeys(u for u in uris if isinstance(u, str)))
        if len(followed) > MAX_RESOURCES:
            # Each is followed upstream (a gateway subscribes to it): bounded, as requests are.
            raise RemoteError(
                INVALID_PARAMS,
                f"a listen stream follows at most {MAX_RESOURCES} resources, not {len(followed)}",
            )
        kept["resourceSubscriptions"] = followed
    return kept


def wants(wanted: dict[str, Any], method: str, params: dict[str, Any] | None) -> bool:
    """Whether a stream that honours ``wanted`` carries this notification."""
    if method == "notifications/resources/updated":
        uri = (params or {}).get("uri")
        return uri in wanted.get("resourceSubscriptions", ())
    key = _KEY_OF.get(method)
    return key is not None and wanted.get(key) is True


async def serve_listen(
    peer: Peer,
    params: dict[str, Any],
    capabilities: dict[str, Any],
    *,
    opened: Callable[[list[str]], Awaitable[None]] | None = None,
    closed: Callable[[list[str]], Awaitable[None]] | None = None,
) -> dict[str, Any]:
    """Hold a listen stream open until the client goes away (the request is cancelled).

    ``opened``/``closed`` hear the resource URIs the stream follows (a gateway subscribes
    to them upstream).
    """
    wanted = honoured(params.get("notifications"), capabilities)
    listener = Listener(current_request_id.get(), wanted)
    uris = list(wanted.get("resourceSubscriptions", []))
    if opened is not None and uris:
        await opened(uris)
    peer.listening.append(listener)
    try:
        ack = {"notifications": wanted}
        await listener.send(peer, "notifications/subscriptions/acknowledged", ack)
        await asyncio.Event().wait()  # the stream is the answer: it ends with the client
    finally:
        peer.listening.remove(listener)
        if closed is not None and uris:
            await asyncio.shield(closed(uris))
    return {}
