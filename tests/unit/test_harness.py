"""The harness on the local backend: mocks, mock functions and real workers on the real engine."""

from __future__ import annotations

import copy
from datetime import datetime, timezone
from typing import Any, Dict, List

import pytest
import responses

from conductor_testkit.errors import DefinitionError
from conductor_testkit.models import TaskResult, WorkflowDef
from conductor_testkit.testing import (
    Harness,
    LocalBackend,
    completed,
    failed,
    in_progress,
    mock,
    run_workflow,
)
from conductor_testkit.worker import Worker, worker_task
from conductor_testkit.workflow import ConductorWorkflow, SimpleTask


def simple(ref: str, **inputs: Any) -> Dict[str, Any]:
    return {"name": f"t_{ref}", "taskReferenceName": ref, "type": "SIMPLE", "inputParameters": inputs}


def definition(*tasks: Dict[str, Any], **extra: Any) -> Dict[str, Any]:
    return {"name": "harness_unit", "version": 1, "tasks": list(tasks), **extra}


TWO_STEPS = definition(
    simple("charge", amount="${workflow.input.amount}"),
    simple("ship", charged="${charge.output.charged}"),
    outputParameters={"charged": "${charge.output.charged}", "tracking": "${ship.output.tracking}"},
)


def statuses(attempts: List[Any]) -> List[str]:
    return [str(t.status) for t in attempts]


def test_a_plain_dict_mock_is_the_output_of_one_completed_attempt() -> None:
    execution = run_workflow(TWO_STEPS, {"amount": 5}, {"charge": {"charged": 5}, "ship": {"tracking": "T1"}})
    assert execution.output == {"charged": 5, "tracking": "T1"}


def test_mock_lists_are_consumed_one_per_attempt() -> None:
    mocks = {"charge": [failed({"error": "declined"}), completed({"charged": 5})], "ship": {}}
    execution = run_workflow(TWO_STEPS, {"amount": 5}, mocks)
    assert statuses(execution.attempts("charge")) == ["FAILED", "COMPLETED"]


def test_a_dict_in_the_mock_shape_sets_the_status() -> None:
    execution = run_workflow(TWO_STEPS, {}, {"charge": {"status": "FAILED_WITH_TERMINAL_ERROR"}})
    assert execution.status == "FAILED"


def test_completed_wraps_an_output_that_looks_like_a_mock() -> None:
    execution = run_workflow(TWO_STEPS, {}, {"charge": completed({"status": "shipped"}), "ship": {}})
    assert execution.task("charge").output_data == {"status": "shipped"}


def test_a_wire_task_mock_dict_with_execution_time_is_accepted() -> None:
    mocks = {"charge": [{"status": "COMPLETED", "output": {"charged": 1}, "executionTime": 1500}], "ship": {}}
    execution = run_workflow(TWO_STEPS, {}, mocks)
    task = execution.task("charge")
    assert (task.end_time or 0) - (task.start_time or 0) == 1500


def test_a_mock_function_receives_the_task_input() -> None:
    seen: List[Dict[str, Any]] = []

    def charge(task_input: Dict[str, Any]) -> Dict[str, Any]:
        seen.append(task_input)
        return {"charged": task_input["amount"] * 2}

    execution = run_workflow(TWO_STEPS, {"amount": 4}, {"charge": charge, "ship": {}})
    assert (seen, execution.output["charged"]) == ([{"amount": 4}], 8)


def test_a_mock_function_answers_every_attempt() -> None:
    calls: List[int] = []

    def flaky(task_input: Dict[str, Any]) -> TaskResult:
        calls.append(1)
        if len(calls) < 3:
            return TaskResult(status="FAILED", reason_for_incompletion="try again")
        return TaskResult(status="COMPLETED", output_data={"charged": 1})

    execution = run_workflow(TWO_STEPS, {}, {"charge": flaky, "ship": {}})
    assert statuses(execution.attempts("charge")) == ["FAILED", "FAILED", "COMPLETED"]


def test_an_exception_in_a_mock_function_fails_the_attempt_with_its_text() -> None:
    def broken(task_input: Dict[str, Any]) -> Dict[str, Any]:
        raise ValueError("card expired")

    execution = run_workflow(TWO_STEPS, {}, {"charge": [broken, completed()], "ship": {}})
    assert execution.attempts("charge")[0].reason_for_incompletion == "ValueError: card expired"


def test_an_assertion_error_in_a_mock_function_ends_the_test() -> None:
    def strict(task_input: Dict[str, Any]) -> Dict[str, Any]:
        assert task_input["amount"] == 1, "amount must be 1"
        return {}

    with pytest.raises(AssertionError, match="amount must be 1"):
        run_workflow(TWO_STEPS, {"amount": 2}, {"charge": strict})


