"""Fake model servers for the end-to-end CLI tests (real HTTP on 127.0.0.1)."""

from tests.modelfakes.fixtures import fake_gemini, fake_ollama, fake_openai

__all__ = ["fake_gemini", "fake_ollama", "fake_openai"]
