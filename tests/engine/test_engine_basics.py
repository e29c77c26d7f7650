"""Start, decide, poll and update: the engine's core service operations."""

from __future__ import annotations

import pytest
from _engine_helpers import refs, simple, system_task, wf

from conductor_testkit.engine import Engine, EngineNotFound, VirtualClock


def test_start_schedules_first_task_with_seq_one() -> None:
    engine = Engine()
    wid = engine.start_workflow({"workflowDef": wf("w", [simple("a"), simple("b")]), "input": {}})
    got = engine.get_workflow(wid)
    assert got["status"] == "RUNNING"
    assert refs(got) == [("a", "SCHEDULED")]
    assert got["tasks"][0]["seq"] == 1
    assert got["tasks"][0]["taskType"] == "t_a"


def test_unregistered_simple_task_gets_server_ad_hoc_task_def() -> None:
    # verified on 3.32.1: retryCount 3, retryDelaySeconds 60, responseTimeoutSeconds 3600
    engine = Engine()
    wid = engine.start_workflow({"workflowDef": wf("w", [simple("a")])})
    task = engine.get_workflow(wid)["tasks"][0]
    td = task["workflowTask"]["taskDefinition"]
    assert (td["retryCount"], td["retryDelaySeconds"], td["responseTimeoutSeconds"]) == (3, 60, 3600)
    assert task["responseTimeoutSeconds"] == 3600


def test_input_expression_is_resolved_into_task_input() -> None:
    engine = Engine()
    definition = wf(
        "w", [simple("a", inputParameters={"x": "${workflow.input.n}", "s": "n=${workflow.input.n}"})]
    )
    wid = engine.start_workflow({"workflowDef": definition, "input": {"n": 5}})
    assert engine.get_workflow(wid)["tasks"][0]["inputData"] == {"x": 5, "s": "n=5"}


def test_poll_marks_task_in_progress_with_worker_id_and_start_time() -> None:
    engine = Engine(clock=VirtualClock(1_000_000))
    engine.start_workflow({"workflowDef": wf("w", [simple("a")])})
    (task,) = engine.poll("t_a", worker_id="w1")
    assert (task["status"], task["workerId"], task["pollCount"], task["startTime"]) == (
        "IN_PROGRESS",
        "w1",
        1,
        1_000_000,
    )


def test_completed_update_schedules_next_task_and_default_output_is_last_task() -> None:
    engine = Engine()
    wid = engine.start_workflow({"workflowDef": wf("w", [simple("a"), simple("b")])})
    a = engine.get_workflow(wid)["tasks"][0]
    engine.update_task(
        {"taskId": a["taskId"], "workflowInstanceId": wid, "status": "COMPLETED", "outputData": {"v": 1}}
    )
    b = engine.get_workflow(wid)["tasks"][1]
    engine.update_task({"taskId": b["taskId"], "status": "COMPLETED", "outputData": {"w": 2}})
    got = engine.get_workflow(wid)
    assert got["status"] == "COMPLETED"
    assert got["output"] == {"w": 2}
    assert [t["seq"] for t in got["tasks"]] == [1, 2]


def test_output_parameters_replace_default_output() -> None:
    engine = Engine()
    definition = wf("w", [simple("a")], outputParameters={"r": "${a.output.v}"})
    out = engine.test_workflow(
        {
            "workflowDef": definition,
            "taskRefToMockOutput": {"a": [{"status": "COMPLETED", "output": {"v": 7}}]},
        }
    )
    assert out["output"] == {"r": 7}


def test_worker_in_progress_update_returns_task_to_scheduled() -> None:
    # docs/semantics.md §2.9: a worker task reported IN_PROGRESS goes back to SCHEDULED and is re-queued
    engine = Engine()
    wid = engine.start_workflow({"workflowDef": wf("w", [simple("a")])})
    (task,) = engine.poll("t_a")
    engine.update_task({"taskId": task["taskId"], "status": "IN_PROGRESS", "callbackAfterSeconds": 30})
    got = engine.get_workflow(wid)["tasks"][0]
    assert (got["status"], got["callbackAfterSeconds"]) == ("SCHEDULED", 30)
    assert engine.poll("t_a") == []
    engine.clock.advance(30)
    assert len(engine.poll("t_a")) == 1


