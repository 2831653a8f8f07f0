"""A Markdown table that keeps the columns' alignment (``|---:|``), which Textual ignores,
and takes the rows of a streamed answer in place."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

# Not re-exported by textual.widgets.markdown; they are the classes Markdown.BLOCKS uses.
from textual.content import Content
from textual.css.query import NoMatches
from textual.widgets._markdown import (
    MarkdownBlock,
    MarkdownTable,
    MarkdownTableCellContents,
    MarkdownTableContent,
)

__all__ = ["AlignedTable"]

Align = Literal["left", "center", "right"]
_ALIGNMENTS: dict[str, Align] = {
    "text-align:left": "left",
    "text-align:center": "center",
    "text-align:right": "right",
}


def _marks(rows: list[list[Content]]) -> list[list[str]]:
    return [[cell.markup for cell in row] for row in rows]  # Content == compares plain text


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

    async def grow(self, new: AlignedTable) -> bool:
        """Take the rows of ``new`` (this table, streamed further) in place: the rows
        before the last one shown are final, the last is replaced and new ones are added,
        with the cells Textual composes. False (nothing done) if more than that changed."""
        headers, rows = new._get_headers_and_rows()
        keep = max(len(self._rows) - 1, 0)
        if (
            _marks([headers]) != _marks([self._headers])
            or new._columns() != self._columns()
            or len(rows) < len(self._rows)
            or _marks(rows[:keep]) != _marks(self._rows[:keep])
        ):
            return False
        try:
            content = self.query_one(MarkdownTableContent)
        except NoMatches:
            return False
        if len(self._rows) > keep:
            await content.query_children(f".row{keep + 1}").remove()
        cells = [
            MarkdownTableCellContents(
                cell, classes=f"row{index} cell", name=f"cell{index}.{n}"
            ).with_tooltip(cell.plain)
            for index, row in enumerate(rows[keep:], keep + 1)
            for n, cell in enumerate(row, 1)
        ]
        await content.mount_all(cells)
        content.rows, content.last_row = rows.copy(), len(rows)
        self._rows, self._blocks, self._token = rows, new._blocks, new._token
        self.source_range = new.source_range
        self.align()
        return True
