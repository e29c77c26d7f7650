"""The live backend: WAITs on wall time, tasks that appear at run time, sub-workflow mocks, failure
workflows, task definitions for tests, and what it refuses before a run."""

from __future__ import annotations

from typing import Any, Dict, List

import pytest
from test_harness_remote import _definition

from conductor_testkit.client import Configuration, OrkesClients
from conductor_testkit.errors import NotFoundError
from conductor_testkit.testing import (
    BackendNotSupportedError,
    Blocker,
    Harness,
    LiveBackend,
    mock,
    run_workflow,
)
from conductor_testkit.worker import Worker

pytestmark = pytest.mark.integration


def _simple(ref: str, task_type: str, **inputs: Any) -> Dict[str, Any]:
    return {"name": task_type, "taskReferenceName": ref, "type": "SIMPLE", "inputParameters": inputs}


def _wait(ref: str, **inputs: Any) -> Dict[str, Any]:
    return {"name": ref, "taskReferenceName": ref, "type": "WAIT", "inputParameters": inputs}


def _clients(url: str) -> OrkesClients:
    return OrkesClients(Configuration(server_api_url=url))


# -- WAIT ------------------------------------------------------------------------------------------


def test_a_short_wait_takes_its_time_on_the_server(conductor_server_url: str, unique_name: str) -> None:
    definition = _definition(unique_name, [_wait("pause", duration="1s"), _simple("after", "live_after")])
    execution = run_workflow(definition, {}, {"after": {}}, backend=LiveBackend(conductor_server_url))
    execution.assert_completed().assert_task("pause", "COMPLETED")
    assert execution.notes == []


def test_a_longer_wait_is_ended_after_max_wait_seconds_and_the_notes_say_so(
    conductor_server_url: str, unique_name: str
) -> None:
    definition = _definition(
        unique_name, [_wait("pause", duration="48 hours"), _simple("after", "live_after")]
    )
    backend = LiveBackend(conductor_server_url, max_wait_seconds=0.5)
    execution = run_workflow(definition, {}, {"after": {}}, backend=backend)
    execution.assert_completed().assert_task("pause", "COMPLETED")
    assert execution.notes == [
        f"WAIT 'pause' of workflow {unique_name!r} would have waited 172800 s; the harness completed it "
        "after 0.5 s (max_wait_seconds)"
    ]


def test_a_wait_the_run_cannot_sit_out_is_named_when_the_run_stops(
    conductor_server_url: str, unique_name: str
) -> None:
    definition = _definition(unique_name, [_wait("pause", duration="1 hour")])
    backend = LiveBackend(conductor_server_url, max_wait_seconds=None, timeout_seconds=1)
    execution = run_workflow(definition, {}, {}, backend=backend)
    assert execution.blocked == [
        Blocker(
            "pause",
            "WAIT",
            "IN_PROGRESS",
            "still IN_PROGRESS when the run stopped after 1 s (the WAIT lasts 3600 s; lower "
            "max_wait_seconds or raise the timeout)",
            execution.workflow_id,
        )
    ]


# -- tasks that only appear at run time --------------------------------------------------------------


def test_dynamic_fork_tasks_of_a_type_known_only_at_run_time_are_served(
    conductor_server_url: str, unique_name: str
) -> None:
    dynamic_type = f"live_dyn_{unique_name[-8:]}"
    fork = {
        "name": "fan",
        "taskReferenceName": "fan",
        "type": "FORK_JOIN_DYNAMIC",
        "dynamicForkTasksParam": "tasks",
        "dynamicForkTasksInputParamName": "inputs",
        "inputParameters": {"tasks": "${workflow.input.tasks}", "inputs": "${workflow.input.inputs}"},
    }
    join = {"name": "fan_join", "taskReferenceName": "fan_join", "type": "JOIN"}
    workflow_input = {
        "tasks": [{"name": dynamic_type, "taskReferenceName": ref, "type": "SIMPLE"} for ref in ("d1", "d2")],
        "inputs": {"d1": {"n": 1}, "d2": {"n": 2}},
    }
    execution = run_workflow(
        _definition(unique_name, [fork, join], outputParameters={"joined": "${fan_join.output}"}),
        workflow_input,
        {"d1": {"doubled": 2}, "d2": lambda task_input: {"doubled": task_input["n"] * 2}},
        backend=LiveBackend(conductor_server_url),
    )
    assert execution.assert_completed().output == {"joined": {"d1": {"doubled": 2}, "d2": {"doubled": 4}}}


