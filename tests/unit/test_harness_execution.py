"""``Execution``: accessors and the exact text of its assertion failures (runs on the real engine)."""

from __future__ import annotations

from typing import Any, Dict

import pytest

from conductor_testkit.models import TaskResult
from conductor_testkit.testing import Execution, failed, run_workflow


def simple(ref: str, **inputs: Any) -> Dict[str, Any]:
    return {"name": f"t_{ref}", "taskReferenceName": ref, "type": "SIMPLE", "inputParameters": inputs}


ROUTED = {
    "name": "routed",
    "version": 1,
    "tasks": [
        simple("check", amount="${workflow.input.amount}"),
        {
            "name": "route",
            "taskReferenceName": "route",
            "type": "SWITCH",
            "evaluatorType": "value-param",
            "expression": "v",
            "inputParameters": {"v": "${workflow.input.country}"},
            "decisionCases": {"us": [simple("ship_us")]},
            "defaultCase": [simple("ship_other")],
        },
    ],
}


def routed(country: str = "us", **mocks: Any) -> Execution:
    # mocks for the branch not taken are part of these runs: not strict about unused ones
    return run_workflow(
        ROUTED,
        {"country": country, "amount": 7},
        {"check": {"ok": True}, "ship_us": {}, **mocks},
        strict={"unused_mocks": False},
    )


def test_task_sequence_lists_every_attempt_in_order() -> None:
    execution = routed(check=[failed(), {"ok": True}])
    assert execution.task_sequence() == ["check", "check", "route", "ship_us"]


def test_ran_and_skipped_tell_which_branch_ran() -> None:
    execution = routed("us")
    assert (execution.ran("ship_us"), execution.skipped("ship_other")) == (True, True)


def test_selected_case_is_the_case_the_switch_chose() -> None:
    assert routed("us").selected_case("route") == "us"


def test_assert_completed_failure_shows_status_and_task_sequence() -> None:
    execution = routed("fr")
    with pytest.raises(AssertionError) as info:
        execution.assert_completed()
    assert str(info.value) == (
        "workflow 'routed' is RUNNING, expected COMPLETED\n"
        "workflow 'routed' (local backend): RUNNING\n"
        "blocked on:\n"
        "  - ship_other (t_ship_other, SCHEDULED): no mock, mock function or worker for it "
        "(task type 't_ship_other'); pass mocks={'ship_other': ...} or a worker for 't_ship_other'\n"
        "task sequence:\n"
        "   1. check       t_check       COMPLETED\n"
        "   2. route       SWITCH        COMPLETED  (case 'fr')\n"
        "   3. ship_other  t_ship_other  SCHEDULED"
    )


def test_assert_failed_checks_the_reason() -> None:
    execution = routed(check={"status": "FAILED_WITH_TERMINAL_ERROR"})
    with pytest.raises(
        AssertionError, match=r"^workflow 'routed' FAILED, but its reason does not contain 'timeout'\n"
    ):
        execution.assert_failed(reason_contains="timeout")


def test_assert_failed_passes_when_the_reason_matches() -> None:
    def decline(task_input: Dict[str, Any]) -> TaskResult:
        return TaskResult(status="FAILED_WITH_TERMINAL_ERROR", reason_for_incompletion="card declined")

    routed(check=decline).assert_failed(reason_contains="card declined")


def test_assert_task_names_each_mismatch() -> None:
    execution = routed()
    with pytest.raises(
        AssertionError,
        match=r"^task 'check': status is COMPLETED, expected FAILED; "
        r"output is \{'ok': True\}, expected \{'ok': False\}\n",
    ):
        execution.assert_task("check", status="FAILED", output={"ok": False})


def test_assert_task_output_contains_ignores_other_keys() -> None:
    execution = routed(check={"ok": True, "score": 3})
    execution.assert_task("check", output_contains={"score": 3}, input_contains={"amount": 7})


def test_task_of_a_task_that_never_ran_fails_with_the_sequence() -> None:
    with pytest.raises(AssertionError, match=r"^task 'ship_other' did not run\nworkflow 'routed'"):
        routed("us").task("ship_other")


def test_assert_not_ran_lists_the_tasks_that_ran() -> None:
    with pytest.raises(AssertionError, match=r"^expected these tasks not to run: ship_us\n"):
        routed("us").assert_not_ran("ship_us", "ship_other")


def test_assert_blocked_on_passes_for_the_blocking_task() -> None:
    routed("fr").assert_blocked_on("ship_other")


def test_the_workflow_model_has_the_same_status() -> None:
    execution = routed()
    assert execution.to_model().status == execution.status == "COMPLETED"


def test_assert_mocks_used_names_the_mocks_left_over() -> None:
    execution = routed("us", ship_other={"never": "used"})
    with pytest.raises(AssertionError, match=r"^mocked attempts never used: ship_other \(1 left\)\n"):
        execution.assert_mocks_used()
