"""The path and call assertions of ``Execution``, related runs, and going on with a waiting run.

Each assertion is shown passing and failing, with the exact first lines of its message.
"""

from __future__ import annotations

from typing import Any, Dict

import pytest

from conductor_testkit.errors import DefinitionError
from conductor_testkit.testing import Execution, Harness, failed, run_workflow
from conductor_testkit.testing.backend import BackendNotSupportedError


def simple(ref: str, **inputs: Any) -> Dict[str, Any]:
    return {"name": f"t_{ref}", "taskReferenceName": ref, "type": "SIMPLE", "inputParameters": inputs}


def retried(ref: str, **inputs: Any) -> Dict[str, Any]:
    return {
        **simple(ref, **inputs),
        "taskDefinition": {"name": f"t_{ref}", "retryCount": 2, "retryDelaySeconds": 0},
    }


LOAN = {
    "name": "loan",
    "version": 1,
    "tasks": [
        retried("score", applicant="${workflow.input.applicant}"),
        {
            "name": "decide",
            "taskReferenceName": "decide",
            "type": "SWITCH",
            "evaluatorType": "value-param",
            "expression": "v",
            "inputParameters": {"v": "${score.output.band}"},
            "decisionCases": {"high": [simple("approve", score="${score.output.value}")]},
            "defaultCase": [simple("reject")],
        },
        simple("notify", applicant="${workflow.input.applicant}"),
    ],
}


def loan(**mocks: Any) -> Execution:
    return run_workflow(LOAN, {"applicant": "ann"}, {"approve": {}, "notify": {}, **mocks})


def first_line(info: pytest.ExceptionInfo[AssertionError]) -> str:
    return str(info.value).splitlines()[0]


def test_path_lists_each_task_once_and_leaves_control_flow_out() -> None:
    execution = loan(score=[failed(), {"band": "high", "value": 9}])
    assert execution.path() == ["score", "approve", "notify"]
    assert execution.path(control_flow=True) == ["score", "decide", "approve", "notify"]


def test_assert_path_passes_for_the_exact_path() -> None:
    loan(score={"band": "high", "value": 9}).assert_path("score", "approve", "notify")


def test_assert_path_marks_the_first_divergence() -> None:
    execution = loan(score={"band": "high", "value": 9})
    with pytest.raises(AssertionError) as info:
        execution.assert_path("score", "reject", "notify")
    assert str(info.value).splitlines()[:3] == [
        "the path differs at step 2: expected 'reject', the run had 'approve'",
        "  expected path: score -> >>reject<< -> notify",
        "  actual path:   score -> >>approve<< -> notify",
    ]


def test_assert_path_counts_a_control_flow_task_when_named() -> None:
    loan(score={"band": "high", "value": 9}).assert_path("score", "decide", "approve", "notify")


def test_assert_path_says_when_the_run_ended_early() -> None:
    with pytest.raises(AssertionError) as info:
        loan(score={"band": "high", "value": 9}).assert_path("score", "approve")
    assert first_line(info) == "the path differs at step 3: expected the end of the run, the run had 'notify'"


def test_assert_ran_in_order_allows_tasks_in_between() -> None:
    execution = loan(score={"band": "high", "value": 9})
    execution.assert_ran_in_order("score", "notify")
    with pytest.raises(AssertionError) as info:
        execution.assert_ran_in_order("notify", "score")
    assert (
        first_line(info) == "the tasks did not run in this order: 'score' (step 2) never ran after 'notify'"
    )


def test_assert_ran_times_counts_retries() -> None:
    execution = loan(score=[failed(), failed(), {"band": "high", "value": 9}])
    execution.assert_ran_times("score", 3)
    with pytest.raises(AssertionError) as info:
        execution.assert_ran_times("score", 1)
    assert first_line(info) == "task 'score' ran 3 time(s), expected 1"


def test_assert_never_ran_names_the_tasks_that_did() -> None:
    execution = loan(score={"band": "high", "value": 9})
    execution.assert_never_ran("reject")
    with pytest.raises(AssertionError) as info:
        execution.assert_never_ran("reject", "approve")
    assert first_line(info) == "expected these tasks not to run: approve"


def test_calls_are_the_inputs_of_each_attempt() -> None:
    execution = loan(score=[failed(), {"band": "high", "value": 9}])
    assert execution.calls("score") == [{"applicant": "ann"}, {"applicant": "ann"}]
    assert execution.calls("reject") == []


def test_assert_called_with_checks_the_latest_attempt_by_default() -> None:
    execution = loan(score={"band": "high", "value": 9})
    execution.assert_called_with("approve", score=9)
    execution.assert_called_with("score", {"applicant": "ann"}, exact=True)
    with pytest.raises(AssertionError) as info:
        execution.assert_called_with("approve", score=7)
    assert first_line(info) == "task 'approve', attempt -1: input['score'] is 9, expected 7"
    assert "calls:\n  attempt 0: {'score': 9}" in str(info.value)


def test_assert_called_with_a_task_never_called() -> None:
    with pytest.raises(AssertionError) as info:
        loan(score={"band": "high", "value": 9}).assert_called_with("reject", x=1)
    assert first_line(info) == "task 'reject' was never called"


def test_assert_status_shows_the_status_and_the_expected_one() -> None:
    with pytest.raises(AssertionError) as info:
        loan(score={"band": "high", "value": 9}).assert_status("FAILED")
    assert first_line(info) == "workflow 'loan' is COMPLETED, expected FAILED"


# -- waiting runs ----------------------------------------------------------------------------------

