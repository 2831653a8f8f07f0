"""Fixtures for the provider tests: the fake model servers."""

from tests.modelfakes.fixtures import fake_gemini, fake_ollama, fake_openai

__all__ = ["fake_gemini", "fake_ollama", "fake_openai"]