def test_tasks_of_a_registered_sub_workflow_are_mocked_through_sub_workflow_mocks(
    conductor_server_url: str, unique_name: str
) -> None:
    child = _definition(
        f"{unique_name}_child", [_simple("inner", "live_inner")], outputParameters={"v": "${inner.output.v}"}
    )
    sub = {
        "name": "sub",
        "taskReferenceName": "sub",
        "type": "SUB_WORKFLOW",
        "subWorkflowParam": {"name": child["name"]},
    }
    harness = Harness(LiveBackend(conductor_server_url)).register(child)
    execution = harness.run(
        _definition(unique_name, [sub], outputParameters={"v": "${sub.output.v}"}),
        {},
        sub_workflow_mocks={"sub": {"inner": {"v": 7}}},
    )
    assert execution.assert_completed().output == {"v": 7}


# -- failure workflows --------------------------------------------------------------------------------


def _failing(name: str, failure_workflow: str) -> Dict[str, Any]:
    return _definition(name, [_simple("charge", "live_charge")], failureWorkflow=failure_workflow)


def test_the_failure_workflow_runs_with_the_workers_before_the_result_is_read(
    conductor_server_url: str, unique_name: str
) -> None:
    cleanup_type = f"live_cleanup_{unique_name[-8:]}"
    compensation = _definition(
        f"{unique_name}_undo", [_simple("cleanup", cleanup_type, reason="${workflow.input.reason}")]
    )
    seen: List[str] = []
    harness = Harness(LiveBackend(conductor_server_url)).register(compensation)
    execution = harness.run(
        _failing(unique_name, compensation["name"]),
        {},
        {"charge": {"status": "FAILED_WITH_TERMINAL_ERROR", "output": {}}},
        workers=[Worker(cleanup_type, lambda reason: seen.append(reason) or {"undone": True})],
    )
    execution.assert_failed()
    failure = (
        _clients(conductor_server_url)
        .get_workflow_client()
        .get_workflow(execution.output["conductor.failure_workflow"])
    )
    assert (failure.status, len(seen)) == ("COMPLETED", 1)
    assert execution.notes == []


def test_a_failure_workflow_nobody_serves_is_stopped_and_the_notes_say_why(
    conductor_server_url: str, unique_name: str
) -> None:
    cleanup_type = f"live_cleanup_{unique_name[-8:]}"
    compensation = _definition(f"{unique_name}_undo", [_simple("cleanup", cleanup_type)])
    harness = Harness(LiveBackend(conductor_server_url)).register(compensation)
    execution = harness.run(
        _failing(unique_name, compensation["name"]), {}, {"charge": {"status": "FAILED_WITH_TERMINAL_ERROR"}}
    )
    failure_id = execution.assert_failed().output["conductor.failure_workflow"]
    assert execution.notes == [
        f"the failure workflow {compensation['name']!r} ({failure_id}) could not finish and was terminated: "
        f"cleanup ({cleanup_type}, SCHEDULED): no mock, mock function or worker for it (task type "
        f"{cleanup_type!r}, in workflow {compensation['name']!r}); pass a worker for {cleanup_type!r} "
        "(the tasks of a failure workflow cannot be mocked)"
    ]
    failure = _clients(conductor_server_url).get_workflow_client().get_workflow(failure_id)
    assert failure.status == "TERMINATED"


# -- task definitions for tests ----------------------------------------------------------------------


