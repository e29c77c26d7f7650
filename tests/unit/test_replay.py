"""Replay: a case run again and compared with its record, every divergence named."""

from __future__ import annotations

import copy

import pytest
from capture_support import WORKFLOWS, Production

from conductor_testkit.testing import Harness
from conductor_testkit.testing.capture import capture
from conductor_testkit.testing.replay import ReplayMismatch, harness_mocks, replay


@pytest.fixture(scope="module")
def cases() -> dict:
    production = Production()
    labels = ("orders_us_retried", "approval", "parent", "fails")
    return {label: capture(production.run(label).workflow_id, production.clients) for label in labels}


def test_a_faithful_replay_says_it_matches_the_recording(cases: dict) -> None:
    case = cases["orders_us_retried"]
    result = replay(case, Harness())
    assert result.ok and result.divergences == [] and result.kinds() == []
    assert result.describe().startswith(f"case {case.name!r} (workflow 'u_orders' version 1, captured ")
    assert result.describe().endswith("replayed on the local backend: matches the recording")
    assert result.execution.status == "COMPLETED"


def test_a_changed_output_is_reported_wherever_it_shows(cases: dict) -> None:
    case = copy.deepcopy(cases["orders_us_retried"])
    case.mocks.mocks["charge"][-1]["output"]["charged"] = 31
    result = replay(case)
    # the worker's output, the workflow's output and the input of the task that reads it
    assert [str(d) for d in result.divergences] == [
        "output: output.charged: expected 30, got 31",
        "task output: charge (retry 2) outputData.charged: expected 30, got 31",
        "task input: ship_us inputData.charge: expected 30, got 31",
    ]
    with pytest.raises(ReplayMismatch) as failure:
        result.assert_matches()
    assert "divergence(s) from the recording" in str(failure.value)
    assert "the replay:\nworkflow 'u_orders' (local backend): COMPLETED" in str(failure.value)


def test_on_the_engine_reasons_are_replayed_and_compared(cases: dict) -> None:
    case = copy.deepcopy(cases["orders_us_retried"])
    case.mocks.mocks["charge"][0]["reason"] = "insufficient funds"
    result = replay(case)
    assert result.kinds() == ["reason"]
    assert str(result.divergences[0]) == (
        'reason: charge reasonForIncompletion: expected "card declined (attempt 0)", got "insufficient funds"'
    )


def test_without_mock_functions_the_attempts_are_data_and_reasons_stay_in_the_case(cases: dict) -> None:
    case = cases["fails"]
    with_functions, _ = harness_mocks(case.mocks, case.recorded, with_reasons=True)
    as_data, _ = harness_mocks(case.mocks, case.recorded, with_reasons=False)
    assert as_data["risky"] == [{"status": "FAILED_WITH_TERMINAL_ERROR", "output": {}}]
    # on a backend that runs mock functions, the worker's attempt comes back as the worker reported it
    assert with_functions["risky"][0]({}).reason_for_incompletion == "cannot process 9"
    approval = cases["approval"]
    with_functions, _ = harness_mocks(approval.mocks, approval.recorded, with_reasons=True)
    assert with_functions["review"] == [
        {"status": "COMPLETED", "output": approval.mocks.mocks["review"][0]["output"]}
    ]


def test_attempts_the_replay_never_used_are_a_divergence(cases: dict) -> None:
    case = copy.deepcopy(cases["orders_us_retried"])
    case.mocks.mocks["ship_us"].append({"status": "COMPLETED", "output": {}})
    assert [str(d) for d in replay(case).divergences] == ["unused mocks: ship_us (1 left)"]


def test_sub_workflows_are_compared_level_by_level(cases: dict) -> None:
    case = copy.deepcopy(cases["parent"])
    case.mocks.sub_workflows["to_child"].sub_workflows["to_grandchild"].mocks["leaf"][0]["output"][
        "value"
    ] = 4
    where = {(d.where, d.kind) for d in replay(case).divergences}
    assert ("sub-workflow 'to_child' > sub-workflow 'to_grandchild'", "task output") in where
    # the child's output, and in the parent the SUB_WORKFLOW task's output and the input of its successor
    assert ("sub-workflow 'to_child'", "output") in where
    assert ("", "task output") in where and ("", "task input") in where


def test_the_failure_workflow_is_compared_where_the_backend_runs_it(cases: dict) -> None:
    case = copy.deepcopy(cases["fails"])
    assert case.failure_workflow_mocks is not None
    case.failure_workflow_mocks.mocks["cleanup"][0]["status"] = "FAILED"
    where = {(d.where, d.kind) for d in replay(case).divergences}
    assert ("failure workflow", "status") in where and ("failure workflow", "task status") in where


def test_another_definition_leaves_out_the_mocks_of_tasks_it_does_not_have(cases: dict) -> None:
    definition = copy.deepcopy(WORKFLOWS["u_orders"])
    definition["tasks"][1]["decisionCases"]["us"][0]["taskReferenceName"] = "ship_domestic"
    result = replay(cases["orders_us_retried"], definition=definition)
    assert result.dropped_mocks == {"ship_us": "the definition has no task with this reference name"}
    assert result.kinds() == ["status", "path", "output", "blocked"]
    assert str(result.divergences[1]) == (
        "path: diverges at step 3: recorded 'ship_us', replayed 'ship_domestic' "
        "(recorded: charge -> route -> ship_us; replayed: charge -> route -> ship_domestic)"
    )
    assert (
        "mocks left out:\n  - ship_us: the definition has no task with this reference name"
        in result.describe()
    )
