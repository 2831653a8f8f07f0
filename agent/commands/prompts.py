"""``agent prompts`` and ``agent prompt``: the servers' prompts, and one rendered with its args."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from agent import interrupts
from agent.commands.fleet import running_fleet, warn_unlisted
from agent.errors import UsageError
from agent.terminal import clean, dumps

if TYPE_CHECKING:
    from bridge.prompts import PromptInfo

__all__ = ["list_prompts", "parse_pairs", "show_prompt"]


def parse_pairs(pairs: Sequence[str]) -> dict[str, str]:
    """``KEY=VALUE`` items as a dict (a later key wins); anything else is a usage error."""
    parsed: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise UsageError(f"--arg takes KEY=VALUE, not {pair!r}")
        parsed[key] = value
    return parsed


def list_prompts(options: argparse.Namespace) -> int:
    return interrupts.run(_list(options))


def show_prompt(options: argparse.Namespace) -> int:
    return interrupts.run(_show(options, parse_pairs(options.arg)))


async def _list(options: argparse.Namespace) -> int:
    from bridge import prompts
    from config import load

    async with running_fleet(load(options.config), wait_for_cached=True) as toolset:
        listing = await prompts.list_prompts(toolset.fleet)
    warn_unlisted(listing.errors, "prompts")
    if options.json:
        print(dumps([_prompt_json(p) for p in listing.prompts], indent=2))
        return 0
    width = max((len(p.qualified) for p in listing.prompts), default=0)
    for prompt in listing.prompts:
        arguments = " ".join(f"{a.name}{'*' if a.required else ''}" for a in prompt.arguments)
        about = (prompt.description or prompt.title or "").strip().splitlines()
        summary = f"({arguments}) " if arguments else ""
        print(clean(f"{prompt.qualified:<{width}}  {summary}{about[0] if about else ''}").rstrip())
    if listing.prompts and any(a.required for p in listing.prompts for a in p.arguments):
        print("\n* required argument (give it with --arg NAME=VALUE)")
    return 0


async def _show(options: argparse.Namespace, arguments: dict[str, str]) -> int:
    from bridge import prompts
    from config import load

    async with running_fleet(load(options.config), wait_for_cached=True) as toolset:
        listing = await prompts.list_prompts(toolset.fleet)
        prompt = prompts.find_prompt(listing, options.name)
        rendered = await prompts.get_prompt(toolset.fleet, prompt, arguments)
    if options.json:
        body = {
            "name": prompt.qualified,
            "description": rendered.description,
            "messages": list(rendered.messages),
        }
        print(dumps(body, indent=2))
        return 0
    from bridge.results import describe

    for message in rendered.messages:
        content = message.get("content")
        blocks = content if isinstance(content, list) else [content]
        text = "\n".join(describe(b) for b in blocks if isinstance(b, dict))
        print(clean(f"{message.get('role', 'user')}: {text}"))
    return 0


def _prompt_json(prompt: PromptInfo) -> dict[str, Any]:
    return {
        "name": prompt.qualified,
        "server": prompt.server,
        "prompt": prompt.name,
        "title": prompt.title,
        "description": prompt.description,
        "arguments": [
            {"name": a.name, "description": a.description, "required": a.required}
            for a in prompt.arguments
        ],
    }
