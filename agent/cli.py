"""The ``agent`` command line: a parser and a table of lazily imported commands.

Only argparse is imported up front so that ``agent --help`` stays fast; each command's
module (and whatever SDK it needs) is imported when that command runs.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence
from typing import Any

from agent import __version__

__all__ = ["build_parser", "main"]

# command name -> "module:function"; the function takes the parsed arguments and
# returns an exit code.
COMMANDS = {
    "run": "agent.commands.run:run_task",
    "tools": "agent.commands.tools:list_tools",
    "call": "agent.commands.tools:call_tool",
    "servers": "agent.commands.servers:show_servers",
    "config": "agent.commands.configs:config_command",
    "toolbox": "agent.commands.toolbox:run_toolbox",
    "serve": "agent.commands.serve:run_serve",
    "auth": "agent.commands.auth:auth_command",
    "chat": "agent.commands.chat:chat_command",
    "sessions": "agent.commands.chat:sessions_command",
    "prompts": "agent.commands.prompts:list_prompts",
    "prompt": "agent.commands.prompts:show_prompt",
    "resources": "agent.commands.resources:list_resources",
    "read": "agent.commands.resources:read_resource",
}


def _config_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-c",
        "--config",
        metavar="FILE",
        help="the fleet file (default: $AGENT_CONFIG, ./agent.yaml, then the user's config dir)",
    )


def _model_options(parser: argparse.ArgumentParser) -> None:
    """The options ``run`` and ``chat`` share: config, model, prompt, tool mode, approval."""
    _config_option(parser)
    parser.add_argument("-m", "--model", help="provider:model, e.g. openai:gpt-5-mini")
    parser.add_argument("--system", help="the system prompt (default: agent.system in the config)")
    parser.add_argument(
        "--tool-mode",
        choices=("auto", "native", "text"),
        default="auto",
        help="native tool calls, tools described in the prompt (text), or auto (default)",
    )
    _approval_options(parser)
    parser.add_argument(
        "--allow-sampling",
        action="store_true",
        help="answer servers' sampling requests with the model without asking "
        "(--yes does not cover them; agent.approval.sampling: deny still refuses)",
    )


def _approval_options(parser: argparse.ArgumentParser) -> None:
    """``--yes``: what ``run``, ``chat`` and ``call`` share of the approval policy."""
    parser.add_argument(
        "-y",
        "--yes",
        action="store_true",
        help="allow tools the policy would ask about (not denied ones, not sampling)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="agent",
        description="An LLM agent host that bridges MCP tools to OpenAI, Gemini and Ollama.",
    )
    parser.add_argument("--version", action="version", version=f"agent {__version__}")
    parser.add_argument(
        "-v", "--verbose", action="count", default=0, help="more logging on stderr (-vv: debug)"
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    run = commands.add_parser(
        "run", help="run one task with the fleet's tools and print the answer"
    )
    run.add_argument("task", nargs="*", help="the task; text piped on stdin is added to it")
    _model_options(run)
    run.add_argument("--max-turns", type=int, help="stop after this many model turns")
    run.add_argument("--tool-choice", help="auto, none, required, or a qualified tool name")
    run.add_argument("--no-tools", action="store_true", help="send no tools to the model")
    run.add_argument(
        "--prompt",
        metavar="SERVER__NAME",
        help="start the conversation with a server's prompt (`agent prompts` lists them)",
    )
    _arg_option(run, "the prompt's arguments and a template URI's variables")
    run.add_argument(
        "--attach",
        action="append",
        default=[],
        metavar="URI",
        help="add a resource to the task (repeatable): text inline, images to models that "
        "see them, the rest described; a template's variables come from --arg",
    )
    run.add_argument(
        "-o",
        "--output",
        choices=("text", "jsonl"),
        default="text",
        help="text (answer on stdout, activity on stderr) or jsonl (one event per line)",
    )

    chat = commands.add_parser("chat", help="chat with the model and the fleet's tools (a TUI)")
    _model_options(chat)
    chat.add_argument(
        "--resume",
        nargs="?",
        const="",
        metavar="ID",
        help="continue a saved session (the latest without an ID; `agent sessions` lists them)",
    )
    commands.add_parser("sessions", help="list saved chat sessions")

    tools = commands.add_parser(
        "tools", help="list the tools of the fleet and what their definitions cost in tokens"
    )
    _config_option(tools)
    _budget_model_option(tools)
    tools.add_argument("--json", action="store_true", help="print JSON")
    tools.add_argument(
        "--dialect",
        choices=("openai", "openai-strict", "gemini", "ollama"),
        help="with --json, also show each schema converted for a provider dialect "
        "(openai, openai-strict, gemini, ollama) and what the conversion changed",
    )

    call = commands.add_parser("call", help="call one tool and print its result")
    _config_option(call)
    call.add_argument("tool", metavar="QUALIFIED_TOOL", help="for example toolbox__calculate")
    call.add_argument("--args", default="{}", metavar="JSON", help="the arguments, a JSON object")
    call.add_argument("--json", action="store_true", help="print the raw MCP result")
    _approval_options(call)
    call.add_argument(
        "--force",
        action="store_true",
        help="run the tool even if agent.approval denies it or would ask (says so on stderr)",
    )
    call.add_argument(
        "--timeout",
        type=float,
        help="seconds before the call is cancelled (a hard bound: progress does not extend it)",
    )

    servers = commands.add_parser("servers", help="start the fleet and show each server's state")
    _config_option(servers)
    _budget_model_option(servers)
    servers.add_argument("--json", action="store_true", help="print JSON")
    servers.add_argument(
        "--tools",
        action="store_true",
        help="show each tool's call log instead: calls, errors, cache hits, p50/p95/p99 latency",
    )

    _prompt_and_resource_commands(commands)

    config = commands.add_parser("config", help="check or show the configuration")
    config_commands = config.add_subparsers(dest="config_command", metavar="ACTION", required=True)
    for action, text in (
        ("check", "validate the config and summarize it"),
        ("show", "print the resolved config, secrets masked"),
    ):
        _config_option(config_commands.add_parser(action, help=text))

    toolbox = commands.add_parser("toolbox", help="run the built-in toolbox MCP server on stdio")
    toolbox.add_argument("--http", metavar="HOST:PORT", help="serve Streamable HTTP at /mcp")
    serve = commands.add_parser(
        "serve", help="serve the fleet as one MCP server (stdio, or --http / --ws)"
    )
    _config_option(serve)
    serve.add_argument("--http", metavar="HOST:PORT", help="Streamable HTTP at /mcp")
    serve.add_argument("--ws", metavar="HOST:PORT", help="WebSocket (subprotocol mcp)")

    auth = commands.add_parser("auth", help="log in to, out of, or inspect OAuth servers")
    auth_commands = auth.add_subparsers(dest="auth_command", metavar="ACTION", required=True)
    for action, text in (
        ("login", "authorize now in a browser and keep the tokens"),
        ("logout", "delete the stored tokens of a server"),
        ("status", "show issuer, scopes and expiry of stored tokens"),
    ):
        action_parser = auth_commands.add_parser(action, help=text)
        _config_option(action_parser)
        action_parser.add_argument(
            "server", metavar="SERVER", nargs="?" if action == "status" else None
        )
        if action == "login":
            action_parser.add_argument(
                "--no-browser", action="store_true", help="print the URL instead of opening it"
            )
    return parser


def _arg_option(parser: argparse.ArgumentParser, text: str) -> None:
    parser.add_argument(
        "--arg", action="append", default=[], metavar="KEY=VALUE", help=f"{text} (repeatable)"
    )


def _budget_model_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-m",
        "--model",
        help="count the tool definitions for this provider:model (default: the config's)",
    )


def _prompt_and_resource_commands(commands: argparse._SubParsersAction[Any]) -> None:
    """``prompts``, ``prompt``, ``resources`` and ``read``: what servers offer besides tools."""
    prompts = commands.add_parser("prompts", help="list the prompts the servers offer")
    _config_option(prompts)
    prompts.add_argument("--json", action="store_true", help="print JSON")

    prompt = commands.add_parser("prompt", help="render one prompt and print its messages")
    _config_option(prompt)
    prompt.add_argument("name", metavar="SERVER__NAME", help="for example everything__args-prompt")
    _arg_option(prompt, "an argument of the prompt")
    prompt.add_argument("--json", action="store_true", help="print the messages as JSON")

    resources = commands.add_parser(
        "resources", help="list the resources and resource templates of each server"
    )
    _config_option(resources)
    resources.add_argument("--json", action="store_true", help="print JSON")

    read = commands.add_parser("read", help="read one resource")
    _config_option(read)
    read.add_argument("uri", metavar="URI", help="a resource's URI, or a template's with --arg")
    read.add_argument("--server", metavar="NAME", help="the server to ask (default: its owner)")
    _arg_option(read, "a template URI's variables")
    read.add_argument("--json", action="store_true", help="print the contents as JSON")
    read.add_argument(
        "--out", metavar="FILE", help="write the contents to FILE (binary ones are only saved)"
    )


class _CleanRecords(logging.Filter):
    """Log lines carry servers' and models' text: mask secrets and sanitize each one."""

    def filter(self, record: logging.LogRecord) -> bool:
        from agent.terminal import clean

        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            return True  # a malformed call: the handler reports it as logging does
        record.msg, record.args = clean(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = clean(logging.Formatter().formatException(record.exc_info))
        return True


def _setup_logging(verbosity: int) -> None:
    level = {0: logging.WARNING, 1: logging.INFO}.get(verbosity, logging.DEBUG)
    logging.basicConfig(level=level, format="agent: %(levelname)s: %(message)s", stream=sys.stderr)
    for handler in logging.getLogger().handlers:
        handler.addFilter(_CleanRecords())


def _stdout_closed() -> None:
    """Exit quietly when the reader of stdout went away (``agent tools --json | head -1``).

    The code is 141 (128 + SIGPIPE), what a shell reports for a tool the closed pipe
    killed, so ``set -o pipefail`` scripts still see that the output was cut short.
    """
    import os

    # Point stdout at /dev/null so the flush at interpreter exit cannot fail again.
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    sys.exit(141)


# The commands that start servers: they make the host a subreaper and sweep at exit.
FLEET_COMMANDS = frozenset(
    {"run", "tools", "call", "servers", "chat", "prompts", "prompt", "resources", "read"}
)


def _guard_processes() -> None:
    """Nothing a server starts outlives the host; SIGTERM and SIGHUP stop it as SIGINT does.

    As child subreaper the host inherits orphaned grandchildren (a ``setsid`` one too),
    and the sweep at exit ends and reaps every descendant still left.
    """
    import atexit
    import signal

    from agent.interrupts import raise_interrupted
    from bridge.mcp import reaper

    reaper.become_subreaper()
    atexit.register(reaper.sweep)
    # Until the event loop takes them over (agent.interrupts.run), and once it is closed.
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, raise_interrupted)


def main(argv: Sequence[str] | None = None) -> None:
    """Run the command line and exit with the command's code."""
    parser = build_parser()
    options = parser.parse_args(argv)
    if options.command is None:
        parser.print_help()
        sys.exit(2)
    _setup_logging(options.verbose)

    from config.errors import HostError

    try:
        if options.command in FLEET_COMMANDS:
            _guard_processes()
        # Inside the try: a signal during the (slow) import is an interruption too.
        module_name, function_name = COMMANDS[options.command].split(":")
        function = getattr(importlib.import_module(module_name), function_name)
        code = function(options)
        sys.stdout.flush()  # a closed pipe shows here, not as a warning at exit
    except BrokenPipeError:
        _stdout_closed()
    except HostError as exc:
        from agent.terminal import clean

        # Errors quote servers, endpoints and config files: mask and sanitize them.
        print(f"agent: error: {clean(str(exc))}", file=sys.stderr)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt as exc:
        # SIGINT, or SIGTERM/SIGHUP turned into agent.interrupts.Interrupted: 128 + signal.
        print(f"agent: {exc or 'interrupted'}", file=sys.stderr)
        sys.exit(getattr(exc, "exit_code", 130))
    sys.exit(code)
