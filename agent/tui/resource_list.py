"""Lists of resources: the ``@`` picker above the message box and the side panel's view.

Both post ``Chosen`` with the resource to attach; names and URIs from servers are cleaned.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from rich.text import Text
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from agent.terminal import clean
from agent.tui.catalog import ResourceInfo

__all__ = ["ResourceChosen", "ResourcePicker", "ResourceUpdated", "ResourcesView"]


class ResourceChosen(Message):
    """The person picked ``resource`` to attach to the next message."""

    def __init__(self, resource: ResourceInfo) -> None:
        super().__init__()
        self.resource = resource


class ResourceUpdated(Message):
    """A server reported that an attached resource changed (its subscription)."""

    def __init__(self, server: str, uri: str) -> None:
        super().__init__()
        self.server = server
        self.uri = uri


class ResourcePicker(OptionList):
    """The completion list ``@`` opens; the message box moves through it and picks."""

    Chosen = ResourceChosen

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.can_focus = False  # keys stay in the message box, which drives this list
        self.found: list[ResourceInfo] = []

    def on_mount(self) -> None:
        self.display = False

    def offer(self, found: Sequence[ResourceInfo]) -> None:
        """Show ``found`` (hide when empty), the first one highlighted."""
        self.found = list(found)
        self.clear_options()
        self.add_options(
            Option(Text.assemble(("@" + clean(r.ref), "bold"), ("  " + clean(r.name), "dim")))
            for r in self.found
        )
        self.display = bool(self.found)
        if self.found:
            self.highlighted = 0

    def close(self) -> None:
        self.found = []
        self.display = False

    @property
    def is_open(self) -> bool:
        return bool(self.display and self.found)

    def move(self, step: int) -> None:
        if self.found:
            self.highlighted = ((self.highlighted or 0) + step) % len(self.found)

    def current(self) -> ResourceInfo | None:
        index = self.highlighted
        return self.found[index] if self.found and index is not None else None

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.post_message(ResourceChosen(self.found[event.option_index]))


class ResourcesView(OptionList):
    """Every resource of the fleet, under the fleet panel; enter attaches one."""

    Chosen = ResourceChosen

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.border_title = "resources"
        self.shown: list[ResourceInfo] = []
        self.stale: set[str] = set()  # refs of attached resources the server changed

    def on_mount(self) -> None:
        self.display = False  # until the fleet lists some

    def show(self, resources: Iterable[ResourceInfo], stale: Iterable[str] = ()) -> None:
        """Redraw from ``resources``; those in ``stale`` are marked."""
        self.shown = list(resources)
        self.stale = set(stale)
        highlighted = self.highlighted
        self.clear_options()
        for r in self.shown:
            mark = ("  stale", "bold yellow") if r.ref in self.stale else ("", "")
            self.add_option(
                Option(Text.assemble((clean(r.server) + " ", "dim"), clean(r.name), mark))
            )
        if highlighted is not None and highlighted < len(self.shown):
            self.highlighted = highlighted
        self.display = bool(self.shown)  # a fleet without resources keeps the panel whole

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.post_message(ResourceChosen(self.shown[event.option_index]))
