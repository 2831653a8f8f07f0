"""Fake model servers for the fault matrix (real HTTP on 127.0.0.1)."""

from tests.modelfakes.fixtures import fake_openai

__all__ = ["fake_openai"]
