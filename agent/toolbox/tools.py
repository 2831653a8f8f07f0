"""The toolbox's tools: safe, local, no network."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from agent.toolbox.calculator import CalculationError, calculate
from agent.toolbox.server import Context, ServerTool, ToolError

__all__ = ["TOOLS"]

_READ_ONLY = {"readOnlyHint": True, "openWorldHint": False}


def _text_schema(description: str) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {"text": {"type": "string", "description": description}},
        "required": ["text"],
        "additionalProperties": False,
    }


def _string(arguments: dict[str, Any], key: str) -> str:
    value = arguments[key]
    if not isinstance(value, str):
        raise ToolError(f"{key!r} must be a string, got {type(value).__name__}")
    return value


async def _calculate(arguments: dict[str, Any], _ctx: Context) -> tuple[str, dict[str, Any]]:
    try:
        result = calculate(_string(arguments, "expression"))
    except CalculationError as exc:
        raise ToolError(str(exc)) from None
    return str(result), {"result": result}


async def _echo(arguments: dict[str, Any], _ctx: Context) -> str:
    return _string(arguments, "text")


async def _now(arguments: dict[str, Any], _ctx: Context) -> tuple[str, dict[str, Any]]:
    name = arguments.get("timezone") or "UTC"
    try:
        zone = ZoneInfo(str(name))
    except (ZoneInfoNotFoundError, ValueError):
        raise ToolError(
            f"unknown time zone {name!r}; use an IANA name like 'Europe/Paris'"
        ) from None
    moment = dt.datetime.now(zone)
    return moment.isoformat(timespec="seconds"), {
        "iso": moment.isoformat(timespec="seconds"),
        "timezone": str(name),
        "weekday": moment.strftime("%A"),
    }


async def _upper(arguments: dict[str, Any], _ctx: Context) -> str:
    return _string(arguments, "text").upper()


async def _lower(arguments: dict[str, Any], _ctx: Context) -> str:
    return _string(arguments, "text").lower()


async def _reverse(arguments: dict[str, Any], _ctx: Context) -> str:
    return _string(arguments, "text")[::-1]


async def _word_count(arguments: dict[str, Any], _ctx: Context) -> tuple[str, dict[str, Any]]:
    text = _string(arguments, "text")
    counts = {"words": len(text.split()), "characters": len(text), "lines": len(text.splitlines())}
    return f"{counts['words']} words, {counts['characters']} characters", counts


async def _count_slowly(arguments: dict[str, Any], ctx: Context) -> str:
    n = int(arguments.get("n", 5))
    delay = float(arguments.get("delay", 0.1))
    if not 0 <= n <= 1000 or not 0 <= delay <= 10:
        raise ToolError("n must be within 0..1000 and delay within 0..10 seconds")
    for step in range(1, n + 1):
        await asyncio.sleep(delay)  # the tool's own work: it is meant to be slow
        await ctx.progress(step, n, f"counted {step} of {n}")
    return f"counted to {n}"


TOOLS = [
    ServerTool(
        "calculate",
        "Evaluate an arithmetic expression with + - * / // % ** and parentheses.",
        {
            "type": "object",
            "properties": {
                "expression": {"type": "string", "description": "For example '(2 + 3) * 4'."}
            },
            "required": ["expression"],
            "additionalProperties": False,
        },
        _calculate,
        output_schema={"type": "object", "properties": {"result": {"type": "number"}}},
        annotations=_READ_ONLY,
    ),
    ServerTool("echo", "Return the given text unchanged.", _text_schema("Text to echo."), _echo),
    ServerTool(
        "now",
        "The current date and time, in UTC or in the given IANA time zone.",
        {
            "type": "object",
            "properties": {
                "timezone": {
                    "type": "string",
                    "description": "IANA time zone such as 'Europe/Paris'; default UTC.",
                }
            },
            "additionalProperties": False,
        },
        _now,
        annotations=_READ_ONLY,
    ),
    ServerTool("upper", "Upper-case the text.", _text_schema("Text to convert."), _upper),
    ServerTool("lower", "Lower-case the text.", _text_schema("Text to convert."), _lower),
    ServerTool("reverse", "Reverse the text.", _text_schema("Text to reverse."), _reverse),
    ServerTool(
        "word_count",
        "Count the words, characters and lines of the text.",
        _text_schema("Text to count."),
        _word_count,
        output_schema={
            "type": "object",
            "properties": {
                "words": {"type": "integer"},
                "characters": {"type": "integer"},
                "lines": {"type": "integer"},
            },
        },
    ),
    ServerTool(
        "count_slowly",
        "Count from 1 to n, waiting `delay` seconds per step and reporting progress.",
        {
            "type": "object",
            "properties": {
                "n": {"type": "integer", "minimum": 0, "maximum": 1000, "default": 5},
                "delay": {"type": "number", "minimum": 0, "maximum": 10, "default": 0.1},
            },
            "additionalProperties": False,
        },
        _count_slowly,
    ),
]
