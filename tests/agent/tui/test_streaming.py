"""A streamed answer ends up exactly as the whole text rendered at once, and finished blocks
are frozen: a long answer costs the same per update at its end as at its start (issue 16)."""

from __future__ import annotations

import random
from typing import Any

import pytest
from textual.app import App, ComposeResult
from textual.content import Content
from textual.widget import Widget

from agent.tui import ChatApp, message
from agent.tui.message import ChatMessage
from agent.tui.transcript import Transcript
from tests.agent.tui.conftest import finish_turn, send, until
from tests.fakes import ScriptedProvider, Turn

ANSWER = """# Title

A paragraph with **bold**, `code`, a [link](https://example.com) and *stars*.
It goes on over a second line.

Setext heading
--------------

- one
- two
  - nested *item*
- three

1. first
2. second

```python
def f(x):
    return x * 2
```

| name | value |
|---|---:|
| a | 1 |
| bb | 12345 |

> a quote
lazily continued

foo
***bar***

***

    indented code

<div>html</div>

Last words."""


def long_answer(parts: int) -> str:
    """Paragraphs, lists, code and tables, as a model writes a long answer."""
    out = []
    for n in range(parts):
        out += [f"## Part {n}", "", f"Paragraph {n} with **bold** and `code`.", ""]
        out += [f"- point {k} of part {n}" for k in range(3)] + [""]
        out += ["```python", f"def f{n}(x):", f"    return x * {n}", "```", ""]
        out += ["| name | value |", "|---|---:|", f"| row {n} | {n * 7} |", ""]
    return "\n".join(out)


def pieces(text: str, sizes: list[int]) -> list[str]:
    """``text`` cut into consecutive pieces of the given sizes (cycled)."""
    out, start, index = [], 0, 0
    while start < len(text):
        size = sizes[index % len(sizes)]
        out.append(text[start : start + size])
        start, index = start + size, index + 1
    return out


def rendered(message: ChatMessage) -> list[tuple[Any, ...]]:
    """What the message shows: each descendant's kind, classes, content, alignment, place
    and size."""
    origin = message.content_region.offset
    out = []
    for widget in message.walk_children(Widget):
        visual = widget.render()
        text = visual.markup if isinstance(visual, Content) else type(visual).__name__
        place = widget.region.offset - origin
        kind, align = type(widget).__name__, widget.styles.text_align
        out.append((kind, sorted(widget.classes), text, align, place, widget.size))
    return out


class Host(App[None]):
    CSS_PATH = "../../../agent/tui/chat.tcss"

    def compose(self) -> ComposeResult:
        yield Transcript()


async def stream(pilot: Any, text: str, deltas: list[str]) -> ChatMessage:
    """Stream ``deltas`` into a new answer, showing each one before the next arrives."""
    transcript = pilot.app.query_one(Transcript)
    answer = ChatMessage("assistant", title="m")
    await transcript.add(answer)
    for delta in deltas:
        await answer.write(delta)
        await answer.flush()
    await pilot.pause()
    return answer


async def one_shot(pilot: Any, text: str) -> list[tuple[Any, ...]]:
    """The same text rendered at once, in the same place."""
    transcript = pilot.app.query_one(Transcript)
    await transcript.clear()
    whole = ChatMessage("assistant", text, title="m")
    await transcript.add(whole)
    await pilot.pause()
    return rendered(whole)


CUTS = {
    "one character at a time": [1],
    "seven characters": [7],
    "uneven pieces": [3, 11, 1, 29, 5],
    "random pieces": random.Random(16).choices(range(1, 40), k=50),
}


@pytest.mark.parametrize("sizes", list(CUTS.values()), ids=list(CUTS))
async def test_a_streamed_answer_renders_as_the_whole_text_at_once(sizes):
    async with Host().run_test(size=(100, 120)) as pilot:
        answer = await stream(pilot, ANSWER, pieces(ANSWER, sizes))
        first = answer.children[0]
        await answer.finish()
        await pilot.pause()
        assert answer.source == ANSWER
        assert answer.children[0] is first  # the streamed blocks stand; no rebuild at the end
        assert rendered(answer) == await one_shot(pilot, ANSWER)


