"""The official MCP conformance suites' client scenarios, each run against our bridge.

Two lines are pinned in package.json: 0.1.16 (the dist-tag latest) and, under the npm
alias ``conformance-next``, 0.2.0-alpha.12 with the 2026-07-28 revision and the auth
extensions. Both bins are named ``conformance``, so each is run by its own entry point.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conformance.harness import BIN, HERE, SUITES, node_or_skip

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

# The client scenarios of 0.2.0-alpha.12 (`conformance list --client`): 2026-07-28 core,
# the authorization additions, and the extensions. The four sep-2640 (skills) scenarios
# pass without checks: their checks are SKIPPED for a client that never lists skills.
NEXT_SCENARIOS = [
    "initialize",
    "tools_call",
    "elicitation-sep1034-client-defaults",
    "sse-retry",
    "request-metadata",
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
    "auth/authorization-server-migration",
    "auth/iss-supported",
    "auth/iss-not-advertised",
    "auth/iss-supported-missing",
    "auth/iss-wrong-issuer",
    "auth/iss-unexpected",
    "auth/iss-normalized",
    "auth/metadata-issuer-mismatch",
    "auth/client-credentials-jwt",
    "auth/client-credentials-basic",
    "auth/enterprise-managed-authorization",
    "auth/dpop",
    "auth/dpop-nonce",
    "auth/wif-jwt-bearer",
    "sep-2322-client-request-state",
    "http-standard-headers",
    "http-custom-headers",
    "http-invalid-tool-headers",
    "json-schema-ref-no-deref",
    "json-schema-2020-12-preservation",
    "sep-2640-client-no-prefetch",
    "sep-2640-client-verify-digest",
    "sep-2640-client-verify-size",
    "sep-2640-client-verify-frontmatter",
]


@pytest.fixture(scope="module")
def node() -> Path:
    return node_or_skip()


def run_scenario(node: Path, suite: str, scenario: str, out: Path) -> None:
    command = [
        str(node),
        str(SUITES[suite]),
        "client",
        "--command",
        f"{sys.executable} {HERE / 'client.py'}",
        "--scenario",
        scenario,
        "--timeout",
        "120000",
        "-o",
        str(out),
    ]
    # The harness needs node 22: the one installed beside it goes first on PATH.
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=280)
    summary = [line for line in done.stdout.splitlines() if "Passed" in line or "FAIL" in line]
    assert done.returncode == 0, "\n".join(summary) or done.stdout[-3000:] + done.stderr[-2000:]


@pytest.mark.timeout(300)
@pytest.mark.parametrize("scenario", SCENARIOS)
def test_client_scenario_passes(node, scenario, tmp_path):
    run_scenario(node, "0.1.16", scenario, tmp_path)


@pytest.mark.timeout(300)
@pytest.mark.parametrize("scenario", NEXT_SCENARIOS)
def test_client_scenario_of_the_2026_suite_passes(node, scenario, tmp_path):
    run_scenario(node, "0.2.0-alpha.12", scenario, tmp_path)
