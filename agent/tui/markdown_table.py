"""A Markdown table that keeps the columns' alignment (``|---:|``), which Textual ignores."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

# Not re-exported by textual.widgets.markdown; they are the classes Markdown.BLOCKS uses.
from textual.widgets._markdown import MarkdownBlock, MarkdownTable, MarkdownTableContent

__all__ = ["AlignedTable"]

Align = Literal["left", "center", "right"]
_ALIGNMENTS: dict[str, Align] = {
    "text-align:left": "left",
    "text-align:center": "center",
    "text-align:right": "right",
}


def _walk(block: MarkdownBlock) -> Iterator[MarkdownBlock]:
    for child in block._blocks:
        yield child
        yield from _walk(child)


class AlignedTable(MarkdownTable):
    """A table whose cells take their column's alignment from the header row's tokens."""

    def _columns(self) -> list[Align | None]:
        return [
            _ALIGNMENTS.get(str(block._token.attrs.get("style", "")))
            for block in _walk(self)
            if block._token.type == "th_open"
        ]

    def align(self) -> None:
        """Give each cell its column's alignment (a no-op until the cells are mounted)."""
        columns = self._columns()
        if not columns or not any(columns):
            return
        for content in self.query(MarkdownTableContent):
            for index, cell in enumerate(content.children):
                align = columns[index % len(columns)]
                if align is not None:
                    cell.styles.text_align = align

    def on_mount(self) -> None:
        self.call_after_refresh(self.align)
