"""Server requests to stateless clients: a gateway call held across input_required rounds.

A 2026-07-28 client cannot be sent requests. When a fleet server asks for something (an
elicitation, a sampling call, the roots) during such a client's call, or the gateway's
policy asks first, the gateway answers the call with ``resultType: "input_required"`` and
keeps the call running; the client's retry carries the answers (``inputResponses``) and
the ``requestState`` token that finds the call again. The token is random and opaque, and
the call lives only in this process: a retry that comes after the call was given up gets
an error saying to call again, and one that reaches another replica is a new call there.
A stateless fleet server's own ``input_required`` results need none of this: they are
relayed to the client as they came (``bridge.mcp.input_required.Relay``).
"""

from __future__ import annotations

import asyncio
import contextvars
import secrets
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeGuard

from bridge.errors import RemoteError
from bridge.mcp.jsonrpc import INVALID_PARAMS

if TYPE_CHECKING:
    from bridge.mcp.server import Peer
    from bridge.mcp.types import Progress

__all__ = ["HELD_SECONDS", "MAX_HELD", "MAX_HELD_PER_CLIENT", "Held", "Rounds"]

HELD_SECONDS = 300.0
"""How long a call waits for the client's retry: a person may be answering."""

MAX_HELD = 256
"""Calls held at once; past this the oldest is given up (each holds a fleet call open)."""

MAX_HELD_PER_CLIENT = 32
"""Calls one client may have held; past this its own oldest is given up, not another's."""


class Held:
    """One call between rounds: the fleet-side task and what it waits for from the client."""

    def __init__(self, key: str, peer: Peer) -> None:
        self.key = key
        self.capabilities = dict(peer.capabilities)
        self.task: asyncio.Task[dict[str, Any]] | None = None
        self.peer = peer
        """The current round's client and request context: progress travels there."""
        self.context = contextvars.copy_context()
        self.progress_token: Any = None
        self._open: dict[str, tuple[str, dict[str, Any], asyncio.Future[Any]]] = {}
        self._changed = asyncio.Event()
        self._count = 0
        self._expiry: asyncio.TimerHandle | None = None

    def can(self, capability: str) -> bool:
        """Whether the client declared ``capability`` on the call's first request."""
        return capability in self.capabilities

    async def request(self, method: str, params: dict[str, Any]) -> Any:
        """Ask the client in the next ``input_required`` round and wait for its answer."""
        self._count += 1
        key = f"{method.split('/')[0]}-{self._count}"
        answer: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._open[key] = (method, params, answer)
        self._changed.set()
        try:
            return await answer
        finally:
            self._open.pop(key, None)

    def progress(self, progress: Progress, spawn: Any) -> None:
        """Report the call's progress on the current round's request, if it asked for it."""
        if self.progress_token is not None:
            update = self.peer.progress(
                self.progress_token, progress.progress, progress.total, progress.message
            )
            self.context.run(spawn, update)

    def answer(self, responses: Any) -> None:
        """Deliver a retry's ``inputResponses``; requests left unanswered are asked again."""
        if not isinstance(responses, dict):
            raise RemoteError(INVALID_PARAMS, "inputResponses must be an object")
        for key, value in responses.items():
            waiting = self._open.get(key)
            if waiting is not None and not waiting[2].done():
                waiting[2].set_result(value)

    async def next_round(self) -> dict[str, Any]:
        """The call's result once it ends, or an ``input_required`` result when it asks."""
        assert self.task is not None
        while True:
            if self.task.done():
                return self.task.result()
            # An answered request stays listed until its asker resumes: not asked again.
            requests = {
                key: {"method": method, "params": params}
                for key, (method, params, answer) in self._open.items()
                if not answer.done()
            }
            if requests:
                return {
                    "resultType": "input_required",
                    "inputRequests": requests,
                    "requestState": self.key,
                }
            self._changed.clear()
            await self._changed.wait()

    def _ended(self, _task: asyncio.Task[Any]) -> None:
        self._changed.set()


class Rounds:
    """The calls held for stateless clients, found again by their ``requestState``."""

    def __init__(
        self,
        *,
        held_seconds: float = HELD_SECONDS,
        limit: int = MAX_HELD,
        per_client: int = MAX_HELD_PER_CLIENT,
    ) -> None:
        self.held_seconds = held_seconds
        self.limit = limit
        self.per_client = per_client
        self._held: dict[str, Held] = {}
        # This process's tokens, told apart from a fleet server's requestState (relayed) and
        # from another gateway's (one in front of this one, or a replica beside it).
        self.prefix = f"held.{secrets.token_urlsafe(6)}."

    def holds(self, state: Any) -> TypeGuard[str]:
        """Whether ``state`` is a token of this process (held, or given up since)."""
        return isinstance(state, str) and state.startswith(self.prefix)

    def __len__(self) -> int:
        return len(self._held)

    async def call(
        self,
        params: dict[str, Any],
        peer: Peer,
        start: Callable[[Held], Awaitable[dict[str, Any]]],
    ) -> dict[str, Any]:
        """Go on with the held call a retry names, else run ``start`` (a new call)."""
        state = params.get("requestState")
        if not self.holds(state):
            held = self._begin(peer, start)
        else:
            found = self._held.get(state)
            if found is None:
                raise RemoteError(
                    INVALID_PARAMS,
                    "requestState names no call held here: it ended, or waited too long for "
                    "the answers; call the tool again",
                )
            held = found
            if held._expiry is not None:
                held._expiry.cancel()
            held.answer(params.get("inputResponses", {}))
        held.peer = peer
        held.context = contextvars.copy_context()
        meta = params.get("_meta")
        held.progress_token = meta.get("progressToken") if isinstance(meta, dict) else None
        try:
            result = await held.next_round()
        except asyncio.CancelledError:
            self._give_up(held)  # the client cancelled its call
            raise
        except BaseException:
            self._held.pop(held.key, None)
            raise
        if result.get("requestState") == held.key:
            loop = asyncio.get_running_loop()
            held._expiry = loop.call_later(self.held_seconds, self._give_up, held)
        else:
            self._held.pop(held.key, None)
        return result

    def _begin(self, peer: Peer, start: Callable[[Held], Awaitable[dict[str, Any]]]) -> Held:
        if peer.client is not None:
            mine = [held for held in self._held.values() if held.peer.client == peer.client]
            if len(mine) >= self.per_client:
                self._give_up(mine[0])
        while len(self._held) >= self.limit:
            self._give_up(next(iter(self._held.values())))
        held = Held(self.prefix + secrets.token_urlsafe(24), peer)
        held.task = asyncio.get_running_loop().create_task(_result_of(start(held)))
        held.task.add_done_callback(held._ended)
        self._held[held.key] = held
        return held

    def _give_up(self, held: Held) -> None:
        self._held.pop(held.key, None)
        if held._expiry is not None:
            held._expiry.cancel()
        if held.task is not None:
            held.task.cancel()


async def _result_of(call: Awaitable[dict[str, Any]]) -> dict[str, Any]:
    return await call
