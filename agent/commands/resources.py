"""``agent resources`` and ``agent read``: what the servers offer to read, and one read."""

from __future__ import annotations

import argparse
import base64
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agent import interrupts
from agent.commands.fleet import running_fleet, warn_unlisted
from agent.commands.prompts import parse_pairs
from agent.errors import UsageError
from agent.terminal import clean, dumps

if TYPE_CHECKING:
    from bridge.resources import ResourceContent, ResourceListing

__all__ = ["list_resources", "read_resource"]


def list_resources(options: argparse.Namespace) -> int:
    return interrupts.run(_list(options))


def read_resource(options: argparse.Namespace) -> int:
    return interrupts.run(_read(options, parse_pairs(options.arg)))


async def _list(options: argparse.Namespace) -> int:
    from bridge import resources
    from config import load

    async with running_fleet(load(options.config), wait_for_cached=True) as toolset:
        listing = await resources.list_resources(toolset.fleet)
    warn_unlisted(listing.errors, "resources")
    if options.json:
        print(dumps(_listing_json(listing), indent=2))
        return 0
    servers = dict.fromkeys(
        [r.server for r in listing.resources] + [t.server for t in listing.templates]
    )
    for server in servers:
        print(clean(f"{server}:"))
        for resource in (r for r in listing.resources if r.server == server):
            mime = f" ({resource.mime_type})" if resource.mime_type else ""
            print(clean(f"  {resource.uri}  {resource.name}{mime}"))
        for template in (t for t in listing.templates if t.server == server):
            variables = ", ".join(template.variables)
            print(clean(f"  {template.uri_template}  {template.name} [template: {variables}]"))
    return 0


async def _read(options: argparse.Namespace, variables: dict[str, str]) -> int:
    from bridge import resources
    from config import load

    uri = options.uri
    if resources.template_variables(uri):
        uri = resources.expand_template(uri, variables)
    async with running_fleet(load(options.config), wait_for_cached=True) as toolset:
        if options.server is not None and options.server not in toolset.fleet.names:
            raise UsageError(f"there is no server named {options.server!r} in the fleet")
        server, contents = await resources.read_resource(toolset.fleet, uri, options.server)
    if options.out:
        _save(Path(options.out), contents)
    if options.json:
        print(
            dumps(
                {"server": server, "uri": uri, "contents": [_content_json(c) for c in contents]},
                indent=2,
            )
        )
        return 0
    for content in contents:
        if content.text is not None:
            if not options.out:
                print(clean(content.text))
        elif options.out:
            print(clean(f"{content.summary()} saved to {options.out}"), file=sys.stderr)
        else:
            print(clean(f"{content.summary(', binary: save it with --out FILE')}"))
    return 0


def _save(path: Path, contents: list[ResourceContent]) -> None:
    """Every item's bytes, one after the other (most reads have one item)."""
    data = b"".join(c.blob if c.blob is not None else (c.text or "").encode() for c in contents)
    try:
        path.write_bytes(data)
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror}") from None


def _content_json(content: ResourceContent) -> dict[str, Any]:
    item: dict[str, Any] = {"uri": content.uri, "mimeType": content.mime_type}
    if content.text is not None:
        item["text"] = content.text
    elif content.blob is not None:
        item["blob"] = base64.b64encode(content.blob).decode("ascii")
        item["size"] = len(content.blob)
    return item


def _listing_json(listing: ResourceListing) -> dict[str, Any]:
    return {
        "resources": [
            {
                "server": r.server,
                "uri": r.uri,
                "name": r.name,
                "title": r.title,
                "description": r.description,
                "mimeType": r.mime_type,
                "size": r.size,
            }
            for r in listing.resources
        ],
        "templates": [
            {
                "server": t.server,
                "uriTemplate": t.uri_template,
                "name": t.name,
                "title": t.title,
                "description": t.description,
                "mimeType": t.mime_type,
                "variables": t.variables,
            }
            for t in listing.templates
        ],
        "errors": listing.errors,
    }
