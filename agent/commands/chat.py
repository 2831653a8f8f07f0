"""``agent chat`` (the Textual UI, Textual imported only here) and ``agent sessions``."""

from __future__ import annotations

import argparse

from agent import interrupts
from agent.sessions import SessionFile, list_sessions, sessions_dir
from agent.terminal import sanitize

__all__ = ["LATEST", "chat_command", "sessions_command"]

LATEST = ""  # what ``--resume`` without an id stands for


def chat_command(options: argparse.Namespace) -> int:
    return interrupts.run(_chat(options))


async def _chat(options: argparse.Namespace) -> int:
    from agent.model_choice import choose_model
    from config import load
    from providers.base import parse_model

    # Everything a person can get wrong is checked before the screen switches over.
    config = load(options.config)
    spec = await choose_model(config, options.model)
    parse_model(spec)
    directory = sessions_dir()
    if options.resume is None:
        session, messages = SessionFile.create(directory), []
    else:
        session = SessionFile.find(directory, options.resume or None)
        messages = session.load()

    from agent.tui.factory import create_app

    app = create_app(
        config,
        spec,
        session=session,
        messages=messages,
        yes=options.yes,
        allow_sampling=options.allow_sampling,
        tool_mode=options.tool_mode,
        system=options.system,
    )
    await app.run_async()
    session = app.session or session  # /clear moves the chat to a new session
    if session.path.exists():
        print(f"agent: session saved; continue it with: agent chat --resume {session.id}")
    return app.return_code or 0


def sessions_command(options: argparse.Namespace) -> int:
    """List saved sessions, the most recent first."""
    directory = sessions_dir()
    rows = list_sessions(directory)
    if not rows:
        print(f"no saved sessions in {directory}")
        return 0
    width = max(len(row.id) for row in rows)
    for row in rows:
        first = sanitize(row.first_line)
        first = first if len(first) <= 60 else first[:59] + "…"
        print(f"{row.id:<{width}}  {row.modified:%Y-%m-%d %H:%M}  {row.count:>4} msgs  {first}")
    return 0