@worker_task(task_definition_name="t_ship")
def ship(charged: int) -> Dict[str, Any]:
    return {"tracking": f"T-{charged}"}


def test_a_worker_task_function_runs_for_its_task_type() -> None:
    execution = run_workflow(TWO_STEPS, {}, {"charge": {"charged": 3}}, workers=[ship])
    assert execution.output["tracking"] == "T-3"


def test_a_plain_function_is_a_worker_when_given_by_task_type() -> None:
    execution = run_workflow(
        TWO_STEPS, {}, {"charge": {"charged": 3}}, workers={"t_ship": lambda: {"tracking": "X"}}
    )
    assert execution.output["tracking"] == "X"


def test_a_mock_wins_over_the_worker_of_the_same_task_type() -> None:
    execution = run_workflow(
        TWO_STEPS, {}, {"charge": {"charged": 3}, "ship": {"tracking": "mocked"}}, workers=[ship]
    )
    assert execution.output["tracking"] == "mocked"


def test_worker_code_sees_the_virtual_clock() -> None:
    backend = LocalBackend()
    seen: List[datetime] = []
    worker = Worker("t_ship", lambda: seen.append(datetime.now(timezone.utc)) or {})
    run_workflow(TWO_STEPS, {}, {"charge": {}}, workers=[worker], backend=backend)
    assert seen == [backend.clock.now()]


def test_a_retry_delay_passes_on_the_virtual_clock() -> None:
    harness = Harness()
    harness.register({"name": "t_charge", "retryCount": 1, "retryLogic": "FIXED", "retryDelaySeconds": 600})
    start_ms = harness.clock.now_ms()
    harness.run(TWO_STEPS, {}, {"charge": [failed(), completed()], "ship": {}}).assert_completed()
    assert harness.clock.now_ms() - start_ms >= 600_000


def test_a_registered_task_def_without_retries_fails_the_workflow_at_once() -> None:
    harness = Harness().register({"name": "t_charge", "retryCount": 0})
    execution = harness.run(TWO_STEPS, {}, {"charge": failed()})
    assert (execution.status, len(execution.attempts("charge"))) == ("FAILED", 1)


def test_a_task_without_mock_or_worker_blocks_the_run_and_says_why() -> None:
    execution = run_workflow(TWO_STEPS, {}, {"charge": {}})
    assert [str(b) for b in execution.blocked] == [
        "ship (t_ship, SCHEDULED): no mock, mock function or worker for it (task type 't_ship'); "
        "pass mocks={'ship': ...} or a worker for 't_ship'"
    ]


def test_used_up_mocks_block_the_retry_attempt() -> None:
    execution = run_workflow(TWO_STEPS, {}, {"charge": [failed()]})
    assert execution.blocked[0].reason == "its 1 mocked attempt(s) are used up; add more to mocks['charge']"


def test_an_in_progress_mock_sends_a_worker_task_back_to_the_queue() -> None:
    execution = run_workflow(
        TWO_STEPS, {}, {"charge": [in_progress({"step": 1}), completed({"charged": 2})], "ship": {}}
    )
    assert execution.task("charge").output_data == {"step": 1, "charged": 2}


def test_a_mocked_wait_task_completes_with_the_mock_output() -> None:
    wait = {"name": "approval", "taskReferenceName": "approval", "type": "WAIT"}
    execution = run_workflow(definition(wait), {}, {"approval": {"approved": True}})
    execution.assert_completed().assert_task("approval", output={"approved": True})


def test_an_unmocked_wait_for_a_signal_blocks_the_run() -> None:
    wait = {"name": "approval", "taskReferenceName": "approval", "type": "WAIT"}
    execution = run_workflow(definition(wait), {})
    assert execution.blocked[0].reason == "the WAIT task waits for a signal; mock it: mocks={'approval': {}}"


def test_a_wait_for_a_duration_passes_on_the_virtual_clock() -> None:
    wait = {
        "name": "nap",
        "taskReferenceName": "nap",
        "type": "WAIT",
        "inputParameters": {"duration": "2 days"},
    }
    harness = Harness()
    start_ms = harness.clock.now_ms()
    harness.run(definition(wait), {}).assert_completed()
    assert harness.clock.now_ms() - start_ms >= 2 * 86_400_000


