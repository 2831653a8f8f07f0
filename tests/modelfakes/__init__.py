"""Local fake model servers speaking the OpenAI, Gemini and Ollama wire formats.

Each is a real HTTP server on 127.0.0.1 driven by scripted turns; it records every request
so tests assert on what the real SDK sent. The pytest fixtures live in ``fixtures.py``.
"""

from .drive import collect
from .gemini_fake import FakeGemini
from .ollama_fake import FakeOllama
from .openai_fake import FakeOpenAI
from .script import Call, Fail, Hang, Raw, Reply, Stream, Turn, calls, text
from .server import FakeModelServer, Recorded, free_port

__all__ = [
    "Call",
    "Fail",
    "FakeGemini",
    "FakeModelServer",
    "FakeOllama",
    "FakeOpenAI",
    "Hang",
    "Raw",
    "Recorded",
    "Reply",
    "Stream",
    "Turn",
    "calls",
    "collect",
    "free_port",
    "text",
]
