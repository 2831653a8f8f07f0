"""Attachment chips: the resources going with the next message, and those a message carried.

A chip shows ``server:name``; it is marked stale when the server reports that the resource
changed after it was read. A click on a chip of the next message takes it off.
"""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.containers import HorizontalGroup
from textual.message import Message
from textual.widgets import Static

from agent.terminal import clean
from agent.tui.catalog import ResourceInfo

__all__ = ["AttachmentBar", "Chip", "ChipRow"]


class Chip(Static):
    """One attached resource."""

    class Removed(Message):
        """The person took ``resource`` off the next message."""

        def __init__(self, resource: ResourceInfo) -> None:
            super().__init__()
            self.resource = resource

    def __init__(self, resource: ResourceInfo, *, removable: bool = False) -> None:
        super().__init__(classes="chip")
        self.resource = resource
        self.removable = removable
        self.stale = False
        self.tooltip = clean(resource.ref)
        self._label()

    def _label(self) -> None:
        label = f"@{self.resource.server}:{self.resource.name}"
        mark = " · stale" if self.stale else (" ✕" if self.removable else "")
        self.update(Text(clean(label) + mark))

    def mark_stale(self) -> None:
        """The server changed the resource since it was read."""
        self.stale = True
        self.add_class("stale")
        self._label()

    def on_click(self, event: events.Click) -> None:
        if self.removable:
            event.stop()
            self.post_message(self.Removed(self.resource))


class ChipRow(HorizontalGroup):
    """The chips of one sent message, under it in the transcript."""

    def __init__(self, resources: list[ResourceInfo]) -> None:
        super().__init__(*(Chip(r) for r in resources), classes="chip-row")


class AttachmentBar(HorizontalGroup):
    """The chips of the message being written (hidden while there are none)."""

    def on_mount(self) -> None:
        self.display = False

    @property
    def resources(self) -> list[ResourceInfo]:
        return [chip.resource for chip in self.query(Chip)]

    async def add(self, resource: ResourceInfo) -> bool:
        """Show ``resource`` (once); False when it was already there."""
        if resource in self.resources:
            return False
        await self.mount(Chip(resource, removable=True))
        self.display = True
        return True

    async def remove_resource(self, resource: ResourceInfo) -> None:
        for chip in self.query(Chip):
            if chip.resource == resource:
                await chip.remove()
        self.display = bool(self.query(Chip))

    async def clear(self) -> None:
        await self.remove_children()
        self.display = False
