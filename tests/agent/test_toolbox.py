"""The built-in toolbox, spoken to over stdio by our own client."""

from __future__ import annotations

import sys

import pytest

from agent.toolbox.calculator import CalculationError, calculate
from bridge.mcp import Progress

from ..bridge.mcp.conftest import open_session


def toolbox():
    return open_session(sys.executable, "-m", "agent", "toolbox", name="toolbox")


async def test_toolbox_lists_its_tools_with_real_schemas():
    async with toolbox() as session:
        tools = {tool.name: tool for tool in await session.list_tools()}
    assert set(tools) >= {
        "calculate", "echo", "now", "upper", "lower", "reverse", "word_count", "count_slowly",
    }  # fmt: skip
    for tool in tools.values():
        assert tool.description
        assert tool.input_schema["type"] == "object"
        for prop in tool.input_schema.get("properties", {}).values():
            assert "type" in prop
    assert tools["calculate"].input_schema["required"] == ["expression"]


async def test_calculate_answers_and_division_by_zero_is_a_tool_error():
    async with toolbox() as session:
        result = await session.call_tool("calculate", {"expression": "(2 + 3) * 4 ** 2 // 3"})
        assert result.text == "26"
        assert result.structured == {"result": 26}
        zero = await session.call_tool("calculate", {"expression": "1 / 0"})
        assert zero.is_error
        assert "division by zero" in zero.text


async def test_text_tools_transform_text():
    async with toolbox() as session:
        assert (await session.call_tool("upper", {"text": "abc"})).text == "ABC"
        assert (await session.call_tool("lower", {"text": "AbC"})).text == "abc"
        assert (await session.call_tool("reverse", {"text": "abc"})).text == "cba"
        assert (await session.call_tool("echo", {"text": "é ☃"})).text == "é ☃"
        counted = await session.call_tool("word_count", {"text": "one two\nthree"})
        assert counted.structured == {"words": 3, "characters": 13, "lines": 2}


async def test_now_honours_time_zones_and_rejects_unknown_ones():
    async with toolbox() as session:
        paris = await session.call_tool("now", {"timezone": "Europe/Paris"})
        assert paris.structured["timezone"] == "Europe/Paris"
        assert paris.text[-6:] in ("+01:00", "+02:00")
        bad = await session.call_tool("now", {"timezone": "Mars/Olympus"})
        assert bad.is_error
        assert "Mars/Olympus" in bad.text


async def test_count_slowly_reports_progress():
    seen: list[Progress] = []
    async with toolbox() as session:
        result = await session.call_tool(
            "count_slowly", {"n": 3, "delay": 0}, on_progress=seen.append
        )
    assert result.text == "counted to 3"
    assert [(p.progress, p.total) for p in seen] == [(1, 3), (2, 3), (3, 3)]


async def test_missing_argument_is_a_tool_error():
    async with toolbox() as session:
        result = await session.call_tool("upper", {})
    assert result.is_error
    assert "text" in result.text


@pytest.mark.parametrize(
    ("expression", "value"),
    [
        ("1 + 2 * 3", 7),
        ("-2 ** 2", -4),
        ("7 % 3", 1),
        ("7 // 2", 3),
        ("1 / 4", 0.25),
        ("2.5*2", 5.0),
    ],
)
def test_calculator_follows_python_arithmetic(expression, value):
    assert calculate(expression) == value


@pytest.mark.parametrize(
    "expression",
    ["__import__('os')", "a + 1", "[1, 2]", "9 ** 9 ** 9", "1 if 1 else 2", "'a' * 3", "(1"],
)
def test_calculator_refuses_anything_but_arithmetic(expression):
    with pytest.raises(CalculationError):
        calculate(expression)
