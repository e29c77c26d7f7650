"""The remote backend goes on where the server's test endpoint stopped, and says what it did.

The endpoint stops at the first open task without a mock, a system task the server is about to run
included, and answers with what it read then. These tests use an HTTP task against a loopback
service (the server always runs it in the background, after the endpoint's loop has seen it open)
to show each outcome: the run goes on to its end, the deadline passes, or it waits for the test.
"""

from __future__ import annotations

from typing import Any, Dict, Iterator

import pytest
from harness_loopback import JsonService, serving
from test_harness_remote import _definition, _simple

from conductor_testkit.engine import Engine
from conductor_testkit.testing import (
    BackendNotSupportedError,
    Blocker,
    LocalBackend,
    RemoteBackend,
    mock,
    run_workflow,
)

pytestmark = pytest.mark.integration


def _http(ref: str, url: str, **extra: Any) -> Dict[str, Any]:
    request = {"uri": url, "method": "GET", "accept": "application/json"}
    return {
        "name": ref,
        "taskReferenceName": ref,
        "type": "HTTP",
        "inputParameters": {"http_request": request},
        **extra,
    }


@pytest.fixture
def service() -> Iterator[JsonService]:
    with serving(JsonService({"v": 1})) as running:
        yield running


def test_mocks_after_a_system_task_the_endpoint_stopped_at_are_applied(
    conductor_server_url: str, unique_name: str, service: JsonService
) -> None:
    definition = _definition(
        unique_name,
        [
            _simple("first"),
            _http("lookup", service.url + "/v"),
            _simple("after", v="${lookup.output.response.body.v}"),
        ],
        outputParameters={"v": "${after.output.v}"},
    )
    mocks = {"first": {}, "after": {"v": 2}}
    remote = run_workflow(definition, {}, mocks, backend=RemoteBackend(conductor_server_url))
    remote.assert_completed().assert_task("after", input_contains={"v": 1}, output={"v": 2})
    assert service.paths == ["/v"]
    [note] = remote.notes
    assert note.startswith(
        "the test endpoint answered while the workflow was RUNNING, stopped at lookup (HTTP, SCHEDULED); "
        "the harness applied the next mocks of after and read the workflow again until it ended COMPLETED, "
    )
    # the local backend, making the same call itself, gives the same result
    local = run_workflow(definition, {}, mocks, backend=LocalBackend(Engine(network=True)))
    assert (local.status, local.output, local.task_sequence()) == (
        remote.status,
        remote.output,
        remote.task_sequence(),
    )


def test_a_run_the_server_does_not_finish_before_the_deadline_names_the_open_task(
    conductor_server_url: str, unique_name: str, service: JsonService
) -> None:
    # the start delay keeps the HTTP task off the server's queue for an hour
    definition = _definition(unique_name, [_http("lookup", service.url, startDelay=3600)])
    backend = RemoteBackend(conductor_server_url, settle_timeout_seconds=0.5)
    execution = run_workflow(definition, {}, {}, backend=backend)
    assert execution.status == "RUNNING"
    assert execution.blocked == [
        Blocker(
            "lookup",
            "HTTP",
            "SCHEDULED",
            "still SCHEDULED after reading the workflow again for 0.5 s "
            "(RemoteBackend(settle_timeout_seconds=...) waits longer)",
            execution.workflow_id,
        )
    ]
    assert execution.notes == []


def test_a_timed_wait_is_named_at_once_without_waiting_for_the_deadline(
    conductor_server_url: str, unique_name: str
) -> None:
    wait = {
        "name": "pause",
        "taskReferenceName": "pause",
        "type": "WAIT",
        "inputParameters": {"duration": "1 hour"},
    }
    execution = run_workflow(
        _definition(unique_name, [wait]), {}, {}, backend=RemoteBackend(conductor_server_url)
    )
    [blocker] = execution.blocked
    assert (blocker.reference_task_name, blocker.status) == ("pause", "IN_PROGRESS")
    assert blocker.reason.startswith("the WAIT ends ")
    assert blocker.reason.endswith(" s after it started, and the test endpoint does not wait for timers; "
                                   "mock it: mocks={'pause': {}}")  # fmt: skip


def test_mock_functions_of_a_sub_workflow_are_refused_naming_the_task(
    conductor_server_url: str, unique_name: str
) -> None:
    child = _definition(f"{unique_name}_child", [_simple("inner")])
    sub = {
        "name": "sub",
        "taskReferenceName": "sub",
        "type": "SUB_WORKFLOW",
        "subWorkflowParam": {"name": child["name"], "version": 1, "workflowDefinition": child},
    }
    with pytest.raises(
        BackendNotSupportedError, match=r"'sub/inner' is mocked with a function; on the remote"
    ):
        run_workflow(
            _definition(unique_name, [sub]),
            {},
            backend=RemoteBackend(conductor_server_url),
            sub_workflow_mocks={"sub": {"inner": lambda task_input: {}}},
        )


def test_an_in_progress_mock_the_endpoint_never_reached_is_named(
    conductor_server_url: str, unique_name: str, service: JsonService
) -> None:
    definition = _definition(unique_name, [_http("lookup", service.url), _simple("slow")])
    mocks = {"slow": [mock("IN_PROGRESS"), mock("COMPLETED")]}
    execution = run_workflow(definition, {}, mocks, backend=RemoteBackend(conductor_server_url))
    [blocker] = execution.blocked
    assert blocker.reference_task_name == "slow"
    assert blocker.reason == (
        "its mocks include an IN_PROGRESS attempt or one with executionTime/queueWaitTime, which only "
        "the test endpoint can apply, and it had answered before this task was scheduled (it stops at "
        "the first open task without a mock: lookup (HTTP, SCHEDULED))"
    )
