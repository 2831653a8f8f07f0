"""The fleet's prompts and resources as the chat sees them: listed, rendered, read, completed.

A thin adapter over the bridge's ``bridge.prompts``, ``bridge.resources`` and
``bridge.subscriptions``: it keeps the last listing for the message box's completions and
gives each resource the ``server:uri`` reference that ``@`` completes to.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bridge import prompts as bridge_prompts
from bridge import resources as bridge_resources
from bridge.errors import MCPError
from bridge.prompts import PromptArgument, PromptInfo
from bridge.subscriptions import AttachedResources
from config.errors import HostError
from providers.types import ContentPart, Message, TextPart, UserMessage

if TYPE_CHECKING:
    from bridge.fleet import Fleet

__all__ = [
    "Attachment",
    "FleetCatalog",
    "PromptArgument",
    "PromptInfo",
    "ResourceInfo",
]

log = logging.getLogger(__name__)
Updated = Callable[[str, str], None]  # (server, uri)
COMPLETION_LIMIT = 20


@dataclass(frozen=True)
class ResourceInfo:
    """One resource a server lists; ``ref`` (``server:uri``) is what ``@`` completes to."""

    server: str
    uri: str
    name: str
    mime_type: str = ""
    description: str = ""

    @property
    def ref(self) -> str:
        return f"{self.server}:{self.uri}"


@dataclass(frozen=True)
class Attachment:
    """A resource attached to a message, and its contents as message parts."""

    resource: ResourceInfo
    parts: tuple[ContentPart, ...]


class FleetCatalog:
    """The prompts and resources of every server that is up, listed by ``load``."""

    def __init__(self, fleet: Fleet, on_updated: Updated | None = None) -> None:
        self.fleet = fleet
        self.prompts: list[PromptInfo] = []
        self.resources: list[ResourceInfo] = []
        self.attached = AttachedResources(fleet, on_updated)

    async def load(self) -> list[str]:
        """List every server's prompts and resources again; the problems, one line each."""
        prompts = await bridge_prompts.list_prompts(self.fleet)
        listing = await bridge_resources.list_resources(self.fleet)
        self.prompts = prompts.prompts
        self.resources = [
            ResourceInfo(r.server, r.uri, r.name or r.uri, r.mime_type or "", r.description)
            for r in listing.resources
        ]
        problems = {**prompts.errors, **listing.errors}
        return [f"{server}: cannot list its prompts or resources: {error}"
                for server, error in problems.items()]  # fmt: skip

    def prompt(self, qualified: str) -> PromptInfo | None:
        """The prompt whose slash command is ``/qualified``."""
        return next((p for p in self.prompts if p.qualified == qualified), None)

    def resource(self, ref: str) -> ResourceInfo | None:
        """The resource named ``server:uri``."""
        return next((r for r in self.resources if r.ref == ref), None)

    async def render(
        self, prompt: PromptInfo, arguments: dict[str, str], *, images: bool = True
    ) -> list[Message]:
        """The prompt's messages with ``arguments`` filled in (``prompts/get``)."""
        rendered = await bridge_prompts.get_prompt(self.fleet, prompt, arguments)
        return bridge_prompts.prompt_messages(rendered, images=images)

    async def complete(
        self, prompt: PromptInfo, argument: str, value: str, context: dict[str, str]
    ) -> list[str]:
        """What the server offers for ``argument`` starting from ``value`` (empty: nothing)."""
        ref = {"type": "ref/prompt", "name": prompt.name}
        others = {k: v for k, v in context.items() if k != argument and v}
        try:
            values = await bridge_prompts.complete(
                self.fleet, prompt.server, ref, argument, value, others
            )
        except MCPError as exc:  # a completion is a convenience: typing goes on without it
            log.info("%s: completing %s failed: %s", prompt.server, argument, exc)
            return []
        return values[:COMPLETION_LIMIT]

    async def attach(self, resource: ResourceInfo, *, images: bool = True) -> Attachment:
        """Read ``resource`` for a message, and watch it for updates where the server can."""
        _, contents = await bridge_resources.read_resource(
            self.fleet, resource.uri, resource.server
        )
        await self.attached.attach(resource.server, resource.uri)
        parts = bridge_resources.attachment_parts(contents, images=images)
        return Attachment(resource, tuple(parts))

    async def message(
        self, text: str, resources: list[ResourceInfo], *, images: bool = True
    ) -> tuple[UserMessage, list[str]]:
        """``text`` with the contents of ``resources``, and what could not be attached."""
        parts: list[ContentPart] = [TextPart(text)]
        problems = []
        for resource in resources:
            try:
                parts.extend((await self.attach(resource, images=images)).parts)
            except HostError as exc:  # the message goes without it, and the person is told
                problems.append(f"cannot attach {resource.ref}: {exc}")
        return UserMessage(tuple(parts)), problems
