"""The Host: built once from a config and the command line, run against real peers.

The model is the fake OpenAI server driven through the real ``openai`` SDK; the fleet is
the real toolbox server started by ``agent.commands.fleet.running_fleet``.
"""

from __future__ import annotations

import asyncio
import sys

import pytest

from agent.commands.fleet import running_fleet
from bridge import events as ev
from bridge.errors import NoServerAvailableError
from bridge.fleet import ServerState
from bridge.host import Host, HostOptions, RunTally
from config.schema import Config
from providers.base import Provider
from providers.types import SystemMessage, Usage, UserMessage
from tests.modelfakes.fixtures import fake_openai
from tests.modelfakes.script import Call, Reply

__all__ = ["fake_openai"]

TOOLBOX = {"command": sys.executable, "args": ["-m", "agent", "toolbox"]}


@pytest.fixture(autouse=True)
def _own_cache(tmp_path, monkeypatch):
    """Keep the fleet's catalog cache out of the person's own cache directory."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


def make_config(url: str = "http://127.0.0.1:9", **agent: object) -> Config:
    return Config.model_validate(
        {
            "model": "openai:gpt-fake",
            "providers": {"openai": {"api_key": "sk-test", "base_url": url}},
            "servers": {"box": TOOLBOX},
            "agent": agent,
        }
    )


def never_opened(config, *, handlers=None, require_servers=True):
    raise AssertionError("building a host must not start the fleet")


def test_a_host_takes_policy_and_settings_from_the_config_and_the_command_line():
    config = make_config(
        max_turns=7,
        tool_choice="required",
        parallel_tool_calls=False,
        system="be brief",
        approval={"ask": ["box__echo"], "deny": ["box__now"], "sampling": "deny"},
    )
    options = HostOptions(model="openai:gpt-fake", max_turns=3, tool_mode="text", allow_all=True)

    host = Host(config, options, never_opened)

    assert host.spec == "openai:gpt-fake"
    assert (host.settings.max_turns, host.settings.tool_choice) == (3, "required")
    assert host.settings.parallel_tool_calls is False and host.settings.tool_mode == "text"
    assert host.policy.ask == ("box__echo",) and host.policy.deny == ("box__now",)
    assert host.policy.sampling == "deny" and host.policy.allow_all
    assert host.policy.verdict("box__echo") == "allow"  # --yes turns ask into allow
    assert host.policy.verdict("box__now") == "deny"  # but never overrides deny
    assert host.provider is None and host.toolset is None


def test_the_conversation_starts_with_the_system_prompt_only_when_new():
    config = make_config(system="from the config")
    host = Host(config, HostOptions(model="openai:x", system="from the flag"), never_opened)

    assert host.conversation("hi") == [SystemMessage("from the flag"), UserMessage("hi")]
    resumed = [UserMessage("earlier")]
    assert host.conversation(history=resumed) == resumed
    assert Host(config, HostOptions(model="openai:x"), never_opened).conversation() == [
        SystemMessage("from the config")
    ]


def test_running_before_start_is_a_clear_error():
    host = Host(make_config(), HostOptions(model="openai:x"), never_opened)
    with pytest.raises(RuntimeError, match=r"outside Host\.start"):
        host.run([UserMessage("hi")])


async def test_a_run_through_the_host_calls_the_fleet_and_answers(fake_openai):
    fake_openai.script(
        Reply(calls=(Call("box__calculate", {"expression": "6 * 7"}, id="c1"),)),
        Reply(text="It is 42."),
    )
    host = Host(make_config(fake_openai.url), HostOptions(model="openai:gpt-fake"), running_fleet)
    events: list[ev.Event] = []
    async with asyncio.timeout(60), host.start() as running:
        assert isinstance(running.provider, Provider) and running.provider.name == "openai"
        assert running.provider.capabilities.dialect.startswith("openai")
        fleet = running.toolset.fleet
        messages = running.conversation("what is 6 * 7?")
        async for event in running.run(messages):
            events.append(event)
    assert host.provider is None and host.toolset is None  # closed on the way out
    assert [row.state for row in fleet.status()] == [ServerState.STOPPED]
    finished = [e for e in events if isinstance(e, ev.ToolCallFinished)]
    assert [(e.name, e.status, e.text) for e in finished] == [("box__calculate", "done", "42")]
    done = events[-1]
    assert isinstance(done, ev.RunFinished) and done.reason == "answered"
    assert done.text == "It is 42." and done.usage == Usage(22, 14)
    first, second = fake_openai.bodies
    assert "box__calculate" in {tool["function"]["name"] for tool in first["tools"]}
    assert second["messages"][-1] == {"role": "tool", "tool_call_id": "c1", "content": "42"}


async def test_max_turns_ends_the_run_with_its_reason_not_an_error(fake_openai):
    again = Reply(calls=(Call("box__echo", {"text": "again"}, id="l"),))
    fake_openai.script(again, again)
    options = HostOptions(model="openai:gpt-fake", max_turns=2)
    host = Host(make_config(fake_openai.url), options, running_fleet)
    async with asyncio.timeout(60), host.start() as running:
        events = [event async for event in running.run(running.conversation("loop"))]
    assert isinstance(events[-1], ev.RunFinished) and events[-1].reason == "max_turns"


async def test_switching_the_model_keeps_the_fleet_and_changes_the_spec(fake_openai):
    host = Host(make_config(fake_openai.url), HostOptions(model="openai:gpt-fake"), running_fleet)
    async with asyncio.timeout(60), host.start() as running:
        before = running.provider
        after = await running.use_model("openai:gpt-other")
        assert after is running.provider and after is not before
        assert (running.spec, after.model) == ("openai:gpt-other", "gpt-other")
        fake_openai.script(Reply(text="hi"))
        [event async for event in running.run(running.conversation("hello"))]
    assert fake_openai.bodies[-1]["model"] == "gpt-other"


async def test_a_fleet_with_no_server_up_fails_the_start_when_servers_are_required(tmp_path):
    missing = {"command": str(tmp_path / "no-such-server")}
    config = make_config().model_copy(
        update={"servers": Config.model_validate({"servers": {"gone": missing}}).servers}
    )
    host = Host(config, HostOptions(model="openai:gpt-fake"), running_fleet)
    with pytest.raises(NoServerAvailableError):
        async with asyncio.timeout(30), host.start():
            pass
    assert host.provider is None
    chat = Host(config, HostOptions(model="openai:gpt-fake", require_servers=False), running_fleet)
    async with asyncio.timeout(30), chat.start() as running:
        (problem,) = running.problems()
    assert problem.startswith("server 'gone' is not available: ")


def test_the_tally_gives_a_cancelled_run_its_done_event_with_the_usage_so_far():
    tally = RunTally()
    for event in (
        ev.TextDelta("par"),
        ev.TurnFinished(1, 1, Usage(5, 2)),
        ev.TextDelta("tial"),
        ev.TurnFinished(2, 0, Usage(7, 3)),
    ):
        tally.add(event)
    assert tally.cancelled() == ev.RunFinished("cancelled", "partial", 2, Usage(12, 5))


async def test_what_the_fleet_learns_during_a_run_comes_as_a_notice_before_done(
    tmp_path, fake_openai
):
    from tests.bridge.mcp.conftest import SERVERS

    behaviour = tmp_path / "b.json"
    behaviour.write_text("{}")
    scripted = {
        "command": sys.executable,
        "args": [str(SERVERS / "scripted_server.py"), str(behaviour)],
    }
    config = make_config(fake_openai.url).model_copy(
        update={"servers": Config.model_validate({"servers": {"s": scripted}}).servers}
    )
    options = HostOptions(model="openai:gpt-fake", require_servers=False)
    fake_openai.script(Reply(text="warm"))
    async with asyncio.timeout(30), Host(config, options, running_fleet).start() as first:
        [event async for event in first.run(first.conversation("fill the cache"))]
    behaviour.write_text("not json")  # the server now dies at start; its cache stays
    fake_openai.script(Reply(calls=(Call("s__echo", {}, id="e"),)), Reply(text="without it"))
    async with asyncio.timeout(30), Host(config, options, running_fleet).start() as second:
        events = [event async for event in second.run(second.conversation("use it"))]
    notices = [e.message for e in events if isinstance(e, ev.Notice)]
    assert any(n.startswith("server 's' is not available") for n in notices), events
    assert isinstance(events[-1], ev.RunFinished)
