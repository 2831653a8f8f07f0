"""One message of the transcript: the model's answer as Markdown (streamed), or literal text.

What a person typed and what the loop or a server says is shown as written
(``PlainMessage``); only the model's answers and the chat's own help are Markdown.
"""

from __future__ import annotations

from typing import Literal

from markdown_it import MarkdownIt
from rich.text import Text
from textual.await_complete import AwaitComplete
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Markdown, Static

# MarkdownBulletList and MarkdownParagraph are not re-exported by textual.widgets.markdown;
# streaming updates them in place through Textual's own private helpers, as its append does.
from textual.widgets._markdown import MarkdownBulletList, MarkdownParagraph
from textual.widgets.markdown import MarkdownBlock, MarkdownFence

from agent.terminal import clean, sanitize
from agent.tui import gc_hold
from agent.tui.markdown_stream import Block, Signature, finished, items, line_offset, top_level
from agent.tui.markdown_table import AlignedTable
from config.secrets import StreamMasker

__all__ = ["FLUSH_INTERVAL", "ChatMessage", "PlainMessage", "Role"]

Role = Literal["user", "assistant", "notice", "error"]

TITLES: dict[Role, str] = {"user": "you", "assistant": "", "notice": "", "error": "error"}
# A streamed answer is re-rendered at most this often: a model sends tens of deltas a
# second, and re-rendering on each one starved the keyboard (issue 16). Only the blocks
# not yet finished are parsed and re-rendered, so that part of an update costs the same at
# line 200 as at line 5 (a layout still walks every widget on the screen: Textual's
# compositor does, which bench/tui_stream.py --lines 600 shows).
FLUSH_INTERVAL = 1 / 12
# A list, table or quote still growing adds widgets or is rebuilt with each update (and
# makes garbage in proportion): it updates less often.
REBUILD_INTERVAL = 1 / 4

# Blocks that mostly grow along a line, so they can update often; anything else adds
# lines or widgets with each update, which costs a layout of the whole screen.
_GROWING = (MarkdownParagraph, MarkdownFence)


class _Shown:
    """A top-level block on screen: what it was built from and its widget (if any)."""

    __slots__ = ("signature", "widget")

    def __init__(self, signature: Signature, widget: MarkdownBlock | None) -> None:
        self.signature = signature
        self.widget = widget


