"""Text is shown as written: what a person typed and the notes literally, secrets masked."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from agent.tui import ChatApp
from agent.tui.message import PlainMessage
from config.secrets import forget_all, remember
from providers.errors import ProviderError
from tests.agent.tui.conftest import finish_turn, send
from tests.fakes import ScriptedProvider, Turn

SECRET = "sk-test-0123456789abcdef"


@pytest.fixture
def secret() -> Iterator[str]:
    remember(SECRET)
    yield SECRET
    forget_all()


def shown(block: PlainMessage) -> str:
    """The text the block puts on the screen."""
    return str(block.render())


async def test_what_a_person_typed_is_shown_literally_not_as_markdown(box):
    typed = "use <provider>:<model> and *stars* [link](http://x)\n    indented line"
    app = ChatApp(ScriptedProvider([Turn("ok")]), box)
    async with app.run_test(size=(100, 30)) as pilot:
        await send(pilot, typed)
        await finish_turn(pilot)
        block = app.query_one("PlainMessage.user", PlainMessage)
        assert shown(block) == typed
        assert not block.query("MarkdownFence")


async def test_errors_and_notices_from_outside_are_literal(box):
    failure = ProviderError("pick one with --model <provider>:<model>, see *docs*")
    app = ChatApp(ScriptedProvider([failure]), box)
    async with app.run_test(size=(100, 30)) as pilot:
        await send(pilot, "hi")
        await finish_turn(pilot)
        error = app.query("PlainMessage.error").last()
        assert "--model <provider>:<model>, see *docs*" in shown(error)


async def test_a_secret_the_model_streams_in_pieces_is_masked_on_screen(box, secret):
    answer = f"the key is {secret} and that is all"  # streamed in 7-character pieces
    app = ChatApp(ScriptedProvider([Turn(answer)]), box)
    async with app.run_test(size=(100, 30)) as pilot:
        await send(pilot, "tell me")
        await finish_turn(pilot)
        source = app.query("ChatMessage.assistant").last().source
        assert secret not in source and source == "the key is *** and that is all"


async def test_a_secret_in_a_provider_error_is_masked(box, secret):
    app = ChatApp(ScriptedProvider([ProviderError(f"bad key {secret}")]), box)
    async with app.run_test(size=(100, 30)) as pilot:
        await send(pilot, "hi")
        await finish_turn(pilot)
        error = app.query("PlainMessage.error").last()
        assert secret not in shown(error) and "bad key ***" in shown(error)
