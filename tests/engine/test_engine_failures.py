"""Retries, optional/permissive tasks, timeouts and failure workflows on the virtual clock."""

from __future__ import annotations

from typing import Any, Dict

from _engine_helpers import simple, system_task, wf

from conductor_testkit.engine import Engine


def fail(reason: str = "") -> Dict[str, Any]:
    return {"status": "FAILED", "output": {}}


def test_retry_attempt_copies_reason_and_links_previous_attempt() -> None:
    engine = Engine()
    wid = engine.start_workflow({"workflowDef": wf("w", [simple("a")])})
    (task,) = engine.poll("t_a")
    engine.update_task({"taskId": task["taskId"], "status": "FAILED", "reasonForIncompletion": "boom"})
    first, second = engine.get_workflow(wid)["tasks"]
    assert (first["retried"], first["executed"]) == (True, False)
    assert second["retriedTaskId"] == first["taskId"]
    assert (second["retryCount"], second["status"], second["seq"]) == (1, "SCHEDULED", 2)
    assert second["reasonForIncompletion"] == "boom"
    assert (second["callbackAfterSeconds"], second["startDelayInSeconds"]) == (60, 60)


def test_exponential_backoff_with_cap_follows_server_formula() -> None:
    engine = Engine()
    engine.register_task_def(
        {
            "name": "t_a",
            "retryCount": 4,
            "retryLogic": "EXPONENTIAL_BACKOFF",
            "retryDelaySeconds": 2,
            "maxRetryDelaySeconds": 3,
        }
    )
    wid = engine.start_workflow({"workflowDef": wf("w", [simple("a")])})
    delays = []
    for _ in range(4):
        engine.clock.advance(10)
        (task,) = engine.poll("t_a")
        engine.update_task({"taskId": task["taskId"], "status": "FAILED"})
        delays.append(engine.get_workflow(wid)["tasks"][-1]["callbackAfterSeconds"])
    assert delays == [2, 3, 3, 3]


def test_retries_exhausted_fail_workflow_with_server_reason_text() -> None:
    engine = Engine()
    definition = wf("w", [simple("a", retryCount=0)])
    out = engine.test_workflow({"workflowDef": definition, "taskRefToMockOutput": {"a": [fail()]}})
    task_id = out["tasks"][0]["taskId"]
    assert out["status"] == "FAILED"
    assert out["reasonForIncompletion"] == f"Task {task_id} failed with status: FAILED and reason: 'null'"
    assert out["failedReferenceTaskNames"] == ["a"]


def test_canceled_task_terminates_workflow() -> None:
    out = Engine().test_workflow(
        {
            "workflowDef": wf("w", [simple("a")]),
            "taskRefToMockOutput": {"a": [{"status": "CANCELED", "output": {}}]},
        }
    )
    assert out["status"] == "TERMINATED"


def test_optional_task_becomes_completed_with_errors_and_workflow_continues() -> None:
    definition = wf("w", [simple("a", optional=True, retryCount=0), simple("b")])
    out = Engine().test_workflow(
        {
            "workflowDef": definition,
            "taskRefToMockOutput": {"a": [fail()], "b": [{"status": "COMPLETED", "output": {}}]},
        }
    )
    assert [t["status"] for t in out["tasks"]] == ["COMPLETED_WITH_ERRORS", "COMPLETED"]
    assert out["status"] == "COMPLETED"


def test_permissive_failure_fails_workflow_when_it_would_complete() -> None:
    definition = wf("w", [simple("a", permissive=True, retryCount=0), simple("b")])
    out = Engine().test_workflow(
        {
            "workflowDef": definition,
            "taskRefToMockOutput": {"a": [fail()], "b": [{"status": "COMPLETED", "output": {}}]},
        }
    )
    assert [t["status"] for t in out["tasks"]] == ["FAILED", "COMPLETED"]
    assert out["status"] == "FAILED"
    assert out["reasonForIncompletion"].endswith("failed with status: FAILED and reason: 'null'")


