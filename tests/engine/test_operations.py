"""Workflow operations on the engine follow the OSS server's rules (docs/semantics.md §7)."""

from __future__ import annotations

from typing import Any, Dict, List, Optional

import pytest

from conductor_testkit.engine import operations
from conductor_testkit.engine.engine import Engine
from conductor_testkit.engine.errors import (
    EngineBadRequest,
    EngineConflict,
    EngineIllegalState,
    EngineNotFound,
)


def _define(engine: Engine, name: str = "ops", **extra: Any) -> None:
    engine.register_task_def({"name": "work_a", "retryCount": 0})
    engine.register_task_def({"name": "work_b", "retryCount": 0})
    engine.register_workflow_def(
        {
            "name": name,
            "version": 1,
            "tasks": [
                {
                    "name": "work_a",
                    "taskReferenceName": "first",
                    "type": "SIMPLE",
                    "inputParameters": {"who": "${workflow.input.who}", "mood": "${workflow.variables.mood}"},
                },
                {"name": "hold", "taskReferenceName": "hold", "type": "WAIT"},
                {
                    "name": "work_b",
                    "taskReferenceName": "last",
                    "type": "SIMPLE",
                    "inputParameters": {
                        "from_hold": "${hold.output.by}",
                        "mood": "${workflow.variables.mood}",
                    },
                },
            ],
            **extra,
        }
    )


@pytest.fixture
def engine() -> Engine:
    engine = Engine()
    _define(engine)
    return engine


def _start(engine: Engine, name: str = "ops", who: str = "Ann") -> str:
    return engine.start_workflow({"name": name, "version": 1, "input": {"who": who}})


def _work(
    engine: Engine,
    task_type: str,
    status: str = "COMPLETED",
    output: Optional[Dict[str, Any]] = None,
    reason: Optional[str] = None,
) -> Dict[str, Any]:
    task = engine.poll(task_type, "w1")[0]
    result = {
        "taskId": task["taskId"],
        "workflowInstanceId": task["workflowInstanceId"],
        "status": status,
        "outputData": output or {},
    }
    if reason is not None:
        result["reasonForIncompletion"] = reason
    engine.update_task(result)
    return task


def _tasks(engine: Engine, workflow_id: str) -> List[Any]:
    return [(t["referenceTaskName"], t["status"]) for t in engine.get_workflow(workflow_id)["tasks"]]


# -- pause / resume -----------------------------------------------------------------------------


def test_paused_workflow_finishes_running_tasks_but_schedules_nothing(engine: Engine) -> None:
    workflow_id = _start(engine)
    operations.pause_workflow(engine, workflow_id)
    _work(engine, "work_a")
    assert _tasks(engine, workflow_id) == [("first", "COMPLETED")]
    assert engine.get_workflow(workflow_id)["status"] == "PAUSED"


def test_resume_schedules_what_became_due_and_sets_last_retried_time(engine: Engine) -> None:
    workflow_id = _start(engine)
    operations.pause_workflow(engine, workflow_id)
    _work(engine, "work_a")
    engine.clock.advance(5)
    operations.resume_workflow(engine, workflow_id)
    workflow = engine.get_workflow(workflow_id)
    assert _tasks(engine, workflow_id) == [("first", "COMPLETED"), ("hold", "IN_PROGRESS")]
    assert workflow["lastRetriedTime"] == engine.clock.now_ms()


def test_pause_of_an_ended_workflow_conflicts(engine: Engine) -> None:
    workflow_id = _start(engine)
    operations.terminate_workflow(engine, workflow_id)
    with pytest.raises(EngineConflict, match=r"Workflow ops\.1/.* has ended, status cannot be updated\."):
        operations.pause_workflow(engine, workflow_id)


def test_resume_of_a_running_workflow_is_illegal(engine: Engine) -> None:
    workflow_id = _start(engine)
    with pytest.raises(EngineIllegalState, match="is not PAUSED so cannot resume. Current status is RUNNING"):
        operations.resume_workflow(engine, workflow_id)


