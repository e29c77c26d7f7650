"""Errors as the server gives them: the corpus of invalid requests, replayed on memory://.

* offline: every case sent to a fresh in-memory engine through the REST router answers with the
  status, message and validation errors the real server gave (``golden.json``), or differs exactly
  as ``known_differences.py`` lists;
* integration (``-m integration``): the server still answers every case as recorded.

Record with ``python -m tests.fidelity.errors.record --server URL``.
"""

from __future__ import annotations

import json
from typing import Any, Dict, Iterator

import pytest
import requests

from conductor_testkit.testing.server import CONDUCTOR_SERVER_VERSION

from . import errorcases
from .known_differences import KNOWN_DIFFERENCES

CASES = {case["name"]: case for case in errorcases.load_cases()}
GOLDENS = errorcases.load_goldens()
MIN_CASES = 50


def test_the_corpus_is_large_and_recorded_on_the_pinned_server() -> None:
    assert len(CASES) >= MIN_CASES
    assert set(GOLDENS) == set(CASES)
    with errorcases.GOLDEN_FILE.open(encoding="utf-8") as handle:
        assert json.load(handle)["serverVersion"] == CONDUCTOR_SERVER_VERSION
    assert set(KNOWN_DIFFERENCES) <= set(CASES)


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


@pytest.mark.parametrize("name", sorted(set(CASES) - set(KNOWN_DIFFERENCES)))
def test_memory_answers_as_the_server(name: str) -> None:
    answer = errorcases.run_case(CASES[name], errorcases.memory_sender(errorcases.fresh_router()))
    lines = errorcases.difference(GOLDENS[name], answer)
    assert not lines, f"{name}: {CASES[name]['description']}\n" + "\n".join(lines)


@pytest.mark.parametrize("name", sorted(KNOWN_DIFFERENCES))
def test_memory_differs_only_as_listed(name: str) -> None:
    answer = errorcases.run_case(CASES[name], errorcases.memory_sender(errorcases.fresh_router()))
    known = KNOWN_DIFFERENCES[name]
    assert (answer["status"], answer.get("message")) == (known.memory_status, known.memory_message)
    assert errorcases.difference(GOLDENS[name], answer), f"{name} now agrees: drop its known difference"


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
