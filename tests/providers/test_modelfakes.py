"""The fake model servers themselves: their non-streaming answers, through the real SDKs."""

from __future__ import annotations

import ollama
import openai
import pytest
from google import genai
from google.genai import types

from tests.modelfakes import Call, FakeGemini, FakeOllama, FakeOpenAI, calls


async def test_fake_openai_answers_plain_completions(fake_openai: FakeOpenAI):
    fake_openai.script(calls(Call("t", {"a": 1}, id="c1"), text="thinking aloud"))
    client = openai.AsyncOpenAI(base_url=fake_openai.url, api_key="k", max_retries=0)
    async with client:
        done = await client.chat.completions.create(
            model="m", messages=[{"role": "user", "content": "hi"}]
        )

    message = done.choices[0].message
    assert message.content == "thinking aloud"
    assert message.tool_calls is not None and message.tool_calls[0].id == "c1"
    assert done.usage is not None and done.usage.prompt_tokens == 11


async def test_fake_gemini_answers_generate_content(fake_gemini: FakeGemini):
    fake_gemini.script(calls(Call("t", {"a": 1}), text="hm"))
    client = genai.Client(
        api_key="k", http_options=types.HttpOptions(base_url=fake_gemini.url, api_version="v1beta")
    )
    try:
        done = await client.aio.models.generate_content(model="g", contents="hi")
    finally:
        await client.aio.aclose()
        client.close()

    assert done.text == "hm"
    assert done.function_calls is not None and done.function_calls[0].args == {"a": 1}
    assert fake_gemini.requests[0].path == "/v1beta/models/g:generateContent"


async def test_fake_ollama_answers_without_streaming_and_lists_models(fake_ollama: FakeOllama):
    fake_ollama.script(calls(Call("t", {"a": 1}), text="ok"))
    client = ollama.AsyncClient(host=fake_ollama.url)
    try:
        done = await client.chat(model="m", messages=[{"role": "user", "content": "hi"}])
        listed = await client.list()
    finally:
        await client.close()

    assert done.message.content == "ok"
    assert done.message.tool_calls is not None and done.message.tool_calls[0].function.name == "t"
    assert [m.model for m in listed.models] == ["qwen-fake"]


async def test_fake_answers_500_when_the_script_runs_out(fake_openai: FakeOpenAI):
    client = openai.AsyncOpenAI(base_url=fake_openai.url, api_key="k", max_retries=0)
    async with client:
        with pytest.raises(openai.InternalServerError, match="no scripted turn left"):
            await client.chat.completions.create(model="m", messages=[])
