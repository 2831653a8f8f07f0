"""A server's sampling/createMessage answered by the configured model, per the policy."""

from __future__ import annotations

import json
import sys

from bridge.approval import Policy
from bridge.events import SamplingFinished
from bridge.fleet import Fleet, ServerHandlers
from bridge.sampling import sampling_handler
from config.schema import ServerConfig
from providers.types import Usage, UserMessage
from tests.bridge.mcp.conftest import SERVERS
from tests.fakes import ScriptedProvider, Turn

SAMPLING_SERVER = ServerConfig(
    command=sys.executable, args=(str(SERVERS / "raw_server.py"), "sampling")
)


async def sampled_reply(policy: Policy, approver=None) -> tuple[dict, ScriptedProvider]:
    provider = ScriptedProvider([Turn("a sampled answer")])

    async def get_provider():
        return provider

    handlers = ServerHandlers(sampling=sampling_handler(get_provider, policy, approver))
    async with Fleet({"srv": SAMPLING_SERVER}, handlers=handlers) as fleet:
        result = await fleet.call("srv", "echo", {})
    # The raw server answers the tool call with the client's reply to its sampling request.
    return json.loads(result.text), provider


async def test_an_allowed_sampling_request_is_answered_by_the_model():
    reply, provider = await sampled_reply(Policy(sampling="allow"))
    assert reply["result"] == {
        "role": "assistant",
        "content": {"type": "text", "text": "a sampled answer"},
        "model": "scripted-1",
        "stopReason": "endTurn",
    }
    (request,) = provider.requests
    assert request.max_tokens == 10
    assert not request.tools


async def test_a_denied_sampling_request_is_an_error_and_the_model_is_not_asked():
    reply, provider = await sampled_reply(Policy(sampling="deny"))
    assert reply["error"]["code"] == -1
    assert provider.requests == []


async def test_ask_goes_to_the_approver_with_the_server_name():
    asked = []

    async def approver(request):
        asked.append(request)
        return "allow"

    reply, _ = await sampled_reply(Policy(sampling="ask"), approver)
    assert reply["result"]["content"]["text"] == "a sampled answer"
    assert [(r.kind, r.server) for r in asked] == [("sampling", "srv")]


def test_sampling_messages_become_neutral_messages():
    from bridge.sampling import _messages

    converted = _messages(
        {
            "systemPrompt": "be brief",
            "messages": [
                {"role": "user", "content": {"type": "text", "text": "hi"}},
                {"role": "assistant", "content": [{"type": "text", "text": "hello"}]},
                {"role": "user", "content": {"type": "image", "data": "...", "mimeType": "x"}},
            ],
        }
    )
    assert [type(m).__name__ for m in converted] == [
        "SystemMessage", "UserMessage", "AssistantMessage", "UserMessage",
    ]  # fmt: skip
    assert converted[1] == UserMessage("hi")
    assert converted[3].text == "[image content]"


def test_sampling_text_is_masked_and_malformed_messages_are_skipped():
    from bridge.sampling import _messages
    from config.secrets import MASK, remember

    remember("sk-live-0123456789")
    converted = _messages(
        {
            "systemPrompt": "the key is sk-live-0123456789",
            "messages": [
                "not a message",
                {"role": "user", "content": {"type": "text", "text": "echo sk-live-0123456789"}},
            ],
        }
    )

    assert [m.text for m in converted] == [f"the key is {MASK}", f"echo {MASK}"]


def test_sampling_messages_that_are_not_a_list_give_only_the_system_prompt():
    from bridge.sampling import _messages

    assert [m.text for m in _messages({"systemPrompt": "s", "messages": "oops"})] == ["s"]


async def test_allow_all_for_tools_does_not_approve_sampling_without_someone_to_ask():
    reply, provider = await sampled_reply(Policy(sampling="ask", allow_all=True))
    assert reply["error"]["code"] == -1
    assert provider.requests == []


async def test_allow_sampling_answers_an_ask_sampling_request_without_asking():
    async def approver(request):
        raise AssertionError("nobody should be asked")

    policy = Policy(sampling="ask", allow_sampling=True)
    reply, _ = await sampled_reply(policy, approver)
    assert reply["result"]["content"]["text"] == "a sampled answer"


async def test_allow_sampling_does_not_override_a_denying_policy():
    reply, provider = await sampled_reply(Policy(sampling="deny", allow_sampling=True))
    assert reply["error"]["code"] == -1
    assert provider.requests == []


async def reported(policy: Policy) -> list[SamplingFinished]:
    events: list[SamplingFinished] = []
    provider = ScriptedProvider([Turn("a sampled answer")])

    async def get_provider():
        return provider

    handlers = ServerHandlers(sampling=sampling_handler(get_provider, policy, None, events.append))
    async with Fleet({"srv": SAMPLING_SERVER}, handlers=handlers) as fleet:
        await fleet.call("srv", "echo", {})
    return events


async def test_an_answered_sampling_request_is_reported_with_model_and_usage():
    events = await reported(Policy(sampling="allow"))
    assert events == [SamplingFinished("srv", "allowed", "scripted-1", Usage(10, 5))]


async def test_a_refused_sampling_request_is_reported_as_denied():
    events = await reported(Policy(sampling="ask"))
    assert events == [SamplingFinished("srv", "denied")]


async def test_a_servers_max_tokens_and_temperature_of_the_wrong_type_are_not_passed_on():
    provider = ScriptedProvider([Turn("a"), Turn("b")])

    async def get_provider():
        return provider

    handle = sampling_handler(get_provider, Policy(sampling="allow"), None)
    message = {"role": "user", "content": {"type": "text", "text": "hi"}}
    await handle("srv", {"messages": [message], "maxTokens": "lots", "temperature": True})
    await handle("srv", {"messages": [message], "maxTokens": 64, "temperature": 0.5})
    bad, good = provider.requests
    assert (bad.max_tokens, bad.temperature) == (None, None)
    assert (good.max_tokens, good.temperature) == (64, 0.5)
