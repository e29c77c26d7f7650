"""Parallel tests on one server never take each other's tasks (pytest-xdist, remote and live backends).

Two tests run in two xdist workers at the same time with the same workflow and the same task
types, first on the remote backend, then on the live one; each meets the other before each run
(a test that ran alone would fail its wait), and its tasks take long enough for the two
runs to overlap. On the live backend each run has its own task domain, so each worker thread only
gets its own run's tasks (a task of the other run would fail the test's assertion in the worker);
on the remote backend the server's test endpoint isolates each run the same way.
"""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]
pytestmark = pytest.mark.integration

PARALLEL_TESTS = """
import pathlib
import time

import pytest

from conductor_testkit.testing import Harness, LiveBackend, RemoteBackend

BARRIERS = pathlib.Path({barriers!r})
WORKFLOW = {{
    "name": "{name}",
    "version": 1,
    "tasks": [
        {{"name": "parallel_" + ref, "taskReferenceName": ref, "type": "SIMPLE",
          "inputParameters": {{"tag": "${{workflow.input.tag}}"}}}}
        for ref in ("a", "b", "c")
    ],
}}


def meet(backend, tag):
    barrier = BARRIERS / backend
    barrier.mkdir(parents=True, exist_ok=True)
    (barrier / tag).touch()
    deadline = time.monotonic() + 120
    while len(list(barrier.iterdir())) < 2:
        assert time.monotonic() < deadline, f"the other {{backend}} test did not start"
        time.sleep(0.05)


def run(request, backend, tag):
    url = request.config.getoption("conductor_server_url")
    if backend == "live":
        def step(task_input):
            other = task_input["tag"]
            assert other == tag, f"the {{tag}} run's worker got a task of the {{other}} run"
            time.sleep(0.3)  # the two runs overlap
            return {{"tag": tag}}

        harness = Harness(LiveBackend(url))
        mocks = {{ref: step for ref in ("a", "b", "c")}}
    else:
        harness = Harness(RemoteBackend(url))
        mocks = {{ref: {{"tag": tag}} for ref in ("a", "b", "c")}}
    meet(backend, tag)
    execution = harness.run(WORKFLOW, {{"tag": tag}}, mocks)
    execution.assert_completed()
    assert [t.output_data["tag"] for t in execution.tasks] == [tag, tag, tag]
    assert execution.input == {{"tag": tag}}


@pytest.mark.xdist_group("left")
def test_left(request):
    run(request, "remote", "left")
    run(request, "live", "left")


@pytest.mark.xdist_group("right")
def test_right(request):
    run(request, "remote", "right")
    run(request, "live", "right")
"""


def test_two_xdist_workers_run_the_same_task_types_at_once_without_taking_each_others_tasks(
    pytester: pytest.Pytester, conductor_server_url: str, unique_name: str
) -> None:
    pytester.makepyfile(PARALLEL_TESTS.format(barriers=str(pytester.path / "barriers"), name=unique_name))
    result = pytester.runpytest_subprocess(
        "-n",
        "2",
        "--dist",
        "loadgroup",
        "-p",
        "no:cacheprovider",
        f"--conductor-server-url={conductor_server_url}",
    )
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["*2 workers [[]2 items[]]*"])
