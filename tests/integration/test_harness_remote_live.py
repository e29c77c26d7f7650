"""The live backend: a real server, real worker threads polling it, the same mocks and assertions."""

from __future__ import annotations

from typing import Any, Dict

import pytest

# the scenarios the remote backend is compared on (tests/integration is on sys.path: no __init__.py);
# those with retries are left out here, their delays would take real time
from test_harness_remote import (
    Scenario,
    fork_join,
    http_mocked,
    inline_then_switch,
    loop_iterations,
    sequence,
    switch_default,
    wait_mocked,
)

from conductor_testkit.testing import (
    BackendNotSupportedError,
    LiveBackend,
    LocalBackend,
    run_workflow,
)
from conductor_testkit.testing.compare import diff_runs
from conductor_testkit.worker import Worker

pytestmark = pytest.mark.integration

LIVE_SCENARIOS = [sequence, switch_default, fork_join, loop_iterations, wait_mocked, inline_then_switch]


def live(url: str) -> LiveBackend:
    return LiveBackend(url, timeout_seconds=90.0, poll_interval_millis=20.0)


@pytest.mark.parametrize("scenario", LIVE_SCENARIOS, ids=[s.__name__ for s in LIVE_SCENARIOS])
def test_live_and_local_runs_are_equal_after_normalisation(
    scenario: Scenario, conductor_server_url: str, unique_name: str
) -> None:
    definition, workflow_input, mocks = scenario(unique_name)
    on_server = run_workflow(definition, workflow_input, mocks, backend=live(conductor_server_url))
    local = run_workflow(definition, workflow_input, mocks, backend=LocalBackend())
    assert diff_runs(on_server.workflow, local.workflow) == [], on_server.describe()


def test_real_workers_and_mock_functions_run_against_the_server(
    conductor_server_url: str, unique_name: str
) -> None:
    definition, workflow_input, _ = sequence(unique_name)

    def first(task_input: Dict[str, Any]) -> Dict[str, Any]:
        return {"y": task_input["x"] + 1}

    second = Worker("harness_second", lambda y: {"z": y * 10})
    execution = run_workflow(
        definition, workflow_input, {"first": first}, workers=[second], backend=live(conductor_server_url)
    )
    assert execution.assert_completed().output == {"z": 20}


def test_a_live_run_without_a_worker_stops_and_names_the_task(
    conductor_server_url: str, unique_name: str
) -> None:
    definition, workflow_input, _ = sequence(unique_name)
    execution = run_workflow(
        definition, workflow_input, {"first": {"y": 1}}, backend=live(conductor_server_url)
    )
    # the task may be SCHEDULED or already polled (IN_PROGRESS) when the run stops: not asserted
    assert [(b.reference_task_name, b.reason) for b in execution.blocked] == [
        (
            "second",
            "no mock, mock function or worker for it (task type 'harness_second'); "
            "pass mocks={'second': ...} or a worker for 'harness_second'",
        )
    ]


def test_an_assertion_in_a_live_worker_fails_the_test(conductor_server_url: str, unique_name: str) -> None:
    definition, workflow_input, _ = sequence(unique_name)

    def strict(task_input: Dict[str, Any]) -> Dict[str, Any]:
        assert task_input["x"] == 2, "x must be 2"
        return {}

    with pytest.raises(AssertionError, match="x must be 2"):
        run_workflow(definition, workflow_input, {"first": strict}, backend=live(conductor_server_url))


def test_the_live_backend_refuses_to_mock_a_system_task(conductor_server_url: str, unique_name: str) -> None:
    definition, workflow_input, mocks = http_mocked(unique_name)
    with pytest.raises(
        BackendNotSupportedError, match=r"task 'call' is a HTTP, which the server runs by itself"
    ):
        run_workflow(definition, workflow_input, mocks, backend=live(conductor_server_url))