async def test_a_link_reference_defined_after_its_use_is_right_once_the_answer_ends():
    text = "See [the docs] for more.\n\nMore text.\n\n[the docs]: https://example.com\n"
    async with Host().run_test(size=(100, 40)) as pilot:
        answer = await stream(pilot, text, pieces(text, [4]))
        await answer.finish()
        await pilot.pause()
        assert "example.com" in str(rendered(answer))
        assert rendered(answer) == await one_shot(pilot, text)


async def test_finished_blocks_are_never_updated_or_restyled_again(monkeypatch):
    text = long_answer(12)
    restyled: list[Any] = []
    async with Host().run_test(size=(100, 40)) as pilot:
        app = pilot.app
        real = app.update_styles
        monkeypatch.setattr(
            app, "update_styles", lambda node, *a, **k: (restyled.append(node), real(node, *a, **k))
        )
        transcript = app.query_one(Transcript)
        answer = ChatMessage("assistant", title="m")
        await transcript.add(answer)
        lines = text.split("\n")
        await answer.write("\n".join(lines[:6]) + "\n")  # the heading, a paragraph, a list
        await until(pilot, lambda: len(answer.children) >= 2, "the first blocks")
        heading = answer.children[0]
        updates: list[Any] = []
        monkeypatch.setattr(heading, "update", lambda *a, **k: updates.append(a))
        restyled.clear()
        for start in range(6, len(lines), 6):  # many updates, each shown before the next
            shown = len(answer.source)
            await answer.write("\n".join(lines[start : start + 6]) + "\n")
            await until(pilot, lambda shown=shown: len(answer.source) > shown, "the next update")
        await answer.finish()
        await pilot.pause()
        assert len(answer.children) > 40
        assert updates == []
        assert restyled.count(heading) <= 1  # it stopped being the last block once


