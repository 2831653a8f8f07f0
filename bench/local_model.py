"""Benchmark: the local provider against llama-cpp-python called directly (the floor).

Same model (SmolLM2-135M-Instruct), same prompt, same settings (temperature 0, a fixed seed,
the same token budget), both in this process on the same loaded weights. Measured per run:
time to the first token of a streamed answer, tokens per second over the answer, time to a
complete grammar-constrained tool call, and the process's peak RSS.

Target: our overhead within 5% of the floor (first token, tokens per second, tool call).
Run: python bench/local_model.py [--runs 5] [--tokens 128]   (needs the local extra)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from providers import ChatRequest, Finish, TextDelta, ToolSpec, UserMessage, create  # noqa: E402
from providers.local import _load, call_schema, default_model_path  # noqa: E402

PROMPT = "Tell me about the history of the bicycle."
TOOL = ToolSpec(
    "codes__lookup_code",
    "The secret code for a word",
    {
        "type": "object",
        "properties": {"word": {"type": "string", "maxLength": 24}},
        "required": ["word"],
        "additionalProperties": False,
    },
)
SEED = 11
EOS = 2  # biased away so both sides generate exactly the token budget


def floor_text(llama, tokens: int) -> tuple[float, float]:
    """(seconds to the first token, tokens per second) from llama-cpp-python directly."""
    began = time.perf_counter()
    first = None
    count = 0
    for chunk in llama.create_chat_completion(
        [{"role": "user", "content": PROMPT}],
        stream=True,
        temperature=0,
        seed=SEED,
        max_tokens=tokens,
        logit_bias={EOS: -100.0},
    ):
        if chunk["choices"][0]["delta"].get("content"):
            count += 1
            first = first or time.perf_counter()
    end = time.perf_counter()
    assert first is not None
    return first - began, count / (end - first)


def floor_call(llama) -> float:
    from llama_cpp.llama_grammar import LlamaGrammar

    began = time.perf_counter()
    grammar = LlamaGrammar.from_json_schema(json.dumps(call_schema([TOOL])), verbose=False)
    out = llama.create_chat_completion(
        [{"role": "user", "content": "What is the secret code for apple?"}],
        temperature=0,
        seed=SEED,
        grammar=grammar,
        max_tokens=200,
    )
    json.loads(out["choices"][0]["message"]["content"], strict=False)
    return time.perf_counter() - began


async def ours_text(provider, tokens: int) -> tuple[float, float]:
    request = ChatRequest(
        [UserMessage(PROMPT)], max_tokens=tokens, options={"logit_bias": {EOS: -100.0}}
    )
    began = time.perf_counter()
    first = None
    count = 0
    async for event in provider.stream(request):
        if isinstance(event, TextDelta):
            count += 1
            first = first or time.perf_counter()
    end = time.perf_counter()
    assert first is not None
    return first - began, count / (end - first)


async def ours_call(provider) -> float:
    request = ChatRequest(
        [UserMessage("What is the secret code for apple?")],
        tools=[TOOL],
        tool_choice=TOOL.name,
        max_tokens=200,
    )
    began = time.perf_counter()
    async for event in provider.stream(request):
        if isinstance(event, Finish):
            assert event.message.tool_calls, "no call came back"
    return time.perf_counter() - began


def overhead(ours: float, floor: float, higher_is_better: bool = False) -> str:
    change = (floor / ours - 1) if higher_is_better else (ours / floor - 1)
    return f"{change * 100:+.1f}%"


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--tokens", type=int, default=128)
    options = parser.parse_args()
    provider = create("local", "smollm2", seed=SEED, temperature=0)
    key = provider._key  # the very model object the provider uses: one load, shared weights
    llama, _ = _load(key)
    # Warm both paths once (first-use allocations, grammar tables).
    floor_text(llama, 8)
    await ours_text(provider, 8)

    rows: dict[str, list[tuple[float, float]]] = {"floor": [], "ours": []}
    calls: dict[str, list[float]] = {"floor": [], "ours": []}
    for _ in range(options.runs):  # interleaved, so drift in machine load hits both
        # reset(): no side may reuse the other's evaluated prompt from llama.cpp's cache.
        llama.reset()
        rows["floor"].append(floor_text(llama, options.tokens))
        llama.reset()
        rows["ours"].append(await ours_text(provider, options.tokens))
        llama.reset()
        calls["floor"].append(floor_call(llama))
        llama.reset()
        calls["ours"].append(await ours_call(provider))

    def median(side: str, index: int) -> float:
        return statistics.median(r[index] for r in rows[side])

    print(f"model {default_model_path().name}, {options.tokens} tokens, {options.runs} runs")
    print(f"{'':24}{'floor':>10}{'ours':>10}{'overhead':>10}")
    for label, index, better in (("first token (ms)", 0, False), ("tokens/s", 1, True)):
        floor, ours = median("floor", index), median("ours", index)
        scale = 1000 if index == 0 else 1
        print(
            f"{label:24}{floor * scale:>10.1f}{ours * scale:>10.1f}"
            f"{overhead(ours, floor, better):>10}"
        )
    floor_c, ours_c = statistics.median(calls["floor"]), statistics.median(calls["ours"])
    print(
        f"{'tool call (ms)':24}{floor_c * 1000:>10.1f}{ours_c * 1000:>10.1f}"
        f"{overhead(ours_c, floor_c):>10}"
    )
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS of the process: {rss:.0f} MiB (one copy of the weights, shared)")
    print("target: overhead within +5% on each line")
    await provider.aclose()


if __name__ == "__main__":
    asyncio.run(main())