# -- terminate ----------------------------------------------------------------------------------


def test_terminate_cancels_open_tasks_and_keeps_the_reason(engine: Engine) -> None:
    workflow_id = _start(engine)
    operations.terminate_workflow(engine, workflow_id, "stop")
    workflow = engine.get_workflow(workflow_id)
    assert (workflow["status"], workflow["reasonForIncompletion"]) == ("TERMINATED", "stop")
    assert _tasks(engine, workflow_id) == [("first", "CANCELED")]


def test_terminate_turns_a_failed_workflow_terminated_with_the_new_reason(engine: Engine) -> None:
    workflow_id = _start(engine)
    _work(engine, "work_a", status="FAILED", reason="boom")
    operations.terminate_workflow(engine, workflow_id, "given up")
    workflow = engine.get_workflow(workflow_id)
    assert (workflow["status"], workflow["reasonForIncompletion"]) == ("TERMINATED", "given up")


def test_terminate_of_a_completed_workflow_conflicts(engine: Engine) -> None:
    workflow_id = _start(engine)
    operations.skip_task(engine, workflow_id, "hold")
    operations.skip_task(engine, workflow_id, "last")
    _work(engine, "work_a")
    with pytest.raises(EngineConflict, match="Cannot terminate a COMPLETED workflow."):
        operations.terminate_workflow(engine, workflow_id)


def test_terminate_never_starts_the_failure_workflow_unless_asked(engine: Engine) -> None:
    engine.register_workflow_def(
        {"name": "cleanup", "version": 1, "tasks": [{"name": "h", "taskReferenceName": "h", "type": "WAIT"}]}
    )
    _define(engine, "with_failure_wf", failureWorkflow="cleanup")
    quiet = _start(engine, "with_failure_wf")
    operations.terminate_workflow(engine, quiet, "stop")
    loud = _start(engine, "with_failure_wf")
    operations.terminate_workflow(engine, loud, "stop", trigger_failure_workflow=True)
    assert "conductor.failure_workflow" not in engine.get_workflow(quiet)["output"]
    cleanup_id = engine.get_workflow(loud)["output"]["conductor.failure_workflow"]
    assert engine.get_workflow(cleanup_id)["input"]["workflowId"] == loud


# -- retry --------------------------------------------------------------------------------------


def test_retry_adds_a_new_attempt_and_keeps_counting_retries(engine: Engine) -> None:
    workflow_id = _start(engine)
    failed = _work(engine, "work_a", status="FAILED", reason="boom")
    operations.retry_workflow(engine, workflow_id)
    workflow = engine.get_workflow(workflow_id)
    old, new = workflow["tasks"]
    assert (old["retried"], old["executed"]) == (True, True)
    assert (new["retriedTaskId"], new["retryCount"], new["status"]) == (failed["taskId"], 1, "SCHEDULED")
    assert "reasonForIncompletion" not in new and "reasonForIncompletion" not in workflow
    assert workflow["failedReferenceTaskNames"] == ["first"]  # not cleared by retry


def test_retry_of_a_running_workflow_is_a_404(engine: Engine) -> None:
    workflow_id = _start(engine)
    with pytest.raises(EngineNotFound, match="Workflow is still running.  status=RUNNING"):
        operations.retry_workflow(engine, workflow_id)


def test_retry_without_failed_tasks_conflicts(engine: Engine) -> None:
    workflow_id = _start(engine)
    operations.skip_task(engine, workflow_id, "hold")
    operations.skip_task(engine, workflow_id, "last")
    _work(engine, "work_a")
    with pytest.raises(EngineConflict, match="There are no retryable tasks! Use restart"):
        operations.retry_workflow(engine, workflow_id)


