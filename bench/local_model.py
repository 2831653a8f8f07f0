"""Benchmark: the local provider against llama-cpp-python called directly (the floor).

Same model (SmolLM2-135M-Instruct), same prompt, same settings (temperature 0, a fixed seed,
the same token budget, the same threads). Each side runs in a fresh process of its own, one
after the other: llama.cpp's OpenMP team belongs to the thread that computes, and a team
one side left idle in a shared process slows the other down. Measured per run: time to the
first token of a streamed answer, tokens per second over the answer, time to a complete
grammar-constrained tool call, and the process's peak RSS.

Target: our overhead within 5% of the floor (first token, tokens per second, tool call).
Run: python bench/local_model.py [--runs 5] [--tokens 128]   (needs the local extra)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from llama_cpp import Llama  # noqa: E402

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


async def one_side(side: str, tokens: int) -> dict[str, float]:
    """Load, warm up, then measure one side once; runs in its own process."""
    provider = create("local", "smollm2", seed=SEED, temperature=0)
    if side == "floor":
        llama = Llama(
            model_path=str(default_model_path()),
            n_ctx=8192,
            seed=SEED,
            verbose=False,
            n_threads=provider._key[2],  # the provider's own default: the same threads
        )
        floor_text(llama, 8)
        llama.reset()
        first, rate = floor_text(llama, tokens)
        llama.reset()
        call = floor_call(llama)
    else:
        await ours_text(provider, 8)
        _load(provider._key)[0].reset()
        first, rate = await ours_text(provider, tokens)
        _load(provider._key)[0].reset()
        call = await ours_call(provider)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"first": first, "rate": rate, "call": call, "rss": rss}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--tokens", type=int, default=128)
    parser.add_argument("--side", choices=("floor", "ours"), help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.side:
        print(json.dumps(asyncio.run(one_side(options.side, options.tokens))))
        return
    results: dict[str, list[dict[str, float]]] = {"floor": [], "ours": []}
    for _ in range(options.runs):  # alternated, so drift in machine load hits both
        for side in ("floor", "ours"):
            done = subprocess.run(
                [sys.executable, __file__, "--side", side, "--tokens", str(options.tokens)],
                capture_output=True,
                text=True,
                check=True,
            )
            results[side].append(json.loads(done.stdout.splitlines()[-1]))

    def median(side: str, key: str) -> float:
        return statistics.median(r[key] for r in results[side])

    print(f"model {default_model_path().name}, {options.tokens} tokens, {options.runs} runs")
    print(f"{'':24}{'floor':>10}{'ours':>10}{'overhead':>10}")
    for label, key, scale, better in (
        ("first token (ms)", "first", 1000, False),
        ("tokens/s", "rate", 1, True),
        ("tool call (ms)", "call", 1000, False),
        ("peak RSS (MiB)", "rss", 1, False),
    ):
        floor, ours = median("floor", key), median("ours", key)
        print(
            f"{label:24}{floor * scale:>10.1f}{ours * scale:>10.1f}"
            f"{overhead(ours, floor, better):>10}"
        )
    print("target: overhead within +5% on each line")


if __name__ == "__main__":
    main()
