"""The same harness test body on the local and the remote backend gives equal normalised runs.

Each scenario is a workflow, an input and mocks; it runs through ``run_workflow`` on the
in-memory engine and on the real server's test endpoint, and the two Workflow JSON documents are
compared with ``conductor_testkit.testing.compare`` (ids, times and domains normalised away).
"""

from __future__ import annotations

from typing import Any, Callable, Dict, List, Tuple

import pytest

from conductor_testkit.testing import (
    BackendNotSupportedError,
    Execution,
    LocalBackend,
    RemoteBackend,
    completed,
    failed,
    mock,
    run_workflow,
)
from conductor_testkit.testing.compare import diff_runs
from conductor_testkit.workflow import ConductorWorkflow, SimpleTask, SwitchTask

pytestmark = pytest.mark.integration


def _simple(ref: str, **inputs: Any) -> Dict[str, Any]:
    return {"name": f"harness_{ref}", "taskReferenceName": ref, "type": "SIMPLE", "inputParameters": inputs}


def _definition(name: str, tasks: List[Dict[str, Any]], **extra: Any) -> Dict[str, Any]:
    return {"name": name, "version": 1, "schemaVersion": 2, "tasks": tasks, **extra}


def sequence(name: str) -> Tuple[Dict[str, Any], Dict[str, Any], Dict[str, Any]]:
    definition = _definition(
        name,
        [_simple("first", x="${workflow.input.x}"), _simple("second", y="${first.output.y}")],
        outputParameters={"z": "${second.output.z}"},
    )
    return definition, {"x": 1}, {"first": {"y": 2}, "second": {"z": 3}}


def switch_default(name: str) -> Tuple[Dict[str, Any], Dict[str, Any], Dict[str, Any]]:
    switch = {
        "name": "route",
        "taskReferenceName": "route",
        "type": "SWITCH",
        "evaluatorType": "value-param",
        "expression": "switchCaseValue",
        "inputParameters": {"switchCaseValue": "${workflow.input.country}"},
        "decisionCases": {"us": [_simple("ship_us")]},
        "defaultCase": [_simple("ship_other")],
    }
    return _definition(name, [switch]), {"country": "fr"}, {"ship_other": {"carrier": "dhl"}}


def retry_then_complete(name: str) -> Tuple[Dict[str, Any], Dict[str, Any], Dict[str, Any]]:
    mocks = {"charge": [failed({"error": "declined"}), completed({"charged": 5})]}
    return _definition(name, [_simple("charge", amount="${workflow.input.amount}")]), {"amount": 5}, mocks


def terminal_failure(name: str) -> Tuple[Dict[str, Any], Dict[str, Any], Dict[str, Any]]:
    mocks = {"charge": {"status": "FAILED_WITH_TERMINAL_ERROR", "output": {"error": "fraud"}}}
    return _definition(name, [_simple("charge"), _simple("ship")]), {}, mocks


def fork_join(name: str) -> Tuple[Dict[str, Any], Dict[str, Any], Dict[str, Any]]:
    fork = {
        "name": "fork",
        "taskReferenceName": "fork",
        "type": "FORK_JOIN",
        "forkTasks": [[_simple("left")], [_simple("right")]],
    }
    join = {"name": "join", "taskReferenceName": "join", "type": "JOIN", "joinOn": ["left", "right"]}
    mocks = {"left": {"side": "l"}, "right": {"side": "r"}}
    return _definition(name, [fork, join], outputParameters={"joined": "${join.output}"}), {}, mocks


def loop_iterations(name: str) -> Tuple[Dict[str, Any], Dict[str, Any], Dict[str, Any]]:
    loop = {
        "name": "loop",
        "taskReferenceName": "loop",
        "type": "DO_WHILE",
        "loopCondition": "if ($.loop['iteration'] < 2) { true; } else { false; }",
        "loopOver": [_simple("step")],
    }
    mocks = {"step__1": {"n": 1}, "step__2": {"n": 2}}
    return _definition(name, [loop]), {}, mocks


def wait_mocked(name: str) -> Tuple[Dict[str, Any], Dict[str, Any], Dict[str, Any]]:
    wait = {"name": "pause", "taskReferenceName": "pause", "type": "WAIT", "inputParameters": {}}
    return _definition(name, [wait, _simple("after")]), {}, {"pause": {"approved": True}, "after": {}}


def http_mocked(name: str) -> Tuple[Dict[str, Any], Dict[str, Any], Dict[str, Any]]:
    http = {
        "name": "call",
        "taskReferenceName": "call",
        "type": "HTTP",
        "inputParameters": {"http_request": {"uri": "http://127.0.0.1:9/never", "method": "GET"}},
        # the server's background worker would otherwise race the test endpoint and run the HTTP
        # task for real (docs/semantics.md §6); a start delay keeps it off the queue
        "startDelay": 3600,
    }
    mocks = {"call": {"response": {"statusCode": 200, "body": {"ok": True}}}}
    return _definition(name, [http], outputParameters={"body": "${call.output.response.body}"}), {}, mocks


def inline_then_switch(name: str) -> Tuple[Dict[str, Any], Dict[str, Any], Dict[str, Any]]:
    inline = {
        "name": "score",
        "taskReferenceName": "score",
        "type": "INLINE",
        "inputParameters": {
            "evaluatorType": "graaljs",
            "expression": "$.amount > 100 ? 'big' : 'small'",
            "amount": "${workflow.input.amount}",
        },
    }
    switch = {
        "name": "size",
        "taskReferenceName": "size",
        "type": "SWITCH",
        "evaluatorType": "value-param",
        "expression": "v",
        "inputParameters": {"v": "${score.output.result}"},
        "decisionCases": {"big": [_simple("review")], "small": [_simple("approve")]},
    }
    return _definition(name, [inline, switch]), {"amount": 500}, {"review": {"ok": True}}


