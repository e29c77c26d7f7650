"""Control-flow task types, through Engine.test_workflow (mocks as on the server's test endpoint)."""

from __future__ import annotations

from typing import Any, Dict, List

from _engine_helpers import inline_sub_workflow, refs, simple, system_task, wf

from conductor_testkit.engine import Engine


def ok(**output: Any) -> List[Dict[str, Any]]:
    return [{"status": "COMPLETED", "output": output}]


def run(tasks: List[Dict[str, Any]], mocks: Dict[str, Any], **extra: Any) -> Dict[str, Any]:
    return Engine().test_workflow(
        {"workflowDef": wf("cf", tasks, **extra), "input": {"x": 1}, "taskRefToMockOutput": mocks}
    )


def switch(cases: Dict[str, Any], default: List[Dict[str, Any]], expression: str = "c") -> Dict[str, Any]:
    return {
        "name": "sw",
        "taskReferenceName": "sw",
        "type": "SWITCH",
        "evaluatorType": "value-param",
        "expression": expression,
        "inputParameters": {"c": "${workflow.input.x}"},
        "decisionCases": cases,
        "defaultCase": default,
    }


def test_switch_value_param_runs_the_matching_case_keyed_by_java_string() -> None:
    out = run([switch({"1": [simple("one")]}, [simple("other")])], {"one": ok()})
    assert refs(out) == [("sw", "COMPLETED"), ("one", "COMPLETED")]
    assert out["tasks"][0]["outputData"] == {"evaluationResult": ["1"], "selectedCase": "1"}
    assert out["tasks"][0]["inputData"]["hasChildren"] == "true"


def test_switch_empty_matching_case_does_not_fall_back_to_default() -> None:
    # verified on 3.32.1 (fidelity case switch_empty_case_no_fallback)
    out = run([switch({"1": []}, [simple("other")]), simple("after")], {"after": ok()})
    assert refs(out) == [("sw", "COMPLETED"), ("after", "COMPLETED")]


def test_decision_empty_case_falls_back_to_default() -> None:
    decision = system_task(
        "d",
        "DECISION",
        caseValueParam="c",
        inputParameters={"c": "${workflow.input.x}"},
        decisionCases={"1": []},
        defaultCase=[simple("dflt")],
    )
    out = run([decision], {"dflt": ok()})
    assert refs(out) == [("d", "COMPLETED"), ("dflt", "COMPLETED")]
    assert out["tasks"][0]["inputData"] == {"case": "1", "hasChildren": "true"}


def test_switch_script_error_fails_workflow_in_same_decide() -> None:
    sw = switch({"x": [simple("x")]}, [], expression="$.nope.deeper")
    sw["evaluatorType"] = "javascript"
    out = run([sw], {})
    assert out["status"] == "FAILED"
    assert out["tasks"][0]["status"] == "FAILED"


def fork(branches: List[List[Dict[str, Any]]], join_on: List[str]) -> List[Dict[str, Any]]:
    return [
        {"name": "fork", "taskReferenceName": "fork", "type": "FORK_JOIN", "forkTasks": branches},
        {"name": "join", "taskReferenceName": "join", "type": "JOIN", "joinOn": join_on},
    ]


def test_fork_join_schedules_fork_branch_heads_and_join_in_one_batch() -> None:
    out = run(fork([[simple("a")], [simple("b")]], ["a", "b"]), {"a": ok(x=1), "b": ok(y=2)})
    assert [t["referenceTaskName"] for t in out["tasks"]] == ["fork", "a", "b", "join"]
    assert out["status"] == "COMPLETED"
    assert out["tasks"][3]["outputData"] == {"a": {"x": 1}, "b": {"y": 2}}


def test_join_leaves_out_joined_tasks_with_empty_output() -> None:
    out = run(fork([[simple("a")], [simple("b")]], ["a", "b"]), {"a": ok(), "b": ok(y=2)})
    assert out["tasks"][3]["outputData"] == {"b": {"y": 2}}


def test_dynamic_fork_task_inputs_names_forks_and_adds_index() -> None:
    dyn = system_task(
        "dyn",
        "FORK_JOIN_DYNAMIC",
        inputParameters={"forkTaskName": "work", "forkTaskInputs": [{"n": 1}, {"n": 2}]},
    )
    join = {"name": "join", "taskReferenceName": "join", "type": "JOIN"}
    out = run([dyn, join], {"_work_0": ok(r=1), "_work_1": ok(r=2)})
    assert [t["referenceTaskName"] for t in out["tasks"]] == ["dyn", "_work_0", "_work_1", "join"]
    assert out["tasks"][1]["inputData"] == {"n": 1, "__index": 0}
    assert out["tasks"][3]["inputData"]["joinOn"] == ["_work_0", "_work_1"]
    assert out["status"] == "COMPLETED"


