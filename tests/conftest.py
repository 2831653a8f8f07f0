"""Shared fixtures: where the npm reference servers live, and the Python running tests."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

NPM_DIR = Path(__file__).parent / "npm"
NPM_BIN = NPM_DIR / "node_modules" / ".bin"


@pytest.fixture(scope="session")
def npm_server():
    """Return a function giving the path of an npm reference server's binary.

    The servers are installed by ``.ci/run`` (``npm ci`` in tests/npm). Without node they
    are skipped, unless AGENT_REQUIRE_NPM is set (CI sets it), where a missing server fails.
    """

    def find(name: str) -> str:
        path = NPM_BIN / name
        if path.exists() and shutil.which("node"):
            return str(path)
        reason = f"{name} is not installed: run `npm ci --prefix tests/npm`"
        if os.environ.get("AGENT_REQUIRE_NPM"):
            pytest.fail(reason)
        pytest.skip(reason)

    return find


@pytest.fixture(scope="session")
def python() -> str:
    return sys.executable


@pytest.fixture(autouse=True)
def _own_cache_dir(monkeypatch, tmp_path_factory):
    """Each test gets an empty XDG cache (the catalog cache), never the user's own."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("xdg-cache")))


@pytest.fixture(autouse=True)
def _forget_secrets():
    """Each test starts with an empty secret registry (config/secrets.py is process-wide)."""
    from config.secrets import forget_all

    yield
    forget_all()
