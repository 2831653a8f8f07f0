"""The conformance suites' server scenarios, against our conformance server directly and
through ``agent serve`` fronting it as the only fleet server (``prefix: ""`` keeps its names).

Three legs: 0.1.16's whole suite at its own wire, and 0.2.0-alpha.12's whole suite at
2025-11-25 (the handshake) and at 2026-07-28 (stateless). Each leg runs once per target in
one harness process (a node start per scenario would cost ~1 s each); each scenario is then
its own test, judged by the checks the harness wrote for it. Goal: every scenario that
passes directly passes through the gateway; the gaps are marked below, one reason each.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conformance.harness import LegRun, Listening, listening, node_or_skip, run_leg

ROOT = Path(__file__).parent.parent.parent
SERVER = ROOT / "tests" / "servers" / "conformance_server.py"

_HANDSHAKE_2025 = [
    "server-initialize",
    "logging-set-level",
    "ping",
    "completion-complete",
    "tools-list",
    "tools-call-simple-text",
    "tools-call-image",
    "tools-call-audio",
    "tools-call-embedded-resource",
    "tools-call-mixed-content",
    "tools-call-with-logging",
    "tools-call-error",
    "tools-call-with-progress",
    "tools-call-sampling",
    "tools-call-elicitation",
    "json-schema-2020-12",
    "elicitation-sep1034-defaults",
    "server-sse-polling",
    "server-sse-multiple-streams",
    "elicitation-sep1330-enums",
    "resources-list",
    "resources-read-text",
    "resources-read-binary",
    "resources-templates-read",
    "resources-subscribe",
    "resources-unsubscribe",
    "prompts-list",
    "prompts-get-simple",
    "prompts-get-with-args",
    "prompts-get-embedded-resource",
    "prompts-get-with-image",
    "dns-rebinding-protection",
]

_STATELESS_2026 = [
    "server-stateless",
    "completion-complete",
    "tools-list",
    "tools-call-simple-text",
    "tools-call-image",
    "tools-call-audio",
    "tools-call-embedded-resource",
    "tools-call-mixed-content",
    "tools-call-error",
    "tools-call-with-progress",
    "json-schema-2020-12",
    "server-sse-multiple-streams",
    "resources-list",
    "resources-read-text",
    "resources-read-binary",
    "resources-templates-read",
    "sep-2164-resource-not-found",
    "prompts-list",
    "prompts-get-simple",
    "prompts-get-with-args",
    "prompts-get-embedded-resource",
    "prompts-get-with-image",
    "dns-rebinding-protection",
    "caching",
    "http-header-validation",
    "http-custom-header-server-validation",
    "input-required-result-basic-elicitation",
    "input-required-result-basic-sampling",
    "input-required-result-basic-list-roots",
    "input-required-result-request-state",
    "input-required-result-multiple-input-requests",
    "input-required-result-multi-round",
    "input-required-result-missing-input-response",
    "input-required-result-non-tool-request",
    "input-required-result-result-type",
    "input-required-result-unsupported-methods",
    "input-required-result-tampered-state",
    "input-required-result-capability-check",
    "input-required-result-ignore-extra-params",
    "input-required-result-validate-input",
]


@dataclass(frozen=True)
class Leg:
    suite: str
    options: tuple[str, ...]
    scenarios: list[str]


# What each leg runs (`conformance list --server`, filtered as the options filter). The
# skills (sep-2640) and tasks extensions are out of scope: --spec-version leaves them out.
LEGS = {
    "0.1.16": Leg("0.1.16", ("--suite", "all"), _HANDSHAKE_2025),
    "2025-11-25": Leg(
        "0.2.0-alpha.12",
        ("--suite", "all", "--spec-version", "2025-11-25"),
        ["server-initialize", "server-session-lifecycle", *_HANDSHAKE_2025[1:]],
    ),
    "2026-07-28": Leg(
        "0.2.0-alpha.12", ("--suite", "all", "--spec-version", "2026-07-28"), _STATELESS_2026
    ),
}

# Scenarios that pass directly but not through the gateway, with the checks that fail there.
GATEWAY_GAPS: dict[tuple[str, str], str] = {}


def _cases(through_gateway: bool) -> Iterator[object]:
    for name, leg in LEGS.items():
        for scenario in leg.scenarios:
            reason = GATEWAY_GAPS.get((name, scenario)) if through_gateway else None
            marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
            yield pytest.param(name, scenario, id=f"{name}/{scenario}", marks=marks)


@pytest.fixture(scope="module")
def node() -> Path:
    return node_or_skip()


@pytest.fixture(scope="module")
def conformance_server(node: Path) -> Iterator[Listening]:
    with listening([sys.executable, str(SERVER), "streamable-http"], ROOT) as served:
        yield served


@pytest.fixture(scope="module")
def gateway(conformance_server: Listening, tmp_path_factory: pytest.TempPathFactory):
    config = tmp_path_factory.mktemp("gateway") / "agent.yaml"
    config.write_text(
        f'servers:\n  conformance:\n    url: {conformance_server.url}\n    prefix: ""\n'
    )
    argv = [sys.executable, "-m", "agent", "serve", "--config", str(config)]
    with listening([*argv, "--http", "127.0.0.1:0"], ROOT) as served:
        yield served


@pytest.fixture(scope="module")
def legs(node: Path, tmp_path_factory: pytest.TempPathFactory) -> Callable[..., LegRun]:
    """Each leg's run against a target, made on first use and kept for the module."""
    runs: dict[tuple[str, str], LegRun] = {}

    def run(target: Listening, name: str) -> LegRun:
        if (target.url, name) not in runs:
            out = tmp_path_factory.mktemp("results")
            leg = LEGS[name]
            runs[target.url, name] = run_leg(node, leg.suite, target.url, leg.options, out)
        return runs[target.url, name]

    return run


@pytest.mark.timeout(300)
@pytest.mark.parametrize(("leg", "scenario"), _cases(through_gateway=False))
def test_server_scenario_passes_against_the_conformance_server(
    legs, conformance_server, leg, scenario
):
    failed = legs(conformance_server, leg).failures(scenario)
    assert not failed, "\n".join(failed)


@pytest.mark.timeout(300)
@pytest.mark.parametrize(("leg", "scenario"), _cases(through_gateway=True))
def test_server_scenario_passes_through_the_gateway(legs, gateway, leg, scenario):
    failed = legs(gateway, leg).failures(scenario)
    assert not failed, "\n".join(failed)


@pytest.mark.timeout(300)
@pytest.mark.parametrize("leg", LEGS)
def test_each_leg_runs_exactly_the_scenarios_listed_here(legs, conformance_server, leg):
    # A scenario the harness added (or dropped) must be added here (or removed) by hand.
    assert sorted(legs(conformance_server, leg).checks) == sorted(LEGS[leg].scenarios)