def test_response_timeout_times_out_task_regardless_of_policy_then_retries() -> None:
    engine = Engine()
    engine.register_task_def(
        {"name": "t_a", "responseTimeoutSeconds": 10, "retryCount": 1, "timeoutPolicy": "ALERT_ONLY"}
    )
    wid = engine.start_workflow({"workflowDef": wf("w", [simple("a")])})
    engine.poll("t_a")
    engine.clock.advance(10)
    engine.decide(wid)
    first, second = engine.get_workflow(wid)["tasks"]
    assert first["status"] == "TIMED_OUT"
    assert first["reasonForIncompletion"].startswith("responseTimeout: 10 exceeded for the taskId:")
    assert second["status"] == "SCHEDULED"


def test_task_timeout_time_out_wf_times_out_workflow() -> None:
    engine = Engine()
    engine.register_task_def({"name": "t_a", "timeoutSeconds": 5, "responseTimeoutSeconds": 5})
    wid = engine.start_workflow({"workflowDef": wf("w", [simple("a")])})
    engine.poll("t_a")
    engine.clock.advance(6)
    engine.decide(wid)
    got = engine.get_workflow(wid)
    assert got["status"] == "TIMED_OUT"
    assert got["reasonForIncompletion"] == (
        "Task timed out after 6 seconds. Timeout configured as 5 seconds. "
        "Timeout policy configured to TIME_OUT_WF"
    )


def test_workflow_timeout_with_time_out_wf_policy() -> None:
    engine = Engine()
    definition = wf("w", [simple("a")], timeoutSeconds=60, timeoutPolicy="TIME_OUT_WF")
    wid = engine.start_workflow({"workflowDef": definition})
    engine.clock.advance(60)
    engine.decide(wid)
    got = engine.get_workflow(wid)
    assert got["status"] == "TIMED_OUT"
    assert got["tasks"][0]["status"] == "CANCELED"


def test_failure_workflow_is_started_with_failed_workflow_input() -> None:
    engine = Engine()
    engine.register_workflow_def(wf("on_fail", [simple("h")]))
    definition = wf("w", [simple("a", retryCount=0)], failureWorkflow="on_fail")
    out = engine.test_workflow(
        {"workflowDef": definition, "input": {"k": 1}, "taskRefToMockOutput": {"a": [fail()]}}
    )
    failure_id = out["output"]["conductor.failure_workflow"]
    handler = engine.get_workflow(failure_id)
    assert handler["workflowName"] == "on_fail"
    assert handler["input"]["k"] == 1
    assert handler["input"]["workflowId"] == out["workflowId"]
    assert handler["input"]["failureStatus"] == "FAILED"
    assert handler["input"]["failureTaskId"] == out["tasks"][0]["taskId"]


def test_poll_timeout_times_out_a_task_nobody_polls() -> None:
    engine = Engine()
    engine.register_task_def(
        {"name": "t_a", "pollTimeoutSeconds": 30, "retryCount": 0, "timeoutPolicy": "TIME_OUT_WF"}
    )
    wid = engine.start_workflow({"workflowDef": wf("w", [simple("a")])})
    engine.clock.advance(30)
    engine.decide(wid)
    got = engine.get_workflow(wid)
    assert got["status"] == "TIMED_OUT"
    assert got["tasks"][0]["reasonForIncompletion"].startswith("Task poll timed out after 30 seconds.")


def test_retry_delay_products_wrap_like_java_ints() -> None:
    # verified on 3.32.1: 1500000000 * 4 wraps to 1705032704 (only negative results are clamped)
    from conductor_testkit.engine.decider import retry_delay_seconds

    td = {"retryDelaySeconds": 1_500_000_000, "retryLogic": "EXPONENTIAL_BACKOFF"}
    assert retry_delay_seconds(td, 2) == 1_705_032_704


def test_terminate_failed_starts_failure_workflow_with_terminate_task_id() -> None:
    engine = Engine()
    engine.register_workflow_def(wf("on_fail", [simple("h")]))
    term = system_task(
        "t",
        "TERMINATE",
        inputParameters={"terminationStatus": "FAILED", "terminationReason": "nope"},
    )
    out = engine.test_workflow(
        {"workflowDef": wf("w", [term], failureWorkflow="on_fail"), "taskRefToMockOutput": {}}
    )
    assert (out["status"], out["reasonForIncompletion"]) == ("FAILED", "nope")
    handler = engine.get_workflow(out["output"]["conductor.failure_workflow"])
    assert handler["input"]["failureTaskId"] == out["tasks"][0]["taskId"]
