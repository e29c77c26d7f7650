"""conductor_testkit.testing.compare: normalisation and diff of Workflow JSON."""

from __future__ import annotations

import copy
import json
import uuid
from typing import Any, Dict, List, Optional

from conductor_testkit.testing.compare import diff_runs, diff_workflows, normalize_workflow

WF_ID = "0b7c0e4e-1111-4a8e-9c6e-000000000001"
T1 = "6f1c2a3b-2222-4c4d-8e9f-000000000002"
T2 = "6f1c2a3b-3333-4c4d-8e9f-000000000003"
CHILD = "9a9a9a9a-4444-3b3b-8c8c-000000000004"
DOMAIN = "d0d0d0d0-5555-4e4e-9f9f-000000000005"


def _task(task_id: str, seq: int, ref: str, status: str, **extra: Any) -> Dict[str, Any]:
    task: Dict[str, Any] = {
        "taskId": task_id,
        "seq": seq,
        "referenceTaskName": ref,
        "taskType": "worker",
        "taskDefName": "worker",
        "status": status,
        "inputData": {},
        "outputData": {},
        "scheduledTime": 1000 + seq,
        "startTime": 0,
        "endTime": 2000 + seq,
        "updateTime": 2000 + seq,
        "domain": DOMAIN,
        "workflowInstanceId": WF_ID,
        "pollCount": 0,
    }
    task.update(extra)
    return task


def _workflow(tasks: Optional[List[Dict[str, Any]]] = None, **extra: Any) -> Dict[str, Any]:
    workflow: Dict[str, Any] = {
        "workflowId": WF_ID,
        "workflowName": "wf",
        "workflowVersion": 1,
        "status": "COMPLETED",
        "createTime": 123,
        "updateTime": 456,
        "endTime": 789,
        "input": {"a": 1},
        "output": {},
        "taskToDomain": {"*": DOMAIN},
        "failedReferenceTaskNames": [],
        "tasks": tasks
        if tasks is not None
        else [
            _task(T1, 1, "t1", "FAILED", retried=True, outputData={"child": CHILD}),
            _task(
                T2,
                2,
                "t1",
                "COMPLETED",
                retryCount=1,
                retriedTaskId=T1,
                reasonForIncompletion=f"Task {T1} failed",
            ),
        ],
    }
    workflow.update(extra)
    return workflow


def test_workflow_and_task_ids_become_placeholders_by_seq() -> None:
    normalised = normalize_workflow(_workflow())
    second = normalised["tasks"][1]
    assert second["retriedTaskId"] == "<task:1>"
    assert second["reasonForIncompletion"] == "Task <task:1> failed"


def test_ids_inside_values_are_replaced_everywhere() -> None:
    normalised = normalize_workflow(_workflow(output={"note": f"run {WF_ID} done"}))
    assert normalised["output"] == {"note": "run <workflow> done"}


def test_other_ids_are_numbered_in_order_of_appearance() -> None:
    other = "12345678-aaaa-4bbb-8ccc-1234567890ab"
    workflow = _workflow(output={"first": other})
    normalised = normalize_workflow(workflow)
    assert normalised["output"] == {"first": "<id:1>"}
    assert normalised["tasks"][0]["outputData"] == {"child": "<id:2>"}


def test_engine_ids_that_are_not_uuids_are_replaced_too() -> None:
    tasks = [_task("task-0001", 1, "t1", "COMPLETED", outputData={"me": "task-0001"})]
    normalised = normalize_workflow(_workflow(tasks, workflowId="wf-0001", output={"id": "id=wf-0001"}))
    assert normalised["output"] == {"id": "id=<workflow>"}
    assert normalised["tasks"][0]["outputData"] == {"me": "<task:1>"}


def test_test_endpoint_domain_is_dropped() -> None:
    tasks = [_task(T1, 1, "ev", "COMPLETED", outputData={"taskToDomain": {"*": DOMAIN}})]
    normalised = normalize_workflow(_workflow(tasks, taskToDomain={"*": DOMAIN, "worker": "blue"}))
    assert normalised["taskToDomain"] == {"worker": "blue"}
    assert "domain" not in normalised["tasks"][0]
    assert normalised["tasks"][0]["outputData"] == {"taskToDomain": {"*": "<test-domain>"}}


def test_times_are_dropped() -> None:
    normalised = normalize_workflow(_workflow())
    assert "createTime" not in normalised
    assert not {"scheduledTime", "startTime", "endTime", "updateTime"} & set(normalised["tasks"][0])


