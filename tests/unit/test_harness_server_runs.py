"""How the server backends read a run: worker tasks, timed WAITs, open leaves, and the notes they add."""

from __future__ import annotations

from typing import Any, Dict, List

import pytest

from conductor_testkit.testing import Execution
from conductor_testkit.testing.server_runs import RunFamily, is_worker_task, read_family, timed_wait_seconds


def _task(ref: str, task_type: str, status: str = "SCHEDULED", **extra: Any) -> Dict[str, Any]:
    return {"referenceTaskName": ref, "taskType": task_type, "status": status, "taskId": f"id-{ref}", **extra}


@pytest.mark.parametrize(
    ("task_type", "expected"),
    [("charge_card", True), ("SIMPLE", True), ("HTTP", False), ("JSON_JQ_TRANSFORM", False), ("WAIT", False)],
)
def test_a_task_is_a_worker_task_unless_its_type_is_a_system_task_type(
    task_type: str, expected: bool
) -> None:
    assert is_worker_task(_task("t", task_type)) is expected


def test_a_timed_wait_reports_how_long_it_waits_and_a_signal_wait_does_not() -> None:
    timed = _task("w", "WAIT", "IN_PROGRESS", inputData={"duration": "1 hour"}, callbackAfterSeconds=3600)
    until = _task(
        "u", "WAIT", "IN_PROGRESS", inputData={"until": "2030-01-01 00:00 UTC"}, callbackAfterSeconds=9
    )
    signal = _task("s", "WAIT", "IN_PROGRESS", inputData={})
    human = _task("h", "HUMAN", "IN_PROGRESS", inputData={"duration": "1s"}, callbackAfterSeconds=1)
    assert [timed_wait_seconds(t) for t in (timed, until, signal, human)] == [3600, 9, None, None]


def test_open_leaves_leave_out_containers_and_workflows_that_do_not_run() -> None:
    root = {
        "workflowId": "root",
        "status": "RUNNING",
        "tasks": [
            _task("done", "a", "COMPLETED"),
            _task("fork", "FORK", "COMPLETED"),
            _task("left", "a"),
            _task("sub", "SUB_WORKFLOW", "IN_PROGRESS", subWorkflowId="child"),
            _task("join", "JOIN", "IN_PROGRESS"),
        ],
    }
    child = {"workflowId": "child", "status": "RUNNING", "tasks": [_task("inner", "b", "IN_PROGRESS")]}
    ended = {"workflowId": "old", "status": "TERMINATED", "tasks": [_task("stale", "c")]}
    family = RunFamily([root, child, ended])
    assert [(t.ref, t.workflow_id) for t in family.open_leaves()] == [("left", "root"), ("inner", "child")]
    assert not family.is_final


class _Workflows:
    """Answers ``get_workflow`` from a dict, recording what was asked."""

    def __init__(self, workflows: Dict[str, Dict[str, Any]]) -> None:
        self.workflows = workflows
        self.asked: List[str] = []

    def get_workflow(self, workflow_id: str, include_tasks: bool = True) -> Any:
        self.asked.append(workflow_id)
        return Execution(self.workflows[workflow_id], backend="remote").to_model()


def test_read_family_follows_the_open_sub_workflow_tasks_only() -> None:
    root = {
        "workflowId": "root",
        "status": "RUNNING",
        "tasks": [
            _task("finished", "SUB_WORKFLOW", "COMPLETED", subWorkflowId="done-child"),
            _task("running", "SUB_WORKFLOW", "IN_PROGRESS", subWorkflowId="child"),
        ],
    }
    child = {
        "workflowId": "child",
        "status": "RUNNING",
        "tasks": [_task("deeper", "SUB_WORKFLOW", "IN_PROGRESS", subWorkflowId="grandchild")],
    }
    grandchild = {"workflowId": "grandchild", "status": "RUNNING", "tasks": [_task("leaf", "x")]}
    client = _Workflows({"child": child, "grandchild": grandchild})
    family = read_family(client, root)
    assert client.asked == ["child", "grandchild"]
    assert [t.ref for t in family.open_leaves()] == ["leaf"]


def test_an_execution_shows_the_backend_s_notes_in_its_description() -> None:
    workflow = {"workflowName": "w", "status": "COMPLETED", "tasks": []}
    execution = Execution(workflow, backend="live", notes=["WAIT 'pause' was ended after 1 s"])
    assert execution.notes == ["WAIT 'pause' was ended after 1 s"]
    assert "notes:\n  - WAIT 'pause' was ended after 1 s" in execution.describe()
