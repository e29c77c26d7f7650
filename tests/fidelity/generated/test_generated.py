"""Generated differential fidelity: every stored generated case run on the engine equals the
real server's recorded answer; the live server still answers as recorded; the strategy draws
cases the engine runs.

The corpus (``cases/gen_*.json``) was drawn from a fixed seed by ``record --generate``;
``cases/found_*.json`` are disagreements found by longer ``explore`` runs, kept as regressions.
"""

from __future__ import annotations

from typing import List

import pytest
import requests

from conductor_testkit.testing.server import CONDUCTOR_SERVER_VERSION

from .. import casefiles
from ..known_quirks import assert_agrees_or_quirk
from . import corpus
from .quirks import GENERATED_QUIRKS

CASE_NAMES = corpus.case_names()
MIN_GENERATED_CASES = 300
LIVE_ATTEMPTS = 3


def _explain(name: str, lines: List[str]) -> str:
    return f"{name}: {corpus.load_case(name)['description']}\n" + "\n".join(f"  {line}" for line in lines)


def test_corpus_holds_enough_cases_each_with_a_golden_of_the_pinned_server() -> None:
    generated = [name for name in CASE_NAMES if name.startswith("gen_")]
    assert len(generated) >= MIN_GENERATED_CASES
    assert corpus.golden_names() == CASE_NAMES
    assert {corpus.load_golden(name)["serverVersion"] for name in CASE_NAMES} == {CONDUCTOR_SERVER_VERSION}
    assert set(GENERATED_QUIRKS) <= set(CASE_NAMES)


def test_cases_use_their_own_workflow_names() -> None:
    # the server is shared with other suites: every name is the case's own
    for name in CASE_NAMES:
        request = corpus.load_case(name)["request"]
        expected = (
            corpus.NAME_PREFIX + name.split("_", 1)[1]
            if name.startswith("gen_")
            else corpus.NAME_PREFIX + name
        )
        assert request["name"] == request["workflowDef"]["name"] == expected


@pytest.mark.parametrize("name", CASE_NAMES)
def test_engine_run_matches_server_golden(name: str) -> None:
    case = corpus.load_case(name)
    lines = corpus.diff_run(corpus.load_golden(name)["workflow"], corpus.run_on_engine(case))
    quirk = GENERATED_QUIRKS.get(name)
    assert_agrees_or_quirk(name, lines, quirk, _explain(name, lines), "generated/quirks.py")


def test_strategy_draws_cases_the_engine_runs() -> None:
    # a fresh draw (not the stored corpus): the strategy still builds requests the engine takes
    cases = corpus.draw_cases(25, seed_value=1)
    assert len(cases) == 25
    statuses = set()
    for case in cases:
        workflow = corpus.run_on_engine(corpus.rename(case, "fid_gen_selfcheck"))
        statuses.add(workflow["status"])
        assert workflow["workflowName"] == "fid_gen_selfcheck"
    assert "COMPLETED" in statuses


@pytest.mark.integration
@pytest.mark.parametrize("name", CASE_NAMES)
def test_live_server_run_matches_golden(
    name: str, conductor_server_url: str, server_session: requests.Session
) -> None:
    case = corpus.load_case(name)
    golden = corpus.load_golden(name)["workflow"]
    lines: List[str] = []
    # a loaded server can lose a race with its own background worker (a JOIN evaluated late, a
    # SQLite write refused as busy); such a race does not repeat three times, golden drift does
    for _attempt in range(LIVE_ATTEMPTS):
        try:
            workflow = casefiles.run_on_server(server_session, conductor_server_url, case)
        except (RuntimeError, requests.RequestException) as exc:
            # a SQLite lock the server could not get, or a child workflow whose first decide its
            # sweeper left waiting until the endpoint's call timed out: load, not drift
            lines = [f"the server did not answer: {exc}"]
            continue
        lines = corpus.diff_run(golden, workflow)
        if not lines:
            return
    pytest.fail(f"differs from its golden in {LIVE_ATTEMPTS} runs; last run:\n" + _explain(name, lines))
