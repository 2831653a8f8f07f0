"""The bridge's prompts and resources API against the npm server-everything over stdio."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest

from bridge.fleet import Fleet
from bridge.prompts import complete, find_prompt, get_prompt, list_prompts, prompt_messages
from bridge.resources import (
    ResourceError,
    attachment_parts,
    expand_template,
    list_resources,
    read_resource,
)
from bridge.subscriptions import AttachedResources
from config.schema import ServerConfig
from providers.types import ImagePart, TextPart, UserMessage


@asynccontextmanager
async def everything(npm_server) -> AsyncIterator[Fleet]:
    command = npm_server("mcp-server-everything")
    configs = {"every": ServerConfig.model_validate({"command": command})}
    async with Fleet(configs) as fleet:
        yield fleet


async def test_prompts_are_listed_under_qualified_names_with_their_arguments(npm_server):
    async with everything(npm_server) as fleet:
        listing = await list_prompts(fleet)
    names = {p.qualified for p in listing.prompts}
    assert {"every__simple-prompt", "every__args-prompt", "every__completable-prompt"} <= names
    args = find_prompt(listing, "every__args-prompt")
    assert [(a.name, a.required) for a in args.arguments] == [("city", True), ("state", False)]


async def test_an_empty_prefix_keeps_prompt_names_as_it_keeps_tool_names(npm_server):
    command = npm_server("mcp-server-everything")
    configs = {"every": ServerConfig.model_validate({"command": command, "prefix": ""})}
    async with Fleet(configs) as fleet:
        listing = await list_prompts(fleet)
    assert "simple-prompt" in {p.qualified for p in listing.prompts}


async def test_a_prompt_without_arguments_and_one_with_them_render_as_user_messages(npm_server):
    async with everything(npm_server) as fleet:
        listing = await list_prompts(fleet)
        simple = await get_prompt(fleet, find_prompt(listing, "every__simple-prompt"), {})
        args = await get_prompt(
            fleet, find_prompt(listing, "every__args-prompt"), {"city": "Paris", "state": "TX"}
        )
    assert prompt_messages(simple, images=False) == [
        UserMessage("This is a simple prompt without arguments.")
    ]
    assert prompt_messages(args, images=False) == [UserMessage("What's weather in Paris, TX?")]


async def test_a_missing_required_prompt_argument_is_named_before_any_request(npm_server):
    async with everything(npm_server) as fleet:
        prompt = find_prompt(await list_prompts(fleet), "every__args-prompt")
        with pytest.raises(Exception, match="--arg city="):
            await get_prompt(fleet, prompt, {})


async def test_an_unknown_prompt_name_lists_the_known_ones(npm_server):
    async with everything(npm_server) as fleet:
        listing = await list_prompts(fleet)
    with pytest.raises(Exception, match="every__simple-prompt"):
        find_prompt(listing, "every__nope")


async def test_completions_narrow_by_the_value_and_by_earlier_arguments(npm_server):
    ref = {"type": "ref/prompt", "name": "completable-prompt"}
    async with everything(npm_server) as fleet:
        departments = await complete(fleet, "every", ref, "department", "E")
        people = await complete(fleet, "every", ref, "name", "", {"department": "Sales"})
    assert departments == ["Engineering"]
    assert people == ["David", "Eve", "Frank"]


async def test_resources_and_templates_are_listed_per_server(npm_server):
    async with everything(npm_server) as fleet:
        listing = await list_resources(fleet)
    assert listing.resources and all(r.server == "every" for r in listing.resources)
    templates = {t.uri_template for t in listing.templates}
    assert "demo://resource/dynamic/text/{resourceId}" in templates
    assert listing.owner("demo://resource/dynamic/text/7") == "every"


async def test_a_text_resource_reads_as_text_and_a_blob_as_bytes(npm_server):
    async with everything(npm_server) as fleet:
        text_uri = expand_template("demo://resource/dynamic/text/{resourceId}", {"resourceId": "3"})
        server, contents = await read_resource(fleet, text_uri)
        _, blobs = await read_resource(fleet, "demo://resource/dynamic/blob/3", "every")
    assert server == "every"
    assert contents[0].text is not None and "Resource 3" in contents[0].text
    assert blobs[0].text is None and blobs[0].blob
    parts = attachment_parts(blobs, images=True)
    assert isinstance(parts[0], TextPart) and "not shown to this model" in parts[0].text


async def test_a_uri_no_server_lists_asks_for_the_server(npm_server):
    async with everything(npm_server) as fleet:
        with pytest.raises(ResourceError, match="--server"):
            await read_resource(fleet, "nowhere://x")


def test_an_image_attachment_goes_as_an_image_only_to_a_model_that_sees_images():
    from bridge.resources import ResourceContent

    image = [ResourceContent("demo://img", "image/png", blob=b"\x89PNG")]
    seen = attachment_parts(image, images=True)
    unseen = attachment_parts(image, images=False)
    assert isinstance(seen[-1], ImagePart) and seen[-1].data == "iVBORw=="
    assert len(unseen) == 1 and "image/png, 4 bytes, not shown" in unseen[0].text


def test_templates_expand_simple_reserved_and_query_forms_and_name_missing_variables():
    assert expand_template("x://a/{id}", {"id": "a b"}) == "x://a/a%20b"
    assert expand_template("x://{+path}", {"path": "a/b"}) == "x://a/b"
    assert expand_template("x://s{?q,n}", {"q": "1", "n": "2"}) == "x://s?q=1&n=2"
    with pytest.raises(ResourceError, match="--arg id="):
        expand_template("x://a/{id}", {})


async def test_an_attached_resource_is_marked_stale_when_its_server_updates_it(npm_server):
    stale: list[tuple[str, str]] = []
    marked = asyncio.Event()

    def on_stale(server: str, uri: str) -> None:
        stale.append((server, uri))
        marked.set()

    async with everything(npm_server) as fleet:
        attached = AttachedResources(fleet, on_stale=on_stale)
        uri = "demo://resource/dynamic/text/1"
        assert await attached.attach("every", uri)
        session = fleet.session("every")
        assert session is not None
        # server-everything sends updates to subscribers every few seconds once toggled on
        await session.call_tool("toggle-subscriber-updates", {})
        async with asyncio.timeout(20):
            await marked.wait()
    assert stale == [("every", uri)] and attached.is_stale("every", uri)