def test_absent_fields_equal_explicit_defaults() -> None:
    sparse = _task(T1, 1, "t1", "COMPLETED")
    explicit = dict(sparse, retryCount=0, retried=False, iteration=0, reasonForIncompletion=None)
    for key in ("inputData", "outputData"):
        del sparse[key]
    assert diff_runs(_workflow([sparse]), _workflow([explicit])) == []


def test_failed_reference_names_compare_as_a_set() -> None:
    first = _workflow(failedReferenceTaskNames=["b", "a"])
    second = _workflow(failedReferenceTaskNames=["a", "b"])
    assert diff_runs(first, second) == []


def test_normalising_does_not_modify_the_input() -> None:
    workflow = _workflow()
    before = copy.deepcopy(workflow)
    normalize_workflow(workflow)
    assert workflow == before


def test_runs_differing_only_in_ids_and_times_are_equal() -> None:
    text = json.dumps(_workflow())
    for old_id in (WF_ID, T1, T2, CHILD, DOMAIN):
        text = text.replace(old_id, str(uuid.uuid4()))
    rerun = json.loads(text)
    rerun["createTime"] = 99999
    rerun["tasks"][0]["endTime"] = 5
    assert diff_runs(_workflow(), rerun) == []


def test_map_key_order_does_not_matter() -> None:
    first = _workflow(output={"a": 1, "b": 2})
    second = _workflow(output={"b": 2, "a": 1})
    assert diff_runs(first, second) == []


def test_integer_and_double_differ() -> None:
    assert diff_runs(_workflow(output={"n": 5}), _workflow(output={"n": 5.0})) == [
        "workflow.output.n: expected 5, got 5.0"
    ]


def test_boolean_and_integer_differ() -> None:
    assert diff_runs(_workflow(output={"n": True}), _workflow(output={"n": 1})) == [
        "workflow.output.n: expected true, got 1"
    ]


def test_status_difference_names_the_field() -> None:
    assert diff_runs(_workflow(), _workflow(status="FAILED")) == [
        'workflow.status: expected "COMPLETED", got "FAILED"'
    ]


def test_task_field_difference_names_reference_retry_and_path() -> None:
    expected = _workflow([_task(T1, 1, "t1", "COMPLETED", outputData={"r": {"x": [1, 2]}})])
    actual = _workflow([_task(T1, 1, "t1", "COMPLETED", outputData={"r": {"x": [1, 3]}})])
    assert diff_runs(expected, actual) == ["task 't1' (retryCount 0) outputData.r.x[1]: expected 2, got 3"]


def test_missing_and_unexpected_keys_are_reported() -> None:
    expected = _workflow(output={"gone": 1})
    actual = _workflow(output={"new key": 2})
    assert diff_runs(expected, actual) == [
        "workflow.output.gone: missing (expected 1)",
        'workflow.output["new key"]: unexpected 2',
    ]


def test_missing_task_reports_sequence_and_task() -> None:
    expected = _workflow([_task(T1, 1, "a", "COMPLETED"), _task(T2, 2, "b", "COMPLETED")])
    actual = _workflow([_task(T1, 1, "a", "COMPLETED")])
    assert diff_runs(expected, actual) == [
        "tasks: expected [a:COMPLETED, b:COMPLETED], got [a:COMPLETED]",
        "task 'b' (retryCount 0): missing (expected status COMPLETED)",
    ]


def test_unexpected_task_is_reported() -> None:
    expected = _workflow([_task(T1, 1, "a", "COMPLETED")])
    actual = _workflow([_task(T1, 1, "a", "COMPLETED"), _task(T2, 2, "b", "SCHEDULED")])
    lines = diff_runs(expected, actual)
    assert lines[-1] == "task 'b' (retryCount 0): unexpected (status SCHEDULED)"


def test_diff_of_equal_normalised_workflows_is_empty() -> None:
    normalised = normalize_workflow(_workflow())
    assert diff_workflows(normalised, copy.deepcopy(normalised)) == []


def test_the_registration_times_of_task_definitions_in_task_data_are_masked() -> None:
    def run(created: int) -> Dict[str, Any]:
        fork = {
            "taskReferenceName": "fork",
            "taskType": "FORK",
            "seq": 1,
            "status": "COMPLETED",
            "inputData": {
                "forkedTaskDefs": [
                    {"name": "t", "taskDefinition": {"name": "t", "createTime": created, "retryCount": 1}}
                ]
            },
        }
        return {"workflowId": "w", "status": "COMPLETED", "tasks": [fork]}

    assert diff_runs(run(1), run(2)) == []
    changed = run(2)
    changed["tasks"][0]["inputData"]["forkedTaskDefs"][0]["taskDefinition"]["retryCount"] = 2
    assert len(diff_runs(run(1), changed)) == 1
