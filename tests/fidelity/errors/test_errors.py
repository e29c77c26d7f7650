"""Errors as the server gives them: the corpus of invalid requests, replayed on memory://.

* offline: every case sent to a fresh in-memory engine through the REST router answers with the
  status, message and validation errors the real server gave (``golden.json``);
* integration (``-m integration``): the server still answers every case as recorded.

Record with ``python -m tests.fidelity.errors.record --server URL``.
"""

from __future__ import annotations

import json
from typing import Any, Dict, Iterator

import pytest
import requests

from conductor_testkit.errors import ConductorError
from conductor_testkit.models import jackson
from conductor_testkit.testing.server import CONDUCTOR_SERVER_VERSION

from . import errorcases

CASES = {case["name"]: case for case in errorcases.load_cases()}
GOLDENS = errorcases.load_goldens()
MIN_CASES = 50


def test_the_corpus_is_large_and_recorded_on_the_pinned_server() -> None:
    assert len(CASES) >= MIN_CASES
    assert set(GOLDENS) == set(CASES)
    with errorcases.GOLDEN_FILE.open(encoding="utf-8") as handle:
        assert json.load(handle)["serverVersion"] == CONDUCTOR_SERVER_VERSION


def test_cases_register_only_corpus_names() -> None:
    # the corpus shares the development server with other suites; a case that registers a valid
    # definition under a name other cases post (err_wf) would turn their 400 into a 409
    for name, case in CASES.items():
        for step in [*case.get("setup", []), case["request"]]:
            in_setup = step is not case["request"]
            if step["path"].startswith("/metadata") and step["method"] in ("POST", "PUT"):
                bodies = step.get("body")
                for body in bodies if isinstance(bodies, list) else [bodies]:
                    if isinstance(body, dict) and isinstance(body.get("name"), str) and body["name"]:
                        assert body["name"].startswith(errorcases.NAME_PREFIX), (name, body["name"])
                        assert not (in_setup and body["name"] == "err_wf"), name


def test_most_cases_are_errors() -> None:
    errors = [name for name, answer in GOLDENS.items() if answer["status"] >= 400]
    assert len(errors) >= MIN_CASES


@pytest.mark.parametrize("name", sorted(CASES))
def test_memory_answers_as_the_server(name: str) -> None:
    answer = errorcases.run_case(CASES[name], errorcases.memory_sender(errorcases.fresh_router()))
    lines = errorcases.difference(GOLDENS[name], answer)
    assert not lines, f"{name}: {CASES[name]['description']}\n" + "\n".join(lines)


@pytest.fixture(scope="module")
def server_session() -> Iterator[requests.Session]:
    with requests.Session() as session:
        yield session


@pytest.mark.integration
@pytest.mark.parametrize("name", sorted(CASES))
def test_server_still_answers_as_recorded(
    name: str, conductor_server_url: str, server_session: requests.Session
) -> None:
    answer: Dict[str, Any] = errorcases.run_case(
        CASES[name], errorcases.server_sender(conductor_server_url, server_session)
    )
    lines = errorcases.difference(GOLDENS[name], answer, ("golden", "live server"))
    assert not lines, f"{name}: the server's answer drifted from golden.json\n" + "\n".join(lines)


# the test endpoint's cases whose body the Python API can take as it is (a missing body is an
# HTTP matter; a request without a name takes its inline definition's name in the Python API)
_PYTHON_API_TEST_CASES = sorted(
    name
    for name, case in CASES.items()
    if case["request"]["path"] == "/workflow/test"
    and GOLDENS[name]["status"] >= 400
    and (case["request"].get("body") is not None or case["request"].get("bodyText"))
    and name != "test_no_name"
)


def test_the_python_api_cases_cover_the_test_endpoint() -> None:
    assert len(_PYTHON_API_TEST_CASES) >= 18


@pytest.mark.parametrize("name", _PYTHON_API_TEST_CASES)
def test_engine_test_workflow_fails_as_the_server(name: str) -> None:
    """``Engine.test_workflow`` (the Python way in) raises the server's status and message for
    every test request the server refuses, as a ConductorError that says where."""
    case = CASES[name]
    jackson.ensure_recursion_headroom()  # the deepest case parses 1,001 levels
    body = json.loads(errorcases.request_body_text(case))
    engine = errorcases.fresh_router().engine
    with pytest.raises(ConductorError) as raised:
        engine.test_workflow(body)
    golden = GOLDENS[name]
    error = raised.value
    assert (error.status, error.message) == (golden["status"], golden["message"])
    if golden.get("validationErrors"):
        expected = {(e["path"].split("arg0.", 1)[-1], e["message"]) for e in golden["validationErrors"]}
        assert {(e["path"], e["message"]) for e in error.validation_errors} == expected
    assert f"workflow {body['name']!r}" in str(error) or f"name={body['name']}" in str(error)
    if "taskRefToMockOutput.t1" in str(error) or "input 'forkTaskName'" in str(error):
        assert "task 't1'" in str(error)
