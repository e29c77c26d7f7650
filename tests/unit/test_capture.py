"""Capture: an execution read through the clients becomes a case whose replay does what it did.

The executions run on an in-memory engine with real worker functions (``capture_support``); the
integration tests capture the same workflows' executions on the real server.
"""

from __future__ import annotations

from typing import Any, Dict, Optional

import pytest
from capture_support import DEFINITIONS, WORKFLOWS, Production, name, workers

from conductor_testkit.testing.capture import attempt_of, capture, capture_recent, path_signature
from conductor_testkit.testing.redaction import REDACTED
from conductor_testkit.testing.replay import replay
from conductor_testkit.worker import TaskInProgress, Worker


@pytest.fixture
def production() -> Production:
    return Production()


@pytest.mark.parametrize(
    ("task", "attempt"),
    [
        ({"status": "COMPLETED", "outputData": {"a": 1}}, {"status": "COMPLETED", "output": {"a": 1}}),
        (
            {"status": "FAILED", "outputData": {}, "reasonForIncompletion": "boom"},
            {"status": "FAILED", "output": {}, "reason": "boom"},
        ),
        ({"status": "FAILED_WITH_TERMINAL_ERROR"}, {"status": "FAILED_WITH_TERMINAL_ERROR", "output": {}}),
        # an optional task that failed: its worker reported FAILED
        (
            {"status": "COMPLETED_WITH_ERRORS", "reasonForIncompletion": "x"},
            {"status": "FAILED", "output": {}, "reason": "x"},
        ),
        # timed out: IN_PROGRESS for longer than the larger of its timeouts
        (
            {"status": "TIMED_OUT", "responseTimeoutSeconds": 5, "taskDefinition": {"timeoutSeconds": 20}},
            {"status": "IN_PROGRESS", "output": {}, "executionTime": 21000},
        ),
        ({"status": "CANCELED"}, None),
        ({"status": "SKIPPED"}, None),
        ({"status": "SCHEDULED"}, None),
        ({"status": "IN_PROGRESS"}, None),
    ],
)
def test_each_task_status_becomes_the_attempt_that_replays_it(
    task: Dict[str, Any], attempt: Optional[Dict[str, Any]]
) -> None:
    assert attempt_of(task) == attempt


def test_a_retried_task_becomes_one_mocked_attempt_per_try_with_its_reason(production: Production) -> None:
    execution = production.run("orders_us_retried")
    case = capture(execution.workflow_id, production.clients, name="us_retried")
    assert case.name == "us_retried"
    assert case.mocks.to_dict() == {
        "mocks": {
            "charge": [
                {"status": "FAILED", "output": {}, "reason": "card declined (attempt 0)"},
                {"status": "FAILED", "output": {}, "reason": "card declined (attempt 1)"},
                {
                    "status": "COMPLETED",
                    "output": {"charged": 30, "receipt": {"id": "r-30", "token": REDACTED}},
                },
            ],
            "ship_us": [{"status": "COMPLETED", "output": {"tracking": "USPS-30"}}],
        }
    }
    assert case.recorded.path == ["charge", "route", "ship_us"]
    assert case.recorded.status == "COMPLETED"
    assert (case.input["password"], case.input["card"]["token"]) == (REDACTED, REDACTED)
    # the retry settings a replay needs: the registered TaskDefs of the worker tasks
    assert sorted((d["name"], d["retryCount"]) for d in case.task_definitions) == [
        ("u_charge", 2),
        ("u_ship", 0),
    ]
    assert (case.definition["name"], case.definition["version"]) == ("u_orders", 1)
    assert case.correlation_id == "corr-orders_us_retried"
    assert case.source["workflowId"] == execution.workflow_id
    assert case.captured_at.endswith("Z")
    assert replay(case).assert_matches().ok


def test_loop_iterations_are_mocked_by_their_iteration_references(production: Production) -> None:
    case = capture(production.run("loop").workflow_id, production.clients)
    assert sorted(case.mocks.mocks) == ["item__1", "item__2", "item__3"]  # the INLINE tasks run again
    replay(case).assert_matches()


def test_dynamic_fork_tasks_and_a_dynamic_task_are_mocked_by_their_run_time_references(
    production: Production,
) -> None:
    case = capture(production.run("dynfork").workflow_id, production.clients)
    assert sorted(case.mocks.mocks) == ["_u_work_0", "_u_work_1", "_u_work_2", "pick", "prepare"]
    assert case.recorded.path == [
        "prepare",
        "fan_out",
        "_u_work_0",
        "_u_work_1",
        "_u_work_2",
        "fan_in",
        "pick",
    ]
    replay(case).assert_matches()


def test_sub_workflows_are_captured_recursively_with_their_definitions(production: Production) -> None:
    case = capture(production.run("parent").workflow_id, production.clients)
    assert case.to_dict()["subWorkflowMocks"] == {
        "to_child": {
            "mocks": {"step": [{"status": "COMPLETED", "output": {"value": 2}}]},
            "subWorkflowMocks": {
                "to_grandchild": {"mocks": {"leaf": [{"status": "COMPLETED", "output": {"value": 3}}]}}
            },
        }
    }
    assert sorted(d["name"] for d in case.workflow_definitions) == ["u_child", "u_grandchild"]
    assert case.recorded.sub_workflows["to_child"].sub_workflows["to_grandchild"].path == ["leaf"]
    result = replay(case).assert_matches()
    assert result.execution.sub_workflow("to_child").sub_workflow("to_grandchild").status == "COMPLETED"