REVIEW = {
    "name": "review",
    "version": 1,
    "tasks": [
        simple("prepare"),
        {
            "name": "review",
            "taskReferenceName": "review",
            "type": "HUMAN",
            "taskDefinition": {
                "name": "review",
                "timeoutSeconds": 48 * 3600,
                "timeoutPolicy": "TIME_OUT_WF",
                "responseTimeoutSeconds": 0,
            },
        },
        {
            "name": "cool_off",
            "taskReferenceName": "cool_off",
            "type": "WAIT",
            "inputParameters": {"duration": "1 hour"},
        },
        simple("publish", verdict="${review.output.verdict}"),
    ],
}


def waiting() -> Execution:
    return run_workflow(REVIEW, {}, {"prepare": {}, "publish": {}}, strict={"unused_mocks": False})


def test_a_waiting_run_says_what_it_waits_on() -> None:
    execution = waiting()
    assert execution.status == "RUNNING"
    execution.assert_waiting_on("review")
    with pytest.raises(AssertionError) as info:
        execution.assert_waiting_on("publish")
    assert first_line(info) == "expected the run to be waiting on 'publish'"


def test_completing_the_human_task_lets_the_run_finish_after_the_wait() -> None:
    done = waiting().complete("review", {"verdict": "yes"})
    done.assert_completed().assert_path("prepare", "review", "cool_off", "publish")
    done.assert_called_with("publish", verdict="yes")


def test_nobody_answering_for_48_hours_times_the_workflow_out() -> None:
    execution = waiting()
    still_waiting = execution.advance(hours=47)
    still_waiting.assert_waiting_on("review")
    timed_out = still_waiting.advance(hours=1)
    timed_out.assert_status("TIMED_OUT").assert_task("review", status="TIMED_OUT")


def test_failing_the_task_from_the_test_retries_it_as_a_worker_failure_would() -> None:
    retried_run = waiting().fail("review", "reviewer unavailable")
    assert [str(t.status) for t in retried_run.attempts("review")] == ["FAILED", "IN_PROGRESS"]
    retried_run.assert_waiting_on("review")


def test_a_terminal_failure_from_the_test_fails_the_workflow() -> None:
    failed_run = waiting().fail("review", "rejected by the reviewer", terminal=True)
    failed_run.assert_failed(reason_contains="rejected by the reviewer")
    assert failed_run.task("review").reason_for_incompletion == "rejected by the reviewer"


def test_settling_a_task_that_is_not_open_names_the_open_ones() -> None:
    with pytest.raises(DefinitionError) as info:
        waiting().complete("publish")
    assert str(info.value) == (
        "workflow 'review': no open task 'publish' to settle (open tasks: review; the run is RUNNING)"
    )


def test_time_cannot_move_backwards() -> None:
    with pytest.raises(ValueError, match=r"advance: time only moves forward, received -1.0 s"):
        waiting().advance(seconds=-1)


def test_an_execution_built_by_hand_cannot_go_on() -> None:
    with pytest.raises(BackendNotSupportedError) as info:
        Execution({"workflowName": "x", "status": "RUNNING"}, backend="local").complete("a")
    assert str(info.value) == (
        "cannot completed task 'a': this execution of workflow 'x' (local backend) is not connected to "
        "the backend that ran it"
    )


# -- related runs ------------------------------------------------------------------------------------

COMPENSATE = {
    "name": "compensate",
    "version": 1,
    "tasks": [simple("refund", of="${workflow.input.workflowId}")],
}
SAGA = {
    "name": "saga",
    "version": 1,
    "failureWorkflow": "compensate",
    "tasks": [
        simple("charge"),
        {
            "name": "child",
            "taskReferenceName": "book",
            "type": "SUB_WORKFLOW",
            "subWorkflowParam": {
                "name": "booking",
                "workflowDefinition": {"name": "booking", "version": 1, "tasks": [simple("reserve")]},
            },
        },
        {**simple("ship"), "taskDefinition": {"name": "t_ship", "retryCount": 0}},
    ],
}


def test_the_failure_workflow_is_driven_with_its_own_mocks_and_reachable() -> None:
    harness = Harness().register(COMPENSATE)
    execution = harness.run(
        SAGA,
        {},
        {"charge": {}, "ship": failed()},
        sub_workflow_mocks={"book": {"reserve": {"seat": "12A"}}},
        failure_workflow_mocks={"refund": {"refunded": True}},
    )
    execution.assert_failed()
    compensation = execution.failure_workflow
    assert compensation is not None
    compensation.assert_completed().assert_called_with("refund", of=execution.workflow_id)
    assert compensation.task("refund").output_data == {"refunded": True}


def test_a_sub_workflow_execution_is_reachable_by_its_task() -> None:
    execution = (
        Harness()
        .register(COMPENSATE)
        .run(
            SAGA,
            {},
            {"charge": {}, "ship": {}},
            sub_workflow_mocks={"book": {"reserve": {"seat": "12A"}}},
        )
    )
    booking = execution.sub_workflow("book")
    assert (booking.name, booking.status, booking.path()) == ("booking", "COMPLETED", ["reserve"])
    assert execution.failure_workflow is None
    with pytest.raises(AssertionError) as info:
        execution.sub_workflow("charge")
    assert first_line(info) == "task 'charge' started no sub-workflow"


def test_an_unused_failure_workflow_mock_is_reported() -> None:
    with pytest.raises(AssertionError, match=r"<failure workflow>/refund \(1 left\)"):
        Harness().register(COMPENSATE).run(
            SAGA,
            {},
            {"charge": {}, "ship": {}},
            sub_workflow_mocks={"book": {"reserve": {}}},
            failure_workflow_mocks={"refund": {}},
        )
