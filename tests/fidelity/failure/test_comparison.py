"""The comparison helpers of the failure fidelity suite, on small hand-written workflow JSON."""

from __future__ import annotations

import copy
import json
from typing import Any, Dict

from .comparison import diff_runs, diff_shapes, mask_numbers, normalize_run, shape_of_run

WF_ID = "11111111-1111-4111-8111-111111111111"
TASK_1 = "22222222-2222-4222-8222-222222222222"
TASK_2 = "33333333-3333-4333-8333-333333333333"
FAILURE_ID = "44444444-4444-4444-8444-444444444444"


def _failed_run() -> Dict[str, Any]:
    tasks = [
        {
            "seq": 1,
            "taskId": TASK_1,
            "referenceTaskName": "t1",
            "taskType": "x",
            "status": "FAILED",
            "retried": True,
            "callbackAfterSeconds": 0,
            "startDelayInSeconds": 0,
        },
        {
            "seq": 2,
            "taskId": TASK_2,
            "referenceTaskName": "t1",
            "taskType": "x",
            "status": "FAILED",
            "retryCount": 1,
            "retriedTaskId": TASK_1,
            "callbackAfterSeconds": 8,
            "startDelayInSeconds": 8,
        },
    ]
    reason = f"Task {TASK_2} failed with status: FAILED and reason: 'null'"
    workflow = {
        "workflowId": WF_ID,
        "status": "FAILED",
        "reasonForIncompletion": reason,
        "tasks": tasks,
        "output": {"conductor.failure_workflow": FAILURE_ID},
    }
    snapshot = {
        "workflowId": WF_ID,
        "status": "FAILED",
        "tasks": copy.deepcopy(tasks),
        "failedTaskId": TASK_2,
        "previousStatus": "RUNNING",
    }
    failure = {
        "workflowId": FAILURE_ID,
        "status": "COMPLETED",
        "tasks": [],
        "input": {"workflowId": WF_ID, "failureTaskId": TASK_2, "reason": reason, "failedWorkflow": snapshot},
    }
    return {"workflow": workflow, "failureWorkflow": failure}


def test_retry_delays_are_compared() -> None:
    expected = normalize_run(_failed_run())
    other = _failed_run()
    other["workflow"]["tasks"][1]["callbackAfterSeconds"] = 16
    lines = diff_runs(expected, normalize_run(other))
    assert lines == ["workflow: task 't1' (retryCount 1) callbackAfterSeconds: expected 8, got 16"]


def test_failure_workflow_names_the_failed_workflow_and_task_by_placeholder() -> None:
    failure = normalize_run(_failed_run())["failureWorkflow"]
    assert failure["input"]["workflowId"] == "<failed-workflow>"
    assert failure["input"]["failureTaskId"] == "<failed-task:2>"
    assert failure["input"]["reason"] == "Task <failed-task:2> failed with status: FAILED and reason: 'null'"


def test_failed_workflow_snapshot_is_normalised_on_its_own() -> None:
    snapshot = normalize_run(_failed_run())["failureWorkflow"]["input"]["failedWorkflow"]
    assert snapshot["failedTaskId"] == "<task:2>"
    assert [t["retriedTaskId"] for t in snapshot["tasks"]] == [None, "<task:1>"]


def test_runs_with_other_ids_are_equal() -> None:
    run = _failed_run()
    text = json.dumps(run)
    for old, new in (
        (WF_ID, "wf-engine-1"),
        (TASK_1, "task-a"),
        (TASK_2, "task-b"),
        (FAILURE_ID, "wf-engine-2"),
    ):
        text = text.replace(old, new)
    assert diff_runs(normalize_run(run), normalize_run(json.loads(text))) == []


def test_a_missing_failure_workflow_is_reported() -> None:
    run = _failed_run()
    without = copy.deepcopy(run)
    without["failureWorkflow"] = None
    del without["workflow"]["output"]["conductor.failure_workflow"]
    assert diff_runs(normalize_run(run), normalize_run(without)) == [
        'workflow: workflow.output["conductor.failure_workflow"]: missing (expected "<failure-workflow>")',
        "failureWorkflow: expected one, got none",
    ]


def test_mask_numbers_keeps_placeholders() -> None:
    text = "Task <task:3> timed out after 10800 seconds. Timeout configured as 7200 seconds."
    assert (
        mask_numbers(text) == "Task <task:3> timed out after <n> seconds. Timeout configured as <n> seconds."
    )


def test_shapes_ignore_the_scale_of_time() -> None:
    server = _failed_run()
    engine = copy.deepcopy(server)
    server["workflow"]["reasonForIncompletion"] = (
        "Workflow timed out after 3 seconds. Timeout configured as 2 seconds."
    )
    engine["workflow"]["reasonForIncompletion"] = (
        "Workflow timed out after 10800 seconds. Timeout configured as 7200 seconds."
    )
    assert diff_shapes(shape_of_run(server), shape_of_run(engine)) == []


def test_shapes_report_a_different_task_status() -> None:
    server = _failed_run()
    engine = copy.deepcopy(server)
    engine["workflow"]["tasks"][1]["status"] = "TIMED_OUT"
    assert diff_shapes(shape_of_run(server), shape_of_run(engine)) == [
        "workflow: task #1 (t1) status: expected 'FAILED', got 'TIMED_OUT'"
    ]