def test_the_failure_workflow_is_captured_and_replayed(production: Production) -> None:
    execution = production.run("fails")
    assert execution.failure_workflow is not None  # production ran it
    case = capture(execution.workflow_id, production.clients)
    assert case.mocks.mocks == {
        "risky": [{"status": "FAILED_WITH_TERMINAL_ERROR", "output": {}, "reason": "cannot process 9"}]
    }
    assert case.to_dict()["failureWorkflowMocks"] == {
        "mocks": {"cleanup": [{"status": "COMPLETED", "output": {"cleaned": execution.workflow_id}}]}
    }
    assert [d["name"] for d in case.workflow_definitions] == ["u_cleanup"]
    result = replay(case).assert_matches()
    # the failure workflow's input names the replay's own run, and so does the mock echoing it
    assert result.execution.failure_workflow is not None
    assert result.execution.failure_workflow.output == {"cleaned": result.execution.workflow_id}


def test_wait_and_human_tasks_are_mocked_with_the_output_they_were_completed_with(
    production: Production,
) -> None:
    case = capture(production.run("approval").workflow_id, production.clients)
    assert case.mocks.mocks["payment"] == [{"status": "COMPLETED", "output": {"paid": True}}]
    assert case.mocks.mocks["review"] == [
        {
            "status": "COMPLETED",
            "output": {"verdict": "approved", "reviewer": {"name": "ana", "authorization": REDACTED}},
        }
    ]
    assert case.mocks.mocks["publish"][0]["output"]["password"] == REDACTED
    replay(case).assert_matches()


def test_a_timed_out_attempt_replays_as_a_timeout(production: Production) -> None:
    production.harness.register(
        {
            "name": "u_slow",
            "retryCount": 0,
            "timeoutSeconds": 10,
            "responseTimeoutSeconds": 5,
            "timeoutPolicy": "TIME_OUT_WF",
        }
    )
    definition = {
        "name": "u_slow_flow",
        "version": 1,
        "tasks": [{"name": "u_slow", "taskReferenceName": "slow", "type": "SIMPLE"}],
    }
    waiting = production.harness.run(
        definition, {}, workers=[Worker("u_slow", lambda: TaskInProgress(callback_after_seconds=60))]
    )
    timed_out = waiting.advance(seconds=30).assert_status("TIMED_OUT")
    case = capture(timed_out.workflow_id, production.clients)
    reason = (
        "Task timed out after 60 seconds. Timeout configured as 10 seconds. "
        "Timeout policy configured to TIME_OUT_WF"
    )
    assert case.mocks.mocks["slow"] == [
        {"status": "IN_PROGRESS", "output": {}, "executionTime": 60000, "reason": reason}
    ]
    assert case.notes == [
        "u_slow_flow: task 'slow' timed out; its attempt is replayed as IN_PROGRESS for 60000 ms, "
        "past its timeout"
    ]
    replay(case).assert_matches()


def test_capture_recent_keeps_the_newest_execution_of_each_distinct_path(production: Production) -> None:
    for label in ("orders_us_retried", "orders_us", "orders_eu", "orders_eu_again"):
        production.run(label)
        production.engine.clock.advance(60)  # the search sorts by start time
    newest_us = production.run("orders_us", amount=9)
    production.run("fails")
    cases = capture_recent("u_orders", production.clients, last=10, statuses=["COMPLETED"])
    paths = sorted((c.recorded.path, len(c.mocks.mocks["charge"])) for c in cases)
    assert paths == [
        (["charge", "route", "ship_eu"], 1),
        (["charge", "route", "ship_us"], 1),
        (["charge", "route", "ship_us"], 3),  # the retried charge is a path of its own
    ]
    assert newest_us.workflow_id in [c.source["workflowId"] for c in cases]
    assert len({path_signature(c) for c in cases}) == 3
    assert capture_recent("u_orders", production.clients, statuses=["FAILED"]) == []
    assert [c.recorded.status for c in capture_recent("u_fails", production.clients, last=1)] == ["FAILED"]


def test_every_worker_task_definition_is_kept(production: Production) -> None:
    case = capture(production.run("fork").workflow_id, production.clients)
    assert [d["name"] for d in case.task_definitions] == ["u_work"]
    assert case.mocks.mocks["audit"] == [
        {"status": "FAILED", "output": {}, "reason": "audit service unavailable"}  # an optional task
    ]
    assert [d["name"] for d in DEFINITIONS["task_defs"]] == ["u_charge", "u_ship", "u_work"]
    replay(case).assert_matches()


def test_an_execution_still_running_replays_up_to_the_task_it_waits_for(production: Production) -> None:
    waiting = production.harness.run(WORKFLOWS["u_approval"], {}, workers=workers(name))
    waiting = waiting.complete("payment", {"paid": True}).assert_waiting_on("review")
    case = capture(waiting.workflow_id, production.clients)
    assert case.recorded.status == "RUNNING"
    assert list(case.mocks.mocks) == ["payment"]  # the open HUMAN task had no outcome yet
    result = replay(case).assert_matches()
    assert result.execution.is_waiting_on("review")