def test_retry_of_a_terminated_workflow_retries_the_canceled_task(engine: Engine) -> None:
    workflow_id = _start(engine)
    _work(engine, "work_a")
    operations.terminate_workflow(engine, workflow_id)
    operations.retry_workflow(engine, workflow_id)
    hold_attempts = [t for t in engine.get_workflow(workflow_id)["tasks"] if t["referenceTaskName"] == "hold"]
    assert [(t["status"], t["retryCount"]) for t in hold_attempts][0] == ("CANCELED", 0)
    assert (hold_attempts[1]["retryCount"], hold_attempts[1]["status"]) == (1, "IN_PROGRESS")


# -- restart ------------------------------------------------------------------------------------


def test_restart_starts_over_with_the_same_id_and_a_new_create_time(engine: Engine) -> None:
    workflow_id = _start(engine)
    _work(engine, "work_a", status="FAILED")
    engine.clock.advance(60)
    operations.restart_workflow(engine, workflow_id)
    workflow = engine.get_workflow(workflow_id)
    assert (workflow["status"], workflow["createTime"]) == ("RUNNING", engine.clock.now_ms())
    assert _tasks(engine, workflow_id) == [("first", "SCHEDULED")]


def test_restart_with_latest_definitions_uses_the_new_version(engine: Engine) -> None:
    workflow_id = _start(engine)
    operations.terminate_workflow(engine, workflow_id)
    engine.register_workflow_def(
        {
            "name": "ops",
            "version": 2,
            "tasks": [{"name": "work_b", "taskReferenceName": "only", "type": "SIMPLE"}],
        }
    )
    operations.restart_workflow(engine, workflow_id, use_latest_definitions=True)
    assert _tasks(engine, workflow_id) == [("only", "SCHEDULED")]
    assert engine.get_workflow(workflow_id)["workflowVersion"] == 2


def test_restart_of_a_non_restartable_completed_workflow_is_a_404(engine: Engine) -> None:
    _define(engine, "once", restartable=False)
    workflow_id = _start(engine, "once")
    operations.skip_task(engine, workflow_id, "hold")
    operations.skip_task(engine, workflow_id, "last")
    _work(engine, "work_a")
    with pytest.raises(EngineNotFound, match="is non-restartable"):
        operations.restart_workflow(engine, workflow_id)


def test_restart_of_a_running_workflow_conflicts(engine: Engine) -> None:
    workflow_id = _start(engine)
    with pytest.raises(EngineConflict, match=r"is not in terminal state, unable to restart\."):
        operations.restart_workflow(engine, workflow_id)


# -- rerun --------------------------------------------------------------------------------------


def test_rerun_from_a_task_drops_later_tasks_and_replaces_its_input(engine: Engine) -> None:
    workflow_id = _start(engine)
    first = _work(engine, "work_a", output={"n": 1})
    engine.update_task_by_ref_name(workflow_id, "hold", "COMPLETED", {"by": "me"})
    _work(engine, "work_b", status="FAILED")
    operations.rerun_workflow(
        engine, workflow_id, {"reRunFromTaskId": first["taskId"], "taskInput": {"who": "Bo"}}
    )
    workflow = engine.get_workflow(workflow_id)
    assert _tasks(engine, workflow_id) == [("first", "SCHEDULED")]
    assert (workflow["tasks"][0]["taskId"], workflow["tasks"][0]["inputData"]) == (
        first["taskId"],
        {"who": "Bo"},
    )


def test_rerun_from_the_start_replaces_workflow_input(engine: Engine) -> None:
    workflow_id = _start(engine)
    operations.terminate_workflow(engine, workflow_id)
    operations.rerun_workflow(engine, workflow_id, {"workflowInput": {"who": "Cy"}})
    assert engine.get_workflow(workflow_id)["tasks"][0]["inputData"]["who"] == "Cy"


def test_rerun_from_an_unknown_task_is_a_bad_request(engine: Engine) -> None:
    workflow_id = _start(engine)
    operations.terminate_workflow(engine, workflow_id)
    with pytest.raises(EngineBadRequest, match="Task nope not found"):
        operations.rerun_workflow(engine, workflow_id, {"reRunFromTaskId": "nope"})