class ChatMessage(Markdown):
    """A Markdown block styled by its role; the model's answers stream into it.

    Text is masked (known secrets) and sanitized before it is parsed; streamed pieces are
    batched every ``FLUSH_INTERVAL``. Blocks that are finished (a later block has begun)
    are frozen: their widgets are never updated, restyled or rebuilt again.
    """

    BLOCKS: dict[str, type[MarkdownBlock]] = {  # noqa: RUF012 (Textual's own declaration)
        **Markdown.BLOCKS,
        "table_open": AlignedTable,
    }

    def __init__(self, role: Role, text: str = "", *, title: str | None = None) -> None:
        super().__init__(clean(text), classes=role)
        self.role = role
        self.border_title = TITLES[role] if title is None else clean(title)
        self._masker = StreamMasker()
        self._pending: list[str] = []
        self._timer: Timer | None = None
        self._parser: MarkdownIt | None = None
        self._top = 0  # where the unfinished blocks start: an index into the source...
        self._top_line = 0  # ...and its line number
        self._frozen: list[Signature] = []  # the finished blocks, in order
        self._tail: list[_Shown] = []  # the blocks from ``_top`` on, as shown
        self._last: Widget | None = None  # the block without a bottom margin
        self._holding = False  # full garbage collections wait while this streams

    def update(self, markdown: str) -> AwaitComplete:
        """Show ``markdown`` in full (a message that is not streamed, or a rebuild)."""

        async def rebuild() -> None:
            await Markdown.update(self, markdown)
            self._top, self._top_line = len(markdown), len(markdown.split("\n")) - 1
            self._frozen, self._tail = [], []
            self._mark_last()

        return AwaitComplete(rebuild())

    async def write(self, text: str) -> None:
        """Append streamed text; it shows with the next batched update."""
        if not self._holding:
            self._holding = True
            gc_hold.hold()
        shown = self._masker.feed(text)
        if shown:
            self._pending.append(sanitize(shown))
        if self._timer is None and self._pending:
            last = self._tail[-1].widget if self._tail else None
            growing = last is None or isinstance(last, _GROWING)
            interval = FLUSH_INTERVAL if growing else REBUILD_INTERVAL
            self._timer = self.set_timer(interval, self._flush)

    async def flush(self) -> None:
        """Show what was written so far now, without waiting for the batch."""
        if self._timer is not None:
            self._timer.stop()
        await self._flush()

    async def _flush(self) -> None:
        self._timer = None
        if self._pending:
            self._markdown += "".join(self._pending)
            self._pending.clear()
            async with self.lock:
                await self._show_tail()
            gc_hold.tick()

    async def finish(self) -> None:
        """Show what is still held back; the block is complete.

        Full collections come back even if this is cancelled (a second cancel of the turn)
        while the block stays on screen.
        """
        rest = self._masker.flush()
        if rest:
            self._pending.append(sanitize(rest))
        try:
            await self.flush()
            if self._tail or self._frozen:
                await self._check()
        finally:
            if self._holding:
                self._holding = False
                gc_hold.release()
                gc_hold.settle()  # walks only what the last second of streaming made

    def on_unmount(self) -> None:
        """Removed while it streams (the chat was cleared, the app quits): stop holding."""
        if self._holding:
            self._holding = False
            gc_hold.release(thaw=True)

    async def _check(self) -> None:
        """Rebuild in full if the streamed blocks differ from the whole text parsed at once.

        They only can when a link reference definition (``[x]: url``) changes blocks shown
        before it; the check costs one parse of the answer.
        """
        env: dict[str, object] = {}
        whole = top_level(self._markdown_parser().parse(self._markdown, env))
        streamed = [*self._frozen, *(shown.signature for shown in self._tail)]
        if env.get("references") or streamed != [block.signature for block in whole]:
            await self.update(self._markdown)

    def _markdown_parser(self) -> MarkdownIt:
        if self._parser is None:
            factory = self._parser_factory
            self._parser = MarkdownIt("gfm-like") if factory is None else factory()
        return self._parser

    async def _show_tail(self) -> None:
        """Parse the text from the first unfinished block on and bring its widgets up to date.

        Blocks whose tokens did not change keep their widgets; a paragraph or code block
        that grew takes its new content in place; anything else is rebuilt. Then the
        blocks that are now finished leave the tail for good.
        """
        text = self._markdown[self._top :]
        blocks = top_level(self._markdown_parser().parse(text))
        same = 0
        for shown, block in zip(self._tail, blocks, strict=False):
            if shown.signature != block.signature:
                break
            same += 1
        stale, fresh = self._tail[same:], blocks[same:]
        self._tail = self._tail[:same]
        with self.app.batch_update():
            if stale and fresh and await self._in_place(stale[0], fresh[0]):
                self._tail.append(stale.pop(0))
                fresh = fresh[1:]
            gone = [shown.widget for shown in stale if shown.widget is not None]
            if gone:
                await self.remove_children(gone)
            built = [self._build(block) for block in fresh]
            self._tail += built
            widgets = [shown.widget for shown in built if shown.widget is not None]
            if widgets:
                await self.mount_all(widgets)
                for widget in widgets:
                    if isinstance(widget, AlignedTable):
                        widget.align()
            self._mark_last()
        done = finished(blocks, text.count("\n"))
        if done:
            self._frozen += [shown.signature for shown in self._tail[:done]]
            self._tail = self._tail[done:]
            self._top += line_offset(text, blocks[done].start)
            self._top_line += blocks[done].start

    def _build(self, block: Block) -> _Shown:
        widgets = list(self._parse_markdown(block.tokens))
        widget = widgets[0] if widgets else None  # an HTML block has none
        if widget is not None:
            start, end = widget.source_range
            widget.source_range = (start + self._top_line, end + self._top_line)
        return _Shown(block.signature, widget)

    async def _in_place(self, shown: _Shown, block: Block) -> bool:
        """Update a grown paragraph, code block, bulleted list or table without rebuilding."""
        if self._refill(shown, block) or await self._grow_list(shown, block):
            return True
        if isinstance(shown.widget, AlignedTable) and block.tokens[0].type == "table_open":
            new = self._build(block).widget
            assert isinstance(new, AlignedTable)
            if await shown.widget.grow(new):
                shown.signature = block.signature
                return True
        return False

    async def _grow_list(self, shown: _Shown, block: Block) -> bool:
        """Give a bulleted list its new items: the items before the last one shown are
        final, the last one is replaced and the new ones are added (as Textual composes
        them). A list that became loose changes every item and is rebuilt instead."""
        old = shown.widget
        if not isinstance(old, MarkdownBulletList) or block.tokens[0].type != "bullet_list_open":
            return False
        before, after = items(shown.signature), items(block.signature)
        keep = len(before) - 1
        if (
            keep < 0
            or shown.signature[0] != block.signature[0]
            or len(after) < len(before)
            or before[:keep] != after[:keep]
            or len(old.children) != len(before)
        ):
            return False
        new = self._build(block).widget
        assert isinstance(new, MarkdownBulletList)
        new._blocks = new._blocks[keep:]
        rows = list(new.compose())
        await old.remove_children(old.children[keep:])
        await old.mount_all(rows)
        old._token, old.source_range = new._token, new.source_range
        shown.signature = block.signature
        return True

    def _refill(self, shown: _Shown, block: Block) -> bool:
        """Give a grown paragraph or code block its new content in place, if it is one.

        Builds no widget: the content is made from the tokens as Textual's blocks make it.
        """
        old, token = shown.widget, block.tokens[0]
        if isinstance(old, MarkdownFence) and type(old) is self.get_block_class(token.type):
            old.code, old.lexer = token.content.rstrip(), token.info
            old._highlighted_code = old.highlight(
                old.code,
                old.lexer,
                ansi=self.app.native_ansi_color,
                dark=self.app.current_theme.dark,
            )
            old.set_content(old._highlighted_code)
        elif isinstance(old, MarkdownParagraph) and token.type == "paragraph_open":
            inline = block.tokens[1]
            content = old._token_to_content(inline)
            old._inline_token, old._content = inline, content
            # Text that still fits the lines it had needs a repaint, not a new layout of
            # the screen (which walks every widget of the transcript).
            inner = old.size - old.styles.gutter.totals
            rules = old.styles  # as Widget.get_content_height passes them
            same = inner.width > 0 and inner.height == content.get_height(
                rules,  # type: ignore[arg-type]
                inner.width,
            )
            old.update(content, layout=not same)
        else:
            return False
        old._token = token
        assert token.map is not None
        old.source_range = (token.map[0] + self._top_line, token.map[1] + self._top_line)
        shown.signature = block.signature
        return True

    def _mark_last(self) -> None:
        """Only the last block drops its bottom margin: a class, not ``:last-child``, which
        would restyle every block of the message each time one is added."""
        last = self.children[-1] if self.children else None
        if last is not self._last:
            if self._last is not None:
                self._last.remove_class("-last")
            if last is not None:
                last.add_class("-last")
            self._last = last


class PlainMessage(Static):
    """Text shown exactly as written (masked and sanitized): no Markdown, no markup."""

    def __init__(self, role: Role, text: str, *, title: str | None = None) -> None:
        self.source = clean(text)
        super().__init__(Text(self.source), classes=role)
        self.role = role
        self.border_title = TITLES[role] if title is None else clean(title)
