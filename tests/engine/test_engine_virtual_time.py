"""run_until_blocked on the virtual clock: timers, child workflows, signals and freezegun."""

from __future__ import annotations

import time
from typing import Any, Dict

from _engine_helpers import inline_sub_workflow, simple, system_task, wf

from conductor_testkit.engine import Engine, VirtualClock
from conductor_testkit.models import Task


def test_five_exponential_retries_and_day_long_timeout_pass_without_sleeping() -> None:
    attempts = []

    def flaky(task: Task) -> Dict[str, Any]:
        attempts.append(task.retry_count)
        if (task.retry_count or 0) < 5:
            raise RuntimeError(f"attempt {task.retry_count} fails")
        return {"done": True}

    engine = Engine(clock=VirtualClock(0), workers={"t_a": flaky})
    engine.register_task_def(
        {"name": "t_a", "retryCount": 5, "retryLogic": "EXPONENTIAL_BACKOFF", "retryDelaySeconds": 600}
    )
    definition = wf("w", [simple("a")], timeoutSeconds=86_400, timeoutPolicy="TIME_OUT_WF")
    started = time.monotonic()
    out = engine.execute({"workflowDef": definition})
    assert out["status"] == "COMPLETED"
    assert attempts == [0, 1, 2, 3, 4, 5]
    # 600 + 1200 + 2400 + 4800 + 9600 seconds of retry delays, all virtual
    assert engine.clock.now_ms() == 18_600_000
    assert time.monotonic() - started < 60


def test_worker_task_reporting_in_progress_is_polled_again_after_callback() -> None:
    polls = []

    def slow(task: Task) -> Any:
        from conductor_testkit.worker.context import TaskInProgress

        polls.append(engine.clock.now_ms())
        if len(polls) < 3:
            return TaskInProgress(callback_after_seconds=120)
        return {"polls": len(polls)}

    engine = Engine(clock=VirtualClock(0), workers={"t_a": slow})
    out = engine.execute({"workflowDef": wf("w", [simple("a")])})
    assert out["status"] == "COMPLETED"
    assert polls == [0, 120_000, 240_000]


def test_wait_without_duration_blocks_until_signalled() -> None:
    engine = Engine()
    wait = {"name": "wait", "taskReferenceName": "wait", "type": "WAIT"}
    wid = engine.start_workflow({"workflowDef": wf("w", [wait])})
    outcome = engine.run_until_blocked(wid)
    assert [(b.reference_task_name, b.task_type) for b in outcome.blocked] == [("wait", "WAIT")]
    engine.update_task_by_ref_name(wid, "wait", "COMPLETED", {"signal": 1})
    assert engine.get_workflow(wid)["output"] == {"signal": 1}


def test_sub_workflow_worker_tasks_run_in_the_child() -> None:
    child = wf("child", [simple("c")])
    sub = inline_sub_workflow("sub", child)

    def work(v: int) -> Dict[str, Any]:
        return {"v2": v * 2}

    engine = Engine(workers={"t_c": work})
    child["tasks"][0]["inputParameters"] = {"v": "${workflow.input.v}"}
    sub["inputParameters"] = {"v": "${workflow.input.v}"}
    out = engine.execute({"workflowDef": wf("parent", [sub]), "input": {"v": 4}})
    assert out["status"] == "COMPLETED"
    assert out["output"]["v2"] == 8
    child_run = engine.get_workflow(out["tasks"][0]["subWorkflowId"])
    assert child_run["parentWorkflowId"] == out["workflowId"]
    assert child_run["input"]["_systemMetadata"] == {"dynamic": True}


def test_failing_child_fails_parent_with_sub_workflow_reason() -> None:
    child = wf("child", [simple("c", retryCount=0)])
    sub = inline_sub_workflow("sub", child)

    def boom() -> Dict[str, Any]:
        raise RuntimeError("child broke")

    engine = Engine(workers={"t_c": boom})
    out = engine.execute({"workflowDef": wf("parent", [sub])})
    task = out["tasks"][0]
    assert (out["status"], task["status"]) == ("FAILED", "FAILED")
    assert task["reasonForIncompletion"].startswith(
        f"Sub workflow child.1/{task['subWorkflowId']} failure reason:"
    )


def test_start_workflow_task_starts_an_independent_workflow_on_the_same_engine() -> None:
    engine = Engine()
    engine.register_workflow_def(wf("other", [simple("o")]))
    start = system_task(
        "start",
        "START_WORKFLOW",
        inputParameters={"startWorkflow": {"name": "other", "input": {"q": 1}}},
    )
    out = engine.execute({"workflowDef": wf("w", [start])})
    started = engine.get_workflow(out["output"]["workflowId"])
    assert out["status"] == "COMPLETED"
    assert (started["workflowName"], started["input"], started.get("parentWorkflowId")) == (
        "other",
        {"q": 1},
        None,
    )


def test_next_due_and_advance_to_drive_a_wait_for_external_pollers() -> None:
    engine = Engine(clock=VirtualClock(0))
    wait = system_task("wait", "WAIT", inputParameters={"duration": "2 hours"})
    wid = engine.start_workflow({"workflowDef": wf("w", [wait, simple("after")])})
    due = engine.next_due_ms()
    assert due is not None and due > 7_200_000 - 1
    engine.advance_to(due)
    assert [t["status"] for t in engine.get_workflow(wid)["tasks"]] == ["COMPLETED", "SCHEDULED"]
