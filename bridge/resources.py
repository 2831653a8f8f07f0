"""MCP resources across the fleet: listing, reading, templates, and what an attachment sends.

``list_resources`` gathers every server's resources and resource templates at once;
``read_resource`` reads a URI from the server given, or the one that lists it (or whose
template matches it); ``attachment_parts`` turns what was read into the parts of a user
message: text inline, images to models that see them, the rest described in a line.
``expand_template`` fills an RFC 6570 template (``{var}``, ``{+var}``) from ``--arg``s.
``AttachedResources`` (in ``bridge.subscriptions``) marks attached resources stale.
"""

from __future__ import annotations

import asyncio
import base64
import re
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bridge.errors import BridgeError, MCPError
from bridge.results import describe
from config.secrets import mask
from providers.types import ContentPart, ImagePart, TextPart

if TYPE_CHECKING:
    from bridge.fleet import Fleet
    from bridge.mcp import ClientSession

__all__ = [
    "ResourceContent",
    "ResourceError",
    "ResourceInfo",
    "ResourceListing",
    "TemplateInfo",
    "attachment_parts",
    "block_parts",
    "expand_template",
    "list_resources",
    "live_sessions",
    "read_resource",
    "template_variables",
    "up_sessions",
]

_VARIABLE = re.compile(r"\{([+#./;?&]?)([^}]*)\}")


class ResourceError(BridgeError):
    """A URI no server owns, a template missing variables, a server that is not up (exit 2)."""

    exit_code = 2


@dataclass(frozen=True, slots=True)
class ResourceInfo:
    server: str
    uri: str
    name: str
    title: str | None = None
    description: str = ""
    mime_type: str | None = None
    size: int | None = None
    wire: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)
    """The item as the server listed it (``agent serve`` passes it on)."""


@dataclass(frozen=True, slots=True)
class TemplateInfo:
    server: str
    uri_template: str
    name: str
    title: str | None = None
    description: str = ""
    mime_type: str | None = None
    wire: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)
    """The item as the server listed it (``agent serve`` passes it on)."""

    @property
    def variables(self) -> list[str]:
        return template_variables(self.uri_template)


@dataclass
class ResourceListing:
    """The fleet's resources and templates; servers that failed to list them (name -> error)."""

    resources: list[ResourceInfo] = field(default_factory=list)
    templates: list[TemplateInfo] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)

    def owner(self, uri: str) -> str | None:
        """The server that lists ``uri``, else the one whose template matches it."""
        for resource in self.resources:
            if resource.uri == uri:
                return resource.server
        for template in self.templates:
            if _matches(template.uri_template, uri):
                return template.server
        return None


@dataclass(frozen=True, slots=True)
class ResourceContent:
    """One item of ``resources/read``: ``text``, or ``blob`` bytes, with its mime type."""

    uri: str
    mime_type: str | None
    text: str | None = None
    blob: bytes | None = None

    @property
    def is_text(self) -> bool:
        return self.text is not None

    def summary(self, note: str = "") -> str:
        """One line for binary content: its URI, mime type and size (and ``note``)."""
        mime = self.mime_type or "application/octet-stream"
        size = len(self.blob) if self.blob is not None else len(self.text or "")
        return f"[resource {self.uri} ({mime}, {size} bytes{note})]"


async def live_sessions(fleet: Fleet, capability: str) -> list[tuple[str, ClientSession]]:
    """The sessions of servers that are up and declare ``capability``, each started first
    (bounded by its ``startup_timeout``)."""
    await asyncio.gather(*(fleet.ready(name) for name in fleet.names), return_exceptions=True)
    return up_sessions(fleet, capability)


def up_sessions(fleet: Fleet, capability: str) -> list[tuple[str, ClientSession]]:
    """The sessions of servers up now that declare ``capability``, in fleet order (no I/O)."""
    found = []
    for name in fleet.names:
        session = fleet.session(name)
        if session is not None and session.server is not None:
            if capability in session.server.capabilities:
                found.append((name, session))
    return found


async def list_resources(fleet: Fleet) -> ResourceListing:
    """Every server's resources and templates, asked concurrently; failures are noted."""
    sessions = await live_sessions(fleet, "resources")
    listing = ResourceListing()
    lists = await asyncio.gather(*(s.list_resources() for _, s in sessions), return_exceptions=True)
    templates = await asyncio.gather(
        *(s.list_resource_templates() for _, s in sessions), return_exceptions=True
    )
    for (server, _), listed, templated in zip(sessions, lists, templates, strict=True):
        for answer in (listed, templated):
            if isinstance(answer, BaseException) and not isinstance(answer, MCPError):
                raise answer
        if isinstance(listed, BaseException):
            listing.errors[server] = str(listed)
        else:
            listing.resources.extend(
                _resource(server, item) for item in listed if _has(item, "uri")
            )
        # A server may have no templates/list (-32601): that is no templates, not a failure.
        if not isinstance(templated, BaseException):
            listing.templates.extend(
                _template(server, item) for item in templated if _has(item, "uriTemplate")
            )
    return listing


