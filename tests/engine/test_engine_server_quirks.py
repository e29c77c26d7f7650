"""Server behaviours that look odd but were verified on Conductor 3.32.1 (POST /workflow/test)."""

from __future__ import annotations

from typing import Any, Dict, List

from _engine_helpers import simple, system_task, wf

from conductor_testkit.engine import Engine


def ok(**output: Any) -> List[Dict[str, Any]]:
    return [{"status": "COMPLETED", "output": output}]


def test_tasks_finished_in_the_completing_decide_stay_not_executed() -> None:
    # verified: the server does not save the executed flags of the pass that completes the workflow
    sw = system_task(
        "sw",
        "SWITCH",
        evaluatorType="value-param",
        expression="c",
        inputParameters={"c": "1"},
        decisionCases={"1": [{"name": "n", "taskReferenceName": "n", "type": "NOOP"}]},
    )
    out = Engine().test_workflow(
        {"workflowDef": wf("q", [simple("a"), sw]), "taskRefToMockOutput": {"a": ok()}}
    )
    assert [(t["referenceTaskName"], t["executed"]) for t in out["tasks"]] == [
        ("a", True),
        ("sw", False),
        ("n", False),
    ]


def test_in_progress_mock_with_execution_time_hits_response_timeout_of_never_updated_task() -> None:
    # verified: the mock is written with the raw DAO, updateTime stays 0, responseTimeout fires at once
    engine = Engine()
    engine.register_task_def(
        {"name": "t_a", "retryCount": 0, "responseTimeoutSeconds": 2, "timeoutPolicy": "ALERT_ONLY"}
    )
    out = engine.test_workflow(
        {
            "workflowDef": wf("q", [simple("a")]),
            "taskRefToMockOutput": {"a": [{"status": "IN_PROGRESS", "output": {}, "executionTime": 5000}]},
        }
    )
    assert out["status"] == "TIMED_OUT"
    assert out["tasks"][0]["reasonForIncompletion"].startswith("responseTimeout: 2 exceeded")


def test_do_while_output_of_unfinished_iteration_is_not_saved() -> None:
    # verified (fidelity case do_while_failed_body): no "2" key after the body failed in iteration 2
    loop = system_task(
        "loop",
        "DO_WHILE",
        loopCondition="$.loop['iteration'] < 3",
        loopOver=[simple("body", retryCount=0)],
    )
    out = Engine().test_workflow(
        {
            "workflowDef": wf("q", [loop]),
            "taskRefToMockOutput": {
                "body__1": ok(ok=1),
                "body__2": [{"status": "FAILED", "output": {"bad": 1}}],
            },
        }
    )
    assert out["status"] == "FAILED"
    assert out["tasks"][0]["outputData"] == {"1": {"body": {"ok": 1}}, "iteration": 2}


def test_join_completes_between_test_iterations_so_branch_tasks_come_first() -> None:
    # verified (fidelity case fork_join_branch_not_in_join_on): b2 gets seq 5, 'after' seq 6
    tasks: List[Dict[str, Any]] = [
        {
            "name": "fork",
            "taskReferenceName": "fork",
            "type": "FORK_JOIN",
            "forkTasks": [[simple("a")], [simple("b1"), simple("b2")]],
        },
        {"name": "join", "taskReferenceName": "join", "type": "JOIN", "joinOn": ["a"]},
        simple("after"),
    ]
    mocks = {"a": ok(a=1), "b1": ok(), "b2": ok(), "after": ok(x=1)}
    out = Engine().test_workflow({"workflowDef": wf("q", tasks), "taskRefToMockOutput": mocks})
    assert [t["referenceTaskName"] for t in out["tasks"]] == ["fork", "a", "b1", "join", "b2", "after"]
    assert out["output"] == {"x": 1}


def test_permissive_join_failure_reason_joins_null_reasons_as_text() -> None:
    # verified (fidelity case fork_join_permissive_branch)
    tasks: List[Dict[str, Any]] = [
        {
            "name": "fork",
            "taskReferenceName": "fork",
            "type": "FORK_JOIN",
            "forkTasks": [[simple("a", permissive=True, retryCount=0)], [simple("b")]],
        },
        {"name": "join", "taskReferenceName": "join", "type": "JOIN", "joinOn": ["a", "b"]},
    ]
    mocks = {"a": [{"status": "FAILED", "output": {}}], "b": ok()}
    out = Engine().test_workflow({"workflowDef": wf("q", tasks), "taskRefToMockOutput": mocks})
    join = out["tasks"][3]
    assert (join["status"], join["reasonForIncompletion"]) == ("FAILED", "null")


def test_empty_mock_map_makes_a_single_pass() -> None:
    out = Engine().test_workflow({"workflowDef": wf("q", [simple("a")]), "taskRefToMockOutput": {}})
    assert out["status"] == "RUNNING"