def test_do_while_suffixes_references_and_keeps_output_per_iteration() -> None:
    loop = system_task("loop", "DO_WHILE", loopCondition="$.loop['iteration'] < 2", loopOver=[simple("body")])
    out = run([loop], {"body__1": ok(i=1), "body__2": ok(i=2)})
    assert [t["referenceTaskName"] for t in out["tasks"]] == ["loop", "body__1", "body__2"]
    assert out["tasks"][0]["outputData"] == {"iteration": 2, "1": {"body": {"i": 1}}, "2": {"body": {"i": 2}}}
    assert out["tasks"][2]["iteration"] == 2


def test_do_while_items_mode_exposes_loop_item() -> None:
    loop = {
        "name": "loop",
        "taskReferenceName": "loop",
        "type": "DO_WHILE",
        "loopCondition": "true",
        "items": "${workflow.input.list}",
        "loopOver": [
            {
                "name": "set",
                "taskReferenceName": "set",
                "type": "SET_VARIABLE",
                "inputParameters": {"last": "${loop.output.loopItem}"},
            }
        ],
    }
    out = Engine().test_workflow({"workflowDef": wf("cf", [loop]), "input": {"list": ["p", "q"]}})
    assert out["status"] == "COMPLETED"
    assert out["variables"] == {"last": "q"}


def test_terminate_completed_sets_reason_and_output() -> None:
    term = system_task(
        "term",
        "TERMINATE",
        inputParameters={"terminationStatus": "COMPLETED", "workflowOutput": {"done": True}},
    )
    out = run([term, simple("never")], {})
    assert out["status"] == "COMPLETED"
    assert out["output"] == {"done": True}
    assert (
        out["reasonForIncompletion"]
        == f"Workflow is COMPLETED by TERMINATE task: {out['tasks'][0]['taskId']}"
    )


def test_set_variable_writes_workflow_variables() -> None:
    setv = system_task("s", "SET_VARIABLE", inputParameters={"v": "${workflow.input.x}"})
    out = run([setv], {})
    assert out["variables"] == {"v": 1}


def test_inline_sub_workflow_completes_parent_with_child_output() -> None:
    child = wf("child", [simple("c")])
    sub = inline_sub_workflow("sub", child)
    out = Engine().test_workflow(
        {
            "workflowDef": wf("parent", [sub]),
            # a key no task uses keeps the loop going (an empty map: one pass, docs/semantics.md §6)
            "taskRefToMockOutput": {"unused": []},
            "subWorkflowTestRequest": {"sub": {"taskRefToMockOutput": {"c": ok(z=9)}}},
        }
    )
    sub_task = out["tasks"][0]
    assert sub_task["status"] == "COMPLETED"
    assert sub_task["outputData"]["z"] == 9
    assert sub_task["outputData"]["subWorkflowId"] == sub_task["subWorkflowId"]


def test_unknown_task_type_becomes_worker_task() -> None:
    out = run([{"name": "custom", "taskReferenceName": "c", "type": "MY_TYPE"}], {})
    task = out["tasks"][0]
    assert (task["taskType"], task["status"], out["status"]) == ("MY_TYPE", "SCHEDULED", "RUNNING")


def test_dynamic_task_takes_type_and_def_name_from_the_resolved_name() -> None:
    dyn = system_task("dyn", "DYNAMIC", dynamicTaskNameParam="tn", inputParameters={"tn": "resolved_worker"})
    out = run([dyn], {"dyn": ok(v=1)})
    task = out["tasks"][0]
    assert (task["taskType"], task["taskDefName"], task["referenceTaskName"]) == (
        "resolved_worker",
        "resolved_worker",
        "dyn",
    )
    # verified on 3.32.1: the definition's own workflow task is renamed too
    assert out["workflowDefinition"]["tasks"][0]["name"] == "resolved_worker"


def test_exclusive_join_takes_output_of_the_branch_that_ran() -> None:
    sw = switch({"1": [simple("one")], "2": [simple("two")]}, [])
    ej = {"name": "ej", "taskReferenceName": "ej", "type": "EXCLUSIVE_JOIN", "joinOn": ["one", "two"]}
    out = run([sw, ej], {"one": ok(picked=1)})
    assert out["status"] == "COMPLETED"
    assert out["tasks"][-1]["outputData"] == {"picked": 1}


def test_do_while_keep_last_n_drops_old_iterations_and_their_tasks() -> None:
    loop = system_task(
        "loop",
        "DO_WHILE",
        inputParameters={"keepLastN": 1},
        loopCondition="$.loop['iteration'] < 3",
        loopOver=[{"name": "n", "taskReferenceName": "n", "type": "NOOP"}],
    )
    out = run([loop], {})
    assert [t["referenceTaskName"] for t in out["tasks"]] == ["loop", "n__3"]
    assert sorted(out["tasks"][0]["outputData"]) == ["3", "iteration"]


def test_do_while_condition_sees_body_output_directly() -> None:
    loop = system_task("loop", "DO_WHILE", loopCondition="$.body['n'] < 3", loopOver=[simple("body")])
    out = run([loop], {"body__1": ok(n=1), "body__2": ok(n=3)})
    assert out["status"] == "COMPLETED"
    assert out["tasks"][0]["outputData"]["iteration"] == 2
