"""How a run looks: the answer on stdout and tool activity on stderr, or JSONL events.

The JSONL stream (``--output jsonl``) is versioned: every line carries ``"v": 1``; its
event types and fields are documented in docs/jsonl.md. Both masks secrets; text output is
sanitized for the terminal, JSONL escapes what a terminal would act on (agent/terminal.py).
"""

from __future__ import annotations

import json
import sys
from typing import Any, Protocol, TextIO

from agent.terminal import clean, dumps, sanitize
from bridge import events as ev
from bridge.calllog import ToolStats
from config.secrets import StreamMasker

__all__ = ["JSONL_VERSION", "JsonlRenderer", "Renderer", "TextRenderer", "sanitize"]

JSONL_VERSION = 1


class Renderer(Protocol):
    def event(self, event: ev.Event) -> None: ...

    def error(self, message: str, code: int) -> None: ...


def _short(value: Any, limit: int = 120) -> str:
    text = clean(json.dumps(value, ensure_ascii=False, default=str))
    return text if len(text) <= limit else text[: limit - 1] + "…"


class TextRenderer:
    """The answer streams to ``out``; tools, progress and notes go to ``err``."""

    def __init__(self, out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> None:
        self.out = out
        self.err = err
        self._last = "\n"
        self._stream = StreamMasker()  # a secret cut between two deltas is still masked

    def event(self, event: ev.Event) -> None:
        if not isinstance(event, ev.TextDelta):
            self._answer(self._stream.flush())
        match event:
            case ev.TextDelta(text=text):
                self._answer(self._stream.feed(text))
            case ev.ToolCallStarted(name=name, arguments=arguments):
                self._note(f"→ {name} {_short(arguments)}")
            case ev.ToolProgress(progress=progress, total=total, message=message):
                of = f"/{total:g}" if total is not None else ""
                self._note(f"  … {progress:g}{of} {message or ''}".rstrip())
            case ev.ToolCallFinished(name=name, status=status, text=text, duration=duration):
                # Masked before it is cut, so a cut cannot leave half a secret.
                first = clean(text).strip().splitlines()[0] if text.strip() else ""
                mark = {"done": "✓", "failed": "✗", "denied": "⊘"}[status]
                detail = f": {first[:200]}" if status != "done" else ""
                self._note(f"{mark} {name} ({duration:.2f}s){detail}")
            case ev.Notice(message=message):
                self._note(f"agent: {message}")
            case ev.SamplingFinished(server=server, outcome=outcome, model=model, usage=usage):
                tokens = f", {usage.input_tokens}+{usage.output_tokens} tokens" if usage else ""
                what = f"answered by {model}{tokens}" if outcome == "allowed" else "refused"
                self._note(f"agent: sampling request from {server}: {what}")
            case ev.ToolsLoaded(query=query, names=names, visible=visible, total=total):
                loaded = ", ".join(names) or "nothing"
                self._note(
                    f"agent: tool search {query!r} loaded {loaded} ({visible}/{total} tools)"
                )
            case ev.RunFinished():
                if self._last != "\n":
                    self.out.write("\n")
                    self.out.flush()
            case _:
                pass

    def error(self, message: str, code: int) -> None:
        self._answer(self._stream.flush())  # the command line prints the error itself

    def _answer(self, text: str) -> None:
        if text:
            self.out.write(sanitize(text))
            self.out.flush()
            self._last = text[-1]

    def _note(self, line: str) -> None:
        if self._last != "\n":
            self.out.write("\n")
            self.out.flush()
            self._last = "\n"
        print(clean(line), file=self.err, flush=True)


class JsonlRenderer:
    """One JSON object per line on ``out`` for every event."""

    def __init__(self, out: TextIO = sys.stdout) -> None:
        self.out = out
        self._stream = StreamMasker()  # a secret cut between two deltas is still masked

    def _write(self, kind: str, **fields: Any) -> None:
        if kind != "text" and (held := self._stream.flush()):
            self._write("text", text=held)
        line = {"v": JSONL_VERSION, "type": kind, **fields}
        self.out.write(dumps(line) + "\n")
        self.out.flush()

    def event(self, event: ev.Event) -> None:
        match event:
            case ev.TextDelta(text=text):
                if shown := self._stream.feed(text):
                    self._write("text", text=shown)
            case ev.ToolCallStarted(call_id=call_id, name=name, arguments=arguments, server=server):
                self._write("tool_call", id=call_id, name=name, arguments=arguments, server=server)
            case ev.ToolProgress(call_id=call_id, progress=progress, total=total, message=message):
                self._write(
                    "tool_progress", id=call_id, progress=progress, total=total, message=message
                )
            case ev.ToolCallFinished() as done:
                self._write(
                    "tool_result",
                    id=done.call_id,
                    name=done.name,
                    status=done.status,
                    text=done.text,
                    structured=done.structured,
                    duration=round(done.duration, 4),
                )
            case ev.TurnFinished(turn=turn, tool_calls=calls, usage=usage):
                tokens = (
                    None
                    if usage is None
                    else {"input": usage.input_tokens, "output": usage.output_tokens}
                )
                self._write("turn", turn=turn, tool_calls=calls, usage=tokens)
            case ev.Notice(message=message):
                self._write("notice", message=message)
            case ev.SamplingFinished(server=server, outcome=outcome, model=model, usage=usage):
                tokens = (
                    None
                    if usage is None
                    else {"input": usage.input_tokens, "output": usage.output_tokens}
                )
                self._write("sampling", server=server, outcome=outcome, model=model, usage=tokens)
            case ev.ToolsLoaded(query=query, names=names, visible=visible, total=total):
                self._write(
                    "tools_loaded", query=query, names=list(names), visible=visible, total=total
                )
            case ev.CallSummary(tools=tools):
                self._write("summary", tools=[_stats(row) for row in tools])
            case ev.RunFinished(reason=reason, text=text, turns=turns, usage=usage):
                tokens = {"input": usage.input_tokens, "output": usage.output_tokens}
                self._write("done", reason=reason, text=text, turns=turns, usage=tokens)

    def error(self, message: str, code: int) -> None:
        self._write("error", message=message, exit_code=code)


def _stats(row: ToolStats) -> dict[str, Any]:
    return {
        "server": row.server,
        "tool": row.tool,
        "calls": row.calls,
        "errors": row.errors,
        "error_rate": round(row.error_rate, 4),
        "cached": row.cached,
        "refused": row.refused,
        "p50_ms": row.p50_ms,
        "p95_ms": row.p95_ms,
        "p99_ms": row.p99_ms,
    }
