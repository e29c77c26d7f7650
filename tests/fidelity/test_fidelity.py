"""Differential fidelity: every case run on the engine equals the real server's recorded run.

(a) offline: the engine's run of each case, normalised, equals the normalised golden (or shows
    exactly the difference documented in known_quirks.py);
(b) integration: the live server still answers each case as its golden says (no golden drift).
"""

from __future__ import annotations

from typing import Any, Dict, List

import pytest
import requests

from conductor_testkit.testing.compare import diff_workflows, normalize_workflow
from conductor_testkit.testing.server import CONDUCTOR_SERVER_VERSION

from . import casefiles
from .known_quirks import KNOWN_QUIRKS, assert_agrees_or_quirk

CASE_NAMES = casefiles.case_names()
# The issue asks for at least 60 workflows that compare equal (quirks do not count).
MIN_EQUAL_CASES = 60
LIVE_ATTEMPTS = 3


def _diff_against_golden(name: str, workflow: Dict[str, Any]) -> List[str]:
    golden = casefiles.load_golden(name)
    return diff_workflows(normalize_workflow(golden["workflow"]), normalize_workflow(workflow))


def _explain(name: str, lines: List[str]) -> str:
    description = casefiles.load_case(name)["description"]
    return f"{name}: {description}\n" + "\n".join(f"  {line}" for line in lines)


def test_every_case_has_a_golden_of_the_pinned_server() -> None:
    assert casefiles.golden_names() == CASE_NAMES
    versions = {casefiles.load_golden(name)["serverVersion"] for name in CASE_NAMES}
    assert versions == {CONDUCTOR_SERVER_VERSION}


def test_known_quirks_name_existing_cases_and_leave_enough_equal_cases() -> None:
    assert set(KNOWN_QUIRKS) <= set(CASE_NAMES)
    assert len(CASE_NAMES) - len(KNOWN_QUIRKS) >= MIN_EQUAL_CASES


def test_case_requests_use_fidelity_names() -> None:
    # Cases share the development server with other suites: names must be ours.
    for name in CASE_NAMES:
        request = casefiles.load_case(name)["request"]
        assert request["name"] == request["workflowDef"]["name"] == f"fid_{name}"
        for entry in casefiles.prerequisites(casefiles.load_case(name)):
            (definition,) = entry.values()
            assert definition["name"].startswith("fid_"), (name, definition["name"])


@pytest.mark.parametrize("name", CASE_NAMES)
def test_engine_run_matches_server_golden(name: str) -> None:
    case = casefiles.load_case(name)
    lines = _diff_against_golden(name, casefiles.run_on_engine(case))
    assert_agrees_or_quirk(name, lines, KNOWN_QUIRKS.get(name), _explain(name, lines), "known_quirks.py")


@pytest.mark.integration
@pytest.mark.parametrize("name", CASE_NAMES)
def test_live_server_run_matches_golden(
    name: str, conductor_server_url: str, server_session: requests.Session
) -> None:
    case = casefiles.load_case(name)
    casefiles.register_on_server(server_session, conductor_server_url, case)
    lines: List[str] = []
    # Under heavy load the test endpoint can lose a race with the server's own background JOIN
    # worker: seen as a workflow returned RUNNING after its JOIN completed (the worker's decide,
    # finding the workflow locked by the endpoint's, is re-queued to the sweeper, and the endpoint
    # stops polling first). Such a race does not repeat; golden drift does.
    for _attempt in range(LIVE_ATTEMPTS):
        workflow = casefiles.run_on_server(server_session, conductor_server_url, case)
        lines = _diff_against_golden(name, workflow)
        if not lines:
            return
    pytest.fail(f"differs from its golden in {LIVE_ATTEMPTS} runs; last run:\n" + _explain(name, lines))
