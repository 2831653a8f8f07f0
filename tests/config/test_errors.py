"""The error tree: every class is drawn in config/errors.py and raised somewhere."""

from __future__ import annotations

import re
from pathlib import Path

import agent.errors
import bridge.errors
import config.errors
import providers.errors
from config.errors import HostError

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("config", "providers", "bridge", "agent")
# Bases that are raised only as their subclasses, and caught as themselves.
BASES = {"HostError", "ProviderError", "BridgeError", "MCPError", "AgentError"}


def tree() -> list[type[HostError]]:
    modules = (config.errors, providers.errors, bridge.errors, agent.errors)
    found: list[type[HostError]] = []
    for module in modules:
        for name in module.__all__:
            value = getattr(module, name)
            if isinstance(value, type) and issubclass(value, HostError):
                found.append(value)
    return found


def source() -> str:
    return "\n".join(
        path.read_text() for package in PACKAGES for path in (ROOT / package).rglob("*.py")
    )


def test_every_error_class_is_drawn_in_the_tree():
    drawing = config.errors.__doc__ or ""
    missing = [cls.__name__ for cls in tree() if cls.__name__ not in drawing]
    assert missing == []


def test_every_error_class_outside_the_bases_is_raised_somewhere():
    text = source()
    unraised = [
        cls.__name__
        for cls in tree()
        if cls.__name__ not in BASES
        and not re.search(rf"\b{cls.__name__}\(", text.replace(f"class {cls.__name__}(", ""))
    ]
    assert unraised == []


def test_max_turns_and_interruption_are_not_errors_of_the_tree():
    names = {cls.__name__ for cls in tree()}
    assert "MaxTurnsError" not in names and "InterruptedRunError" not in names
