"""Tool search through ``agent run``: the fake OpenAI API sees few tools, then the one found,
and the JSONL stream says what was loaded."""

from __future__ import annotations

import json

from tests.agent.test_run import agent_run, openai_config
from tests.modelfakes.script import Call, Reply


def test_a_search_loads_the_tool_for_the_next_turn_and_says_so_in_jsonl(tmp_path, fake_openai):
    fake_openai.script(
        Reply(calls=(Call("search_tools", {"query": "add two integers"}, id="s1"),)),
        Reply(calls=(Call("sdk__add", {"a": 40, "b": 2}, id="a1"),)),
        Reply(text="42"),
    )
    extra = "agent:\n  tool_search: {threshold: 3, pinned: ['box__calc*'], results: 1}\n"
    done = agent_run(openai_config(tmp_path, fake_openai, extra), "add", "--output", "jsonl")
    assert done.returncode == 0, done.stderr
    first, second, _ = fake_openai.bodies
    assert [t["function"]["name"] for t in first["tools"]] == ["box__calculate", "search_tools"]
    assert "sdk__add" in [t["function"]["name"] for t in second["tools"]]
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    loaded = [line for line in lines if line["type"] == "tools_loaded"]
    assert loaded == [
        {
            "v": 1,
            "type": "tools_loaded",
            "query": "add two integers",
            "names": ["sdk__add"],
            "visible": 2,
            "total": loaded[0]["total"],
        }
    ]
    kinds = [line["type"] for line in lines]
    assert kinds.index("tools_loaded") < kinds.index("tool_result")
    assert lines[-1]["type"] == "done" and lines[-1]["text"] == "42"