def test_a_task_type_without_a_definition_gets_one_without_retry_delay(
    conductor_server_url: str, unique_name: str
) -> None:
    task_type = f"live_td_{unique_name[-8:]}"
    definition = _definition(unique_name, [_simple("flaky", task_type)])
    execution = run_workflow(
        definition,
        {},
        {"flaky": [{"status": "FAILED"}, {"ok": True}]},
        backend=LiveBackend(conductor_server_url),
    )
    attempts = execution.assert_completed().attempts("flaky")
    assert [str(t.status) for t in attempts] == ["FAILED", "COMPLETED"]
    assert attempts[0].workflow_task.task_definition.retry_delay_seconds == 0  # type: ignore[union-attr]
    # for this run only: the server's metadata, which other tests share, is left as it was
    with pytest.raises(NotFoundError):
        _clients(conductor_server_url).get_metadata_client().get_task_def(task_type)


@pytest.mark.parametrize("how", ["on the server", "by the test"])
def test_a_task_definition_the_team_or_the_test_registered_is_left_alone(
    conductor_server_url: str, unique_name: str, how: str
) -> None:
    task_type = f"live_td_{unique_name[-8:]}"
    own = {"name": task_type, "description": "ours", "retryCount": 1, "retryDelaySeconds": 1}
    harness = Harness(LiveBackend(conductor_server_url))
    if how == "by the test":
        harness.register(own)
    else:
        _clients(conductor_server_url).get_metadata_client().register_task_def(own)
    harness.run(_definition(unique_name, [_simple("step", task_type)]), {}, {"step": {}}).assert_completed()
    registered = _clients(conductor_server_url).get_metadata_client().get_task_def(task_type)
    assert (registered.description, registered.retry_delay_seconds) == ("ours", 1)


def test_without_task_defaults_the_definition_goes_as_it_is(
    conductor_server_url: str, unique_name: str
) -> None:
    task_type = f"live_td_{unique_name[-8:]}"
    backend = LiveBackend(conductor_server_url, task_defaults=None)
    execution = run_workflow(
        _definition(unique_name, [_simple("step", task_type)]), {}, {"step": {}}, backend=backend
    )
    # the server's own default for a task type it does not know: a minute between retries
    assert execution.task("step").workflow_task.task_definition.retry_delay_seconds == 60  # type: ignore[union-attr]


# -- refused before the run ---------------------------------------------------------------------------


def _child_with(name: str, task: Dict[str, Any]) -> Dict[str, Any]:
    child = _definition(f"{name}_child", [task])
    sub = {
        "name": "sub",
        "taskReferenceName": "sub",
        "type": "SUB_WORKFLOW",
        "subWorkflowParam": {"name": child["name"], "version": 1, "workflowDefinition": child},
    }
    return _definition(name, [sub])


@pytest.mark.parametrize(
    ("task", "mocks", "message"),
    [
        (
            _simple("slow", "live_slow"),
            {"slow": mock("IN_PROGRESS", execution_time_ms=5000)},
            r"mocks\['slow'\] sets executionTime or queueWaitTime, which only the local and remote backends",
        ),
        (
            {"name": "review", "taskReferenceName": "review", "type": "HUMAN"},
            {"review": lambda task_input: {}},
            r"HUMAN task 'review' can be mocked with data only on the live backend",
        ),
        (
            {"name": "shape", "taskReferenceName": "shape", "type": "JSON_JQ_TRANSFORM",
             "inputParameters": {"queryExpression": "."}},
            {"shape": {"result": 1}},
            r"task 'shape' is a JSON_JQ_TRANSFORM, which the server runs by itself on the live backend",
        ),
    ],
    ids=["execution-time", "function-on-human", "system-task"],
)  # fmt: skip
def test_mocks_only_other_backends_can_apply_are_refused_naming_the_task(
    conductor_server_url: str, unique_name: str, task: Dict[str, Any], mocks: Dict[str, Any], message: str
) -> None:
    backend = LiveBackend(conductor_server_url)
    with pytest.raises(BackendNotSupportedError, match=message):
        run_workflow(_definition(unique_name, [task]), {}, mocks, backend=backend)
    # the same mocks of a sub-workflow's task are refused too
    with pytest.raises(BackendNotSupportedError, match=message):
        run_workflow(_child_with(unique_name, task), {}, backend=backend, sub_workflow_mocks={"sub": mocks})