def retry_without_a_next_mock(name: str) -> Tuple[Dict[str, Any], Dict[str, Any], Dict[str, Any]]:
    return _definition(name, [_simple("charge")]), {}, {"charge": [failed()]}


def timeout_by_execution_time(name: str) -> Tuple[Dict[str, Any], Dict[str, Any], Dict[str, Any]]:
    task = _simple("slow")
    task["taskDefinition"] = {
        "name": "harness_slow",
        "retryCount": 0,
        "timeoutSeconds": 10,
        "responseTimeoutSeconds": 5,
        "timeoutPolicy": "TIME_OUT_WF",
    }
    mocks = {"slow": mock("IN_PROGRESS", execution_time_ms=20_000)}
    return _definition(name, [task]), {}, mocks


def unmocked_task_blocks(name: str) -> Tuple[Dict[str, Any], Dict[str, Any], Dict[str, Any]]:
    return _definition(name, [_simple("first"), _simple("second")]), {}, {"first": {}}


Scenario = Callable[[str], Tuple[Dict[str, Any], Dict[str, Any], Dict[str, Any]]]
SCENARIOS: List[Scenario] = [
    sequence,
    switch_default,
    retry_then_complete,
    terminal_failure,
    fork_join,
    loop_iterations,
    wait_mocked,
    http_mocked,
    inline_then_switch,
    retry_without_a_next_mock,
    timeout_by_execution_time,
    unmocked_task_blocks,
]


def summary(execution: Execution) -> Dict[str, Any]:
    """What a test would assert: status, output and the (ref, status) sequence."""
    return {
        "status": execution.status,
        "output": execution.output,
        "tasks": [(t.reference_task_name, str(t.status)) for t in execution.tasks],
    }


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.__name__ for s in SCENARIOS])
def test_local_and_remote_runs_are_equal_after_normalisation(
    scenario: Scenario, conductor_server_url: str, unique_name: str
) -> None:
    definition, workflow_input, mocks = scenario(unique_name)
    remote = run_workflow(definition, workflow_input, mocks, backend=RemoteBackend(conductor_server_url))
    local = run_workflow(definition, workflow_input, mocks, backend=LocalBackend())
    assert diff_runs(remote.workflow, local.workflow) == []
    assert summary(local) == summary(remote)


def test_a_dsl_workflow_gives_the_same_assertions_on_both_backends(
    conductor_server_url: str, unique_name: str
) -> None:
    workflow = ConductorWorkflow(name=unique_name, version=1)
    route = SwitchTask("route", workflow.input("tier"))
    route.switch_case("gold", [SimpleTask("harness_gold", "gold_ref")])
    route.default_case([SimpleTask("harness_basic", "basic_ref")])
    workflow >> SimpleTask("harness_check", "check_ref") >> route
    for backend in (LocalBackend(), RemoteBackend(conductor_server_url)):
        execution = run_workflow(
            workflow, {"tier": "gold"}, {"check_ref": {"ok": True}, "gold_ref": {"perk": 1}}, backend=backend
        )
        execution.assert_completed().assert_task("gold_ref", "COMPLETED", {"perk": 1})
        assert execution.selected_case("route") == "gold"
        assert execution.skipped("basic_ref")


def test_sub_workflow_mocks_reach_the_child_on_both_backends(
    conductor_server_url: str, unique_name: str
) -> None:
    child = _definition(
        f"{unique_name}_child", [_simple("inner")], outputParameters={"v": "${inner.output.v}"}
    )
    sub = {
        "name": "sub",
        "taskReferenceName": "sub",
        "type": "SUB_WORKFLOW",
        "subWorkflowParam": {"name": child["name"], "version": 1, "workflowDefinition": child},
    }
    parent = _definition(unique_name, [sub], outputParameters={"v": "${sub.output.v}"})
    runs = [
        run_workflow(parent, {}, backend=backend, sub_workflow_mocks={"sub": {"inner": {"v": 7}}})
        for backend in (RemoteBackend(conductor_server_url), LocalBackend())
    ]
    assert [r.output for r in runs] == [{"v": 7}, {"v": 7}]
    assert diff_runs(runs[0].workflow, runs[1].workflow) == []


def test_remote_backend_refuses_mock_functions_naming_the_task(
    conductor_server_url: str, unique_name: str
) -> None:
    definition, _, _ = sequence(unique_name)
    with pytest.raises(BackendNotSupportedError, match=r"'second' is mocked with a function"):
        run_workflow(
            definition,
            {"x": 1},
            {"first": {"y": 1}, "second": lambda task_input: {"z": 0}},
            backend=RemoteBackend(conductor_server_url),
        )


def test_remote_backend_refuses_workers_naming_their_task_types(
    conductor_server_url: str, unique_name: str
) -> None:
    definition, _, _ = sequence(unique_name)
    with pytest.raises(BackendNotSupportedError, match=r"workers were given for harness_second"):
        run_workflow(
            definition,
            {"x": 1},
            {"first": {"y": 1}},
            workers={"harness_second": lambda: {"z": 0}},
            backend=RemoteBackend(conductor_server_url),
        )


def test_remote_blocked_run_names_the_task_without_a_mock(
    conductor_server_url: str, unique_name: str
) -> None:
    definition, workflow_input, mocks = unmocked_task_blocks(unique_name)
    execution = run_workflow(definition, workflow_input, mocks, backend=RemoteBackend(conductor_server_url))
    assert [str(b) for b in execution.blocked] == [
        "second (harness_second, SCHEDULED): no mock for it "
        "(the test endpoint stops at a task without a mock); pass mocks={'second': ...}"
    ]
