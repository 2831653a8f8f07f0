"""The official MCP conformance suite's client scenarios, each run against our bridge."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).parent
BIN = HERE / "node_modules" / ".bin"
BASELINE = HERE / "expected-failures.yml"

# The client scenarios of @modelcontextprotocol/conformance 0.1.16 (`conformance list --client`).
SCENARIOS = [
    "initialize",
    "tools_call",
    "elicitation-sep1034-client-defaults",
    "sse-retry",
    "auth/metadata-default",
    "auth/metadata-var1",
    "auth/metadata-var2",
    "auth/metadata-var3",
    "auth/basic-cimd",
    "auth/scope-from-www-authenticate",
    "auth/scope-from-scopes-supported",
    "auth/scope-omitted-when-undefined",
    "auth/scope-step-up",
    "auth/scope-retry-limit",
    "auth/token-endpoint-auth-basic",
    "auth/token-endpoint-auth-post",
    "auth/token-endpoint-auth-none",
    "auth/pre-registration",
    "auth/2025-03-26-oauth-metadata-backcompat",
    "auth/2025-03-26-oauth-endpoint-fallback",
    "auth/resource-mismatch",
    "auth/offline-access-scope",
    "auth/offline-access-not-supported",
    "auth/client-credentials-jwt",
    "auth/client-credentials-basic",
    "auth/cross-app-access-complete-flow",
]


@pytest.fixture(scope="module")
def harness() -> Path:
    conformance = BIN / "conformance"
    if not conformance.exists() or not (BIN / "node").exists():
        reason = "the conformance suite is not installed: run `npm ci --prefix tests/conformance`"
        if os.environ.get("AGENT_REQUIRE_NPM"):
            pytest.fail(reason)
        pytest.skip(reason)
    return conformance


@pytest.mark.timeout(300)
@pytest.mark.parametrize("scenario", SCENARIOS)
def test_client_scenario_passes(harness, scenario, tmp_path):
    command = [
        str(harness),
        "client",
        "--command",
        f"{sys.executable} {HERE / 'client.py'}",
        "--scenario",
        scenario,
        "--timeout",
        "120000",
        "-o",
        str(tmp_path),
    ]
    if BASELINE.exists():
        command += ["--expected-failures", str(BASELINE)]
    # The harness needs node 22: the one installed beside it goes first on PATH.
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=280)
    summary = [line for line in done.stdout.splitlines() if "Passed" in line or "FAIL" in line]
    assert done.returncode == 0, "\n".join(summary) or done.stdout[-3000:] + done.stderr[-2000:]