async def test_an_update_parses_only_the_unfinished_blocks(monkeypatch):
    text = long_answer(10)
    parsed: list[int] = []
    async with Host().run_test(size=(100, 40)) as pilot:
        transcript = pilot.app.query_one(Transcript)
        answer = ChatMessage("assistant", title="m")
        await transcript.add(answer)
        parser = answer._markdown_parser()
        real = parser.parse
        monkeypatch.setattr(
            parser, "parse", lambda src, env=None: (parsed.append(len(src)), real(src, env))[1]
        )
        for delta in pieces(text, [13]):
            await answer.write(delta)
            await answer.flush()
        assert len(parsed) > 100
        assert max(parsed[len(parsed) // 2 :]) < 200  # the tail, not the whole answer


async def test_a_long_answer_streamed_by_the_model_ends_as_rendered_at_once(box, monkeypatch):
    monkeypatch.setattr(message, "FLUSH_INTERVAL", 0)  # an update for nearly every delta
    text = long_answer(8) + ANSWER
    app = ChatApp(ScriptedProvider([Turn(text)]), box)
    async with app.run_test(size=(100, 300)) as pilot:
        await send(pilot, "write a lot")
        await finish_turn(pilot)
        answer = app.query(ChatMessage).last()
        assert answer.source == text
        streamed = rendered(answer)
        whole = ChatMessage("assistant", text, title=app.model_label)
        await answer.remove()
        await app.query_one(Transcript).mount(whole)
        await until(pilot, lambda: whole.source == text and whole.children, "the one-shot render")
        await pilot.pause()
        assert streamed == rendered(whole)


async def test_a_paragraph_that_still_fits_its_lines_is_repainted_without_a_new_layout():
    text = " ".join(f"word{n}" for n in range(80))
    async with Host().run_test(size=(60, 40)) as pilot:
        transcript = pilot.app.query_one(Transcript)
        answer = ChatMessage("assistant", title="m")
        await transcript.add(answer)
        await answer.write("word")
        await answer.flush()
        await pilot.pause()
        paragraph = answer.children[0]
        real = paragraph.update
        layouts: list[bool] = []

        def update(content: Any, *, layout: bool = True) -> None:
            layouts.append(layout)
            real(content, layout=layout)

        paragraph.update = update  # type: ignore[method-assign]
        for delta in pieces(text[4:], [6]):
            await answer.write(delta)
            await answer.flush()
            await pilot.pause()
        await answer.finish()
        await pilot.pause()
        lines = paragraph.size.height
        assert lines > 5
        assert layouts.count(True) <= lines and layouts.count(False) > 3 * lines
        assert rendered(answer) == await one_shot(pilot, text)


async def test_a_growing_bulleted_list_keeps_its_list_and_its_finished_items():
    text = "".join(f"- item {n} with *some* words\n" for n in range(8)) + "\nAfter."
    async with Host().run_test(size=(80, 40)) as pilot:
        transcript = pilot.app.query_one(Transcript)
        answer = ChatMessage("assistant", title="m")
        await transcript.add(answer)
        await answer.write(text[:60])  # two items and a bit
        await answer.flush()
        bullets = answer.children[0]
        first_item = bullets.children[0]
        for delta in pieces(text[60:], [5]):
            await answer.write(delta)
            await answer.flush()
        await answer.finish()
        await pilot.pause()
        assert answer.children[0] is bullets and bullets.children[0] is first_item
        assert len(bullets.children) == 8
        assert rendered(answer) == await one_shot(pilot, text)


TRICKY = {
    "an ordered list past nine": "\n".join(f"{n}. item {n}" for n in range(1, 13)) + "\n\nx",
    "a list that turns loose": "- a\n- b\n\n- c loose\n- d\n\ntext",
    "lists with other markers": "- a\n* b\n+ c\n\n1) x\n2) y",
    "code and lazy text in an item": "- item\n\n  ```py\n  code\n  ```\n- next\n  more\nlazy",
    "nested quotes and a list": "> quote\n> > nested\n> back\n\n> - in quote\n> - two\n\nout",
    "a table ended by text": "| a | b |\n|:-|:-:|\n| 1 | 2 |\nno blank line\n\npara",
    "headings and hard breaks": "# H1 #\n## H2\nSetext\n===\n\ntext  \nbreak\\\nmore",
    "tildes and an unclosed fence": "~~~\ntilde\n~~~\n\n```\nunclosed fence\nstill code",
    "emphasis across lines, html": "*emph\nacross* and **bold\nx**\n\n<div>\nhtml\n</div>\n\nend",
    "rules and tasks": "para\n***\nmore\n___\n\n- [ ] task\n- [x] done",
    "indented code and tabs": "    indented\n    code\n\n  not code\n\n\tTab code",
    "items with paragraphs": "1. one\n\n   para\n\n2. two\n   - nested\n     - deeper\n3. three",
}


@pytest.mark.parametrize("text", list(TRICKY.values()), ids=list(TRICKY))
async def test_tricky_markdown_streamed_in_small_pieces_renders_as_at_once(text):
    async with Host().run_test(size=(90, 60)) as pilot:
        answer = await stream(pilot, text, pieces(text, [2, 5, 1, 3]))
        first = answer.children[0]
        await answer.finish()
        await pilot.pause()
        assert answer.children[0] is first
        assert rendered(answer) == await one_shot(pilot, text)


async def test_a_growing_table_keeps_its_cells_and_its_columns_alignment():
    text = "| name | value |\n|---|---:|\n" + "".join(f"| row {n} | {n * 7} |\n" for n in range(9))
    async with Host().run_test(size=(80, 40)) as pilot:
        transcript = pilot.app.query_one(Transcript)
        answer = ChatMessage("assistant", title="m")
        await transcript.add(answer)
        await answer.write(text[:60])  # the header and a row and a bit
        await answer.flush()
        table = answer.children[0]
        first_cell = table.query(".row1").first()
        for delta in pieces(text[60:], [4]):
            await answer.write(delta)
            await answer.flush()
        await answer.finish()
        await pilot.pause()
        assert answer.children[0] is table and table.query(".row1").first() is first_cell
        assert [cell.styles.text_align for cell in table.query(".cell")][1::2] == ["right"] * 9
        assert rendered(answer) == await one_shot(pilot, text)