async def read_resource(
    fleet: Fleet, uri: str, server: str | None = None, listing: ResourceListing | None = None
) -> tuple[str, list[ResourceContent]]:
    """Read ``uri`` from ``server``, or the server that lists it; (server, contents).

    ``listing`` saves listing again when the caller has one.
    """
    if server is None:
        listing = listing or await list_resources(fleet)
        server = listing.owner(uri)
        if server is None:
            raise ResourceError(
                f"no server lists the resource {uri!r}; name one with --server "
                "(`agent resources` lists what each offers)"
            )
    if server not in fleet.names:
        raise ResourceError(f"there is no server named {server!r} in the fleet")
    await fleet.ready(server)
    session = fleet.session(server)
    if session is None:
        raise ResourceError(f"server {server!r} is not up")
    raw = await session.read_resource(uri)
    return server, [_content(uri, item) for item in raw if isinstance(item, dict)]


def attachment_parts(contents: list[ResourceContent], *, images: bool) -> list[ContentPart]:
    """What a model gets for an attached resource: text inline under its URI, an image when
    the model sees images, otherwise a line describing it. Text is masked."""
    parts: list[ContentPart] = []
    for content in contents:
        mime = content.mime_type or ""
        if content.text is not None:
            parts.append(TextPart(mask(f"[resource {content.uri}]\n{content.text}")))
        elif images and mime.startswith("image/") and content.blob is not None:
            parts.append(TextPart(f"[resource {content.uri} ({mime}): the image follows]"))
            parts.append(ImagePart(base64.b64encode(content.blob).decode("ascii"), mime))
        else:
            parts.append(TextPart(content.summary(", not shown to this model")))
    return parts


def block_parts(block: dict[str, Any], *, images: bool) -> list[ContentPart]:
    """A content block of a prompt message as parts (embedded resources as attachments)."""
    kind = block.get("type")
    if kind == "image" and images:
        return [ImagePart(str(block.get("data", "")), str(block.get("mimeType", "image/png")))]
    if kind == "resource" and isinstance(block.get("resource"), dict):
        resource = block["resource"]
        return attachment_parts([_content(str(resource.get("uri", "")), resource)], images=images)
    return [TextPart(mask(describe(block, unseen=kind in ("image", "audio"))))]


def template_variables(template: str) -> list[str]:
    """The variable names of an RFC 6570 template, in order (``{a,b}`` gives both)."""
    names: list[str] = []
    for _, body in _VARIABLE.findall(template):
        for spec in body.split(","):
            name = spec.split(":")[0].rstrip("*").strip()
            if name and name not in names:
                names.append(name)
    return names


def expand_template(template: str, variables: Mapping[str, str]) -> str:
    """Fill ``template`` (simple ``{var}`` and reserved ``{+var}`` expansions, ``{/var}`` and
    ``{?var}`` forms too); a missing variable raises naming each one that is missing."""
    missing = [name for name in template_variables(template) if name not in variables]
    if missing:
        raise ResourceError(
            f"the template {template} needs " + " ".join(f"--arg {name}=..." for name in missing)
        )

    def fill(match: re.Match[str]) -> str:
        operator, body = match.group(1), match.group(2)
        names = [spec.split(":")[0].rstrip("*").strip() for spec in body.split(",")]
        safe = ":/?#[]@!$&'()*+,;=" if operator in ("+", "#") else ""
        values = [urllib.parse.quote(variables[name], safe=safe) for name in names]
        if operator == "/":
            return "".join(f"/{value}" for value in values)
        if operator in ("?", "&"):
            pairs = "&".join(f"{n}={v}" for n, v in zip(names, values, strict=True))
            return f"{operator}{pairs}"
        lead = "#" if operator == "#" else "." if operator == "." else ""
        return lead + ",".join(values)

    return _VARIABLE.sub(fill, template)


def _matches(template: str, uri: str) -> bool:
    """Whether ``uri`` could come from ``template`` (each expression matches a segment)."""
    pattern = ""
    last = 0
    for match in _VARIABLE.finditer(template):
        pattern += re.escape(template[last : match.start()])
        pattern += ".+" if match.group(1) in ("+", "#") else "[^/]+"
        last = match.end()
    pattern += re.escape(template[last:])
    return re.fullmatch(pattern, uri) is not None


def _has(item: Any, key: str) -> bool:
    return isinstance(item, dict) and isinstance(item.get(key), str) and bool(item[key])


def _text(item: dict[str, Any], key: str) -> str | None:
    value = item.get(key)
    return value if isinstance(value, str) else None


def _resource(server: str, item: dict[str, Any]) -> ResourceInfo:
    size = item.get("size")
    return ResourceInfo(
        server,
        str(item["uri"]),
        _text(item, "name") or str(item["uri"]),
        _text(item, "title"),
        _text(item, "description") or "",
        _text(item, "mimeType"),
        size if isinstance(size, int) and not isinstance(size, bool) else None,
        item,
    )


def _template(server: str, item: dict[str, Any]) -> TemplateInfo:
    return TemplateInfo(
        server,
        str(item["uriTemplate"]),
        _text(item, "name") or str(item["uriTemplate"]),
        _text(item, "title"),
        _text(item, "description") or "",
        _text(item, "mimeType"),
        item,
    )


def _content(uri: str, item: dict[str, Any]) -> ResourceContent:
    """One read item; a blob that is not base64 is kept as its text's bytes."""
    item_uri = _text(item, "uri") or uri
    mime = _text(item, "mimeType")
    text = _text(item, "text")
    if text is not None:
        return ResourceContent(item_uri, mime, text=text)
    blob = _text(item, "blob") or ""
    try:
        data = base64.b64decode(blob, validate=True)
    except ValueError:
        data = blob.encode()
    return ResourceContent(item_uri, mime, blob=data)
