"""MCP tool results as the model sees them."""

from __future__ import annotations

from bridge.mcp import CallResult
from bridge.results import describe, to_parts, truncate
from config.secrets import remember
from providers.types import ImagePart, TextPart

IMAGE = {"type": "image", "data": "aGVsbG8=", "mimeType": "image/png"}
AUDIO = {"type": "audio", "data": "aGVsbG8=", "mimeType": "audio/wav"}


def test_images_reach_models_that_see_them_and_become_placeholders_otherwise():
    result = CallResult([IMAGE])
    assert to_parts(result, images=True, limit=100) == (ImagePart("aGVsbG8=", "image/png"),)
    (part,) = to_parts(result, images=False, limit=100)
    assert part == TextPart("[image image/png, 6 bytes, not shown to this model]")


def test_audio_is_described_not_sent():
    (part,) = to_parts(CallResult([AUDIO]), images=True, limit=100)
    assert isinstance(part, TextPart) and part.text.startswith("[audio audio/wav")


def test_resource_links_and_embedded_resources_become_text():
    link = {"type": "resource_link", "uri": "file:///a.txt", "name": "a.txt"}
    text = {"type": "resource", "resource": {"uri": "file:///b", "text": "inside"}}
    blob = {"type": "resource", "resource": {"uri": "file:///c", "blob": "...", "mimeType": "x/y"}}
    parts = to_parts(CallResult([link, text, blob]), images=True, limit=1000)
    assert [p.text for p in parts if isinstance(p, TextPart)] == [
        "[resource link: file:///a.txt a.txt]",
        "inside",
        "[embedded resource file:///c (x/y, 2 bytes)]",
    ]


def test_structured_content_alone_is_sent_as_json():
    parts = to_parts(CallResult([], structured={"n": 1}), images=True, limit=100)
    assert parts == (TextPart('{"n": 1}'),)


def test_an_empty_result_says_so():
    assert to_parts(CallResult([]), images=True, limit=100) == (TextPart("(no output)"),)


def test_truncation_keeps_the_head_and_says_how_much_was_cut():
    assert truncate("abcdef", 10) == "abcdef"
    assert truncate("abcdef", 2) == "ab\n[... 4 of 6 characters cut: the result was too long]"


def test_describe_gives_one_line_for_each_kind_of_block_and_the_text_of_text_blocks():
    link = {"type": "resource_link", "uri": "file:///a.pdf", "name": "a", "mimeType": "x/pdf"}
    assert describe({"type": "text", "text": "hi"}) == "hi"
    assert describe(IMAGE) == "[image image/png, 6 bytes]"
    assert describe(AUDIO, unseen=True) == "[audio audio/wav, 6 bytes, not shown to this model]"
    assert describe(link) == "[resource link: file:///a.pdf a (x/pdf)]"


def test_secrets_in_a_result_are_masked_before_the_model_reads_them():
    remember("sk-live-0123456789")
    result = CallResult([{"type": "text", "text": "key sk-live-0123456789"}])
    assert to_parts(result, images=True, limit=100) == (TextPart("key ***"),)
    structured = CallResult([], structured={"key": "sk-live-0123456789"})
    assert to_parts(structured, images=True, limit=100) == (TextPart('{"key": "***"}'),)