@responses.activate
def test_a_mocked_http_task_never_sends_its_request() -> None:
    http = {
        "name": "call",
        "taskReferenceName": "call",
        "type": "HTTP",
        "inputParameters": {"http_request": {"uri": "http://example.invalid/x", "method": "GET"}},
    }
    execution = run_workflow(definition(http), {}, {"call": {"response": {"statusCode": 201}}})
    assert (execution.status, len(responses.calls)) == ("COMPLETED", 0)


def test_mock_attempts_never_used_are_reported() -> None:
    execution = run_workflow(
        TWO_STEPS, {}, {"charge": [completed(), completed()], "ship": {}}, strict={"unused_mocks": False}
    )
    assert execution.unused_mocks == {"charge": 1}


def test_a_mock_for_a_reference_the_workflow_lacks_is_an_error_listing_its_tasks() -> None:
    with pytest.raises(
        DefinitionError, match=r"has no task with reference name 'chrage'; its tasks are: charge, ship"
    ):
        run_workflow(TWO_STEPS, {}, {"chrage": {}})


def test_a_definition_changed_in_place_between_runs_is_read_again() -> None:
    """What the harness works out once per definition is keyed by its content, not the dict."""
    workflow = {**copy.deepcopy(TWO_STEPS), "outputParameters": {}}
    harness = Harness()
    harness.run(workflow, {}, {"charge": {}, "ship": {}}).assert_completed()
    workflow["tasks"][1]["taskReferenceName"] = "deliver"
    with pytest.raises(
        DefinitionError, match=r"has no task with reference name 'ship'; its tasks are: charge, deliver"
    ):
        harness.run(workflow, {}, {"charge": {}, "ship": {}})
    harness.run(workflow, {}, {"charge": {}, "deliver": {}}).assert_completed()


def test_a_mock_for_an_operator_task_is_an_error() -> None:
    inline = {
        "name": "calc",
        "taskReferenceName": "calc",
        "type": "INLINE",
        "inputParameters": {"evaluatorType": "graaljs", "expression": "1"},
    }
    with pytest.raises(
        DefinitionError, match=r"task 'calc' of workflow 'harness_unit' is a INLINE, which runs by itself"
    ):
        run_workflow(definition(inline), {}, {"calc": {}})


def test_loop_iterations_are_mocked_by_their_iteration_reference() -> None:
    loop = {
        "name": "loop",
        "taskReferenceName": "loop",
        "type": "DO_WHILE",
        "loopCondition": "if ($.loop['iteration'] < 2) { true; } else { false; }",
        "loopOver": [simple("step")],
    }
    execution = run_workflow(definition(loop), {}, {"step__1": {"n": 1}, "step__2": {"n": 2}})
    assert [t.output_data for t in execution.attempts("step")] == [{"n": 1}, {"n": 2}]


def test_a_workflow_def_model_and_a_dsl_workflow_run_alike() -> None:
    workflow = ConductorWorkflow(name="harness_dsl")
    workflow >> SimpleTask("t_charge", "charge")
    model = WorkflowDef.from_dict(workflow.to_dict())
    outputs = [
        run_workflow(w, {}, {"charge": {"ok": 1}}).task("charge").output_data for w in (workflow, model)
    ]
    assert outputs == [{"ok": 1}, {"ok": 1}]


def test_sub_workflow_mocks_apply_to_the_child_started_by_that_task() -> None:
    harness = Harness().register(definition(simple("inner"), outputParameters={"v": "${inner.output.v}"}))
    parent = {
        "name": "harness_parent",
        "tasks": [
            {
                "name": "sub",
                "taskReferenceName": "sub",
                "type": "SUB_WORKFLOW",
                "subWorkflowParam": {"name": "harness_unit", "version": 1},
            }
        ],
        "outputParameters": {"v": "${sub.output.v}"},
    }
    execution = harness.run(parent, {}, sub_workflow_mocks={"sub": {"inner": {"v": 9}}})
    assert execution.output == {"v": 9}


def test_the_harness_counts_its_executions() -> None:
    harness = Harness()
    harness.run(TWO_STEPS, {}, {"charge": {}, "ship": {}})
    harness.run(TWO_STEPS, {}, {"charge": {}})
    assert len(harness.executions) == 2


def test_mock_builds_a_task_mock_model_with_timing() -> None:
    assert mock("IN_PROGRESS", {"a": 1}, execution_time_ms=5).to_dict() == {
        "status": "IN_PROGRESS",
        "output": {"a": 1},
        "executionTime": 5,
        "queueWaitTime": 0,
    }


def test_mock_rejects_an_unknown_status() -> None:
    with pytest.raises(DefinitionError, match=r"mock: status must be one of .* received 'DONE'"):
        mock("DONE")
