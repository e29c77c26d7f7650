"""REST scenarios: the engine's REST routes give the observations the real server gave.

(a) offline: every scenario run on a fresh engine (behind its REST router, virtual time) gives
    the observations of its golden, after normalisation;
(b) integration: the live server still gives them.
"""

from __future__ import annotations

from typing import List

import pytest
import requests

from conductor_testkit.testing.server import CONDUCTOR_SERVER_VERSION

from . import casefiles
from .scenario import (
    EngineApi,
    Observation,
    ServerApi,
    diff_observations,
    normalize_observations,
    run_scenario,
)

CASE_NAMES = casefiles.case_names()


def _diff(name: str, observed: List[Observation]) -> List[str]:
    return diff_observations(
        normalize_observations(casefiles.golden_observations(name)), normalize_observations(observed)
    )


def _explain(name: str, lines: List[str]) -> str:
    return f"{name}: {casefiles.load_case(name)['description']}\n" + "\n".join(f"  {line}" for line in lines)


def test_every_scenario_has_a_golden_of_the_pinned_server() -> None:
    assert CASE_NAMES and casefiles.golden_names() == CASE_NAMES
    assert {casefiles.load_golden(name)["serverVersion"] for name in CASE_NAMES} == {CONDUCTOR_SERVER_VERSION}


@pytest.mark.parametrize("name", CASE_NAMES)
def test_engine_gives_the_server_observations(name: str) -> None:
    lines = _diff(name, run_scenario(EngineApi(), casefiles.load_case(name)))
    assert lines == [], _explain(name, lines)


@pytest.mark.integration
@pytest.mark.parametrize("name", CASE_NAMES)
def test_live_server_gives_the_recorded_observations(
    name: str, conductor_server_url: str, server_session: requests.Session
) -> None:
    observed = run_scenario(ServerApi(server_session, conductor_server_url), casefiles.load_case(name))
    lines = _diff(name, observed)
    assert lines == [], _explain(name, lines)