def test_update_by_ref_name_merges_output() -> None:
    engine = Engine()
    wid = engine.start_workflow({"workflowDef": wf("w", [simple("a")])})
    engine.update_task_by_ref_name(wid, "a", "COMPLETED", {"k": 1})
    got = engine.get_workflow(wid)
    assert (got["status"], got["output"]) == ("COMPLETED", {"k": 1})


def test_unknown_workflow_name_fails_start_with_server_message() -> None:
    with pytest.raises(EngineNotFound, match="No such workflow defined. name=nope, version=null"):
        Engine().start_workflow({"name": "nope"})


def test_ids_are_deterministic_for_a_seed() -> None:
    def run() -> str:
        return Engine(seed=7).start_workflow({"workflowDef": wf("w", [simple("a")])})

    assert run() == run()


def test_include_tasks_false_returns_empty_task_list() -> None:
    engine = Engine()
    wid = engine.start_workflow({"workflowDef": wf("w", [simple("a")])})
    assert engine.get_workflow(wid, include_tasks=False)["tasks"] == []


def test_models_of_this_package_are_accepted() -> None:
    from conductor_testkit.models import StartWorkflowRequest, WorkflowDef, WorkflowTask

    engine = Engine()
    engine.register_workflow_def(
        WorkflowDef(name="m", tasks=[WorkflowTask(name="t_a", task_reference_name="a")])
    )
    wid = engine.start_workflow(StartWorkflowRequest(name="m", input={"q": 1}))
    assert engine.get_workflow(wid)["tasks"][0]["referenceTaskName"] == "a"


def test_official_sdk_models_are_accepted() -> None:
    from conductor.client.http.models import StartWorkflowRequest, WorkflowDef, WorkflowTask

    definition = WorkflowDef(
        name="s", tasks=[WorkflowTask(name="t_a", task_reference_name="a", type="SIMPLE")]
    )
    wid = Engine().start_workflow(StartWorkflowRequest(name="s", workflow_def=definition, input={"q": 1}))
    assert wid


def test_unknown_sub_workflow_fails_start_like_the_server() -> None:
    # verified on 3.32.1: HTTP 500 with this text (trailing space included)
    from conductor_testkit.engine import EngineIllegalState

    sub = system_task("sub", "SUB_WORKFLOW", subWorkflowParam={"name": "ghost"})
    with pytest.raises(
        EngineIllegalState, match="The Task ghost defined as a sub-workflow has no workflow definition"
    ):
        Engine().start_workflow({"workflowDef": wf("w", [sub])})


def test_invalid_definition_is_rejected_with_server_validation_messages() -> None:
    # verified on 3.32.1: POST /workflow/test answers 400 with these validationErrors
    from conductor_testkit.engine import DefinitionValidationError

    definition = wf(
        "v",
        [simple("a"), {"name": "l", "taskReferenceName": "a", "type": "DO_WHILE", "loopOver": [simple("b")]}],
    )
    with pytest.raises(DefinitionValidationError) as raised:
        Engine().test_workflow({"workflowDef": definition, "taskRefToMockOutput": {}})
    messages = [e["message"] for e in raised.value.validation_errors]
    assert "loopCondition field is required for taskType: DO_WHILE taskName: l" in messages
    assert "taskReferenceName: a should be unique across tasks for a given workflowDefinition: v" in messages


def test_input_reference_to_unknown_task_is_rejected() -> None:
    from conductor_testkit.engine import DefinitionValidationError

    definition = wf("v", [simple("a", inputParameters={"x": "${nope.output.y}"})])
    with pytest.raises(DefinitionValidationError, match="taskReferenceName: nope for given task: t_a"):
        Engine().register_workflow_def(definition)
