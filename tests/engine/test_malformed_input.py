"""Malformed input never escapes as anything but a ConductorError (generated, Hypothesis).

Each entry point gets a few hundred generated inputs (see ``_malformed.py``: valid documents
with one to three mutations each): ``Engine.test_workflow``,
``Engine.start_workflow``, ``Engine.register_workflow_def``, ``ConductorWorkflow.from_dict`` +
``validate``, the CLI's ``run`` and ``validate`` (an exit code and one line on stderr, no
traceback), and memory:// routes (no 500 made from a Python exception). The examples are
derandomized: every run, in CI and locally, tries the same inputs. For longer runs:
``python tests/engine/_malformed.py --count 5000``.
"""

from __future__ import annotations

import random
from typing import Any

import pytest
from _malformed import ENTRY_POINTS, EntryPoint, engine_test_workflow, valid_test_request
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conductor_testkit.engine import Engine
from conductor_testkit.errors import ConductorError
from conductor_testkit.models.jackson import ensure_recursion_headroom

# inputs as deep as the server reads raise the recursion limit once; do it before Hypothesis
# records the limit it restores after each test
ensure_recursion_headroom()

EXAMPLES = 150
FUZZ = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    print_blob=True,
)


def _send(entry: EntryPoint, rnd: random.Random) -> Any:
    document = entry.make(rnd)
    try:
        return entry.send(document)
    except ConductorError:
        return None


@pytest.mark.parametrize("name", sorted(ENTRY_POINTS))
@FUZZ
@given(rnd=st.randoms(use_true_random=False))
def test_malformed_input_gives_a_conductor_error(name: str, rnd: random.Random) -> None:
    _send(ENTRY_POINTS[name], rnd)


def test_the_generated_inputs_are_mostly_refused_and_sometimes_run() -> None:
    # the fuzzing is meaningful: most inputs are refused, some still run
    refused = ran = 0
    for seed in range(40):
        document = ENTRY_POINTS["Engine.test_workflow"].make(random.Random(seed))
        try:
            engine_test_workflow(document)
            ran += 1
        except ConductorError:
            refused += 1
    assert refused > 20 and ran > 5, (refused, ran)


def test_a_valid_generated_request_runs() -> None:
    request = valid_test_request(random.Random(3))
    engine = Engine()
    workflow = engine.test_workflow(request)
    assert workflow["workflowName"] == "fz_workflow"
