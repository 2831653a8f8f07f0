"""Tool search and the built-in resource tools: the ranking, and the loop with a scripted model
over a fleet of real toolbox servers."""

from __future__ import annotations

from bridge import events as ev
from bridge.builtin_tools import SEARCH_TOOLS, HostToolset
from bridge.loop import LoopSettings, run
from bridge.tool_search import ToolIndex, words
from config.schema import AgentConfig
from providers.types import UserMessage
from tests.fakes import ScriptedProvider, Turn, call, toolbox_fleet

TOOLS = [
    ("weather__get_forecast", "Get the weather forecast for a city.", {"properties": {"city": {}}}),
    ("git__commit", "Record changes to the repository.", {"properties": {"message": {}}}),
    ("fs__read_file", "Read a file from disk.", {"properties": {"path": {}}}),
    ("fs__write_file", "Write text to a file.", {"properties": {"path": {}, "content": {}}}),
]


def test_words_split_names_at_case_digits_and_separators():
    assert words("getWeather_v2-now") == ["get", "weather", "v", "2", "now"]


def test_search_ranks_by_name_description_and_argument_names():
    index = ToolIndex(TOOLS)
    assert index.search("weather in a city", 2)[0].name == "weather__get_forecast"
    assert [h.name for h in index.search("read file", 1)] == ["fs__read_file"]
    assert index.search("content", 5)[0].name == "fs__write_file"  # an argument name
    assert index.search("nothing matches zebra", 5) == []


def agent_config(**values) -> AgentConfig:
    return AgentConfig.model_validate(values)


async def test_past_the_threshold_the_model_sees_pinned_tools_and_search_then_what_it_found():
    provider = ScriptedProvider(
        [
            Turn(calls=(call(SEARCH_TOOLS, "s1", query="reverse the text"),)),
            Turn(calls=(call("box__reverse", "r1", text="abc"),)),
            Turn(text="cba"),
        ]
    )
    config = agent_config(tool_search={"threshold": 2, "pinned": ["box__calculate"], "results": 1})
    async with toolbox_fleet() as fleet_tools:
        tools = HostToolset(fleet_tools, config)
        assert tools.searching
        events = [e async for e in run(provider, tools, [UserMessage("reverse abc")],
                                       LoopSettings(), policy=None)]  # fmt: skip
        found = tools.take_events()
    first, second, _ = provider.requests
    assert [t.name for t in first.tools] == ["box__calculate", SEARCH_TOOLS]
    assert [t.name for t in second.tools] == ["box__calculate", "box__reverse", SEARCH_TOOLS]
    assert found == [ev.ToolsLoaded("reverse the text", ("box__reverse",), 2, len(fleet_tools))]
    results = [e for e in events if isinstance(e, ev.ToolCallFinished)]
    assert [(r.name, r.status) for r in results] == [
        (SEARCH_TOOLS, "done"),
        ("box__reverse", "done"),
    ]
    assert "box__reverse" in results[0].text and results[1].text == "cba"


async def test_below_the_threshold_or_without_one_every_tool_goes_and_no_search_tool():
    async with toolbox_fleet() as fleet_tools:
        for config in (agent_config(), agent_config(tool_search={"threshold": 10_000})):
            names = [s.name for s in HostToolset(fleet_tools, config).specs("openai")]
            assert SEARCH_TOOLS not in names and len(names) == len(fleet_tools)


async def test_resource_tools_are_added_only_when_asked_and_keep_clear_of_server_names():
    async with toolbox_fleet() as fleet_tools:
        plain = [s.name for s in HostToolset(fleet_tools, agent_config()).specs("gemini")]
        added = [
            s.name
            for s in HostToolset(fleet_tools, agent_config(resource_tools=True)).specs("gemini")
        ]
    assert "resources__list" not in plain
    assert added[-2:] == ["resources__list", "resources__read"]