# -- skip ---------------------------------------------------------------------------------------


def test_skipped_task_is_jumped_over_and_its_output_is_referenceable(engine: Engine) -> None:
    workflow_id = _start(engine)
    operations.skip_task(engine, workflow_id, "hold", {"taskOutput": {"by": "skip"}})
    _work(engine, "work_a")
    workflow = engine.get_workflow(workflow_id)
    assert [(t["referenceTaskName"], t["status"]) for t in workflow["tasks"]][-1] == ("last", "SCHEDULED")
    assert workflow["tasks"][-1]["inputData"]["from_hold"] == "skip"


def test_skip_of_a_task_already_processed_is_illegal(engine: Engine) -> None:
    workflow_id = _start(engine)
    with pytest.raises(EngineIllegalState, match="The task referenced first has already been processed"):
        operations.skip_task(engine, workflow_id, "first")


def test_skip_of_an_unknown_reference_is_illegal(engine: Engine) -> None:
    with pytest.raises(EngineIllegalState, match="does not exist in the WorkflowDefinition ops"):
        operations.skip_task(engine, _start(engine), "nope")


# -- signal, variables, remove ------------------------------------------------------------------


def test_signal_completes_the_waiting_task_with_its_output(engine: Engine) -> None:
    workflow_id = _start(engine)
    _work(engine, "work_a")
    assert operations.signal(engine, workflow_id, "COMPLETED", {"by": "signal"})
    hold = engine.get_workflow(workflow_id)["tasks"][1]
    assert (hold["status"], hold["outputData"]) == ("COMPLETED", {"by": "signal"})


def test_signal_with_nothing_waiting_returns_none(engine: Engine) -> None:
    assert operations.signal(engine, _start(engine), "COMPLETED", {}) is None


def test_fail_task_by_ref_fails_the_wait_and_the_workflow(engine: Engine) -> None:
    workflow_id = _start(engine)
    _work(engine, "work_a")
    operations.fail_task_by_ref(engine, workflow_id, "hold", {"why": "rejected"})
    assert engine.get_workflow(workflow_id)["status"] == "FAILED"


def test_complete_task_by_ref_names_the_pending_tasks_when_nothing_matches(engine: Engine) -> None:
    with pytest.raises(EngineNotFound, match="pending tasks: first"):
        operations.complete_task_by_ref(engine, _start(engine), "hold")


def test_update_variables_merges_and_later_tasks_see_the_values(engine: Engine) -> None:
    workflow_id = _start(engine)
    operations.update_variables(engine, workflow_id, {"mood": "good"})
    operations.update_variables(engine, workflow_id, {"extra": 1})
    _work(engine, "work_a")
    engine.update_task_by_ref_name(workflow_id, "hold", "COMPLETED", {})
    workflow = engine.get_workflow(workflow_id)
    assert workflow["variables"] == {"mood": "good", "extra": 1}
    assert workflow["tasks"][-1]["inputData"]["mood"] == "good"


def test_remove_forgets_the_workflow(engine: Engine) -> None:
    workflow_id = _start(engine)
    operations.terminate_workflow(engine, workflow_id)
    operations.remove_workflow(engine, workflow_id)
    with pytest.raises(EngineNotFound):
        engine.get_workflow(workflow_id)


def test_remove_with_archiving_refuses_a_running_workflow(engine: Engine) -> None:
    with pytest.raises(EngineBadRequest, match="Cannot archive workflow: .* with status: RUNNING"):
        operations.remove_workflow(engine, _start(engine))


def test_reset_callbacks_makes_a_delayed_retry_pollable_now(engine: Engine) -> None:
    engine.register_task_def({"name": "work_a", "retryCount": 1, "retryDelaySeconds": 600})
    workflow_id = _start(engine)
    _work(engine, "work_a", status="FAILED")
    assert engine.poll("work_a", "w1") == []
    operations.reset_callbacks(engine, workflow_id)
    assert [t["retryCount"] for t in engine.poll("work_a", "w1")] == [1]
