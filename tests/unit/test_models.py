"""Wire models against JSON captured from a real Conductor 3.32.1 server (tests/unit/data/).

The fixtures were captured with curl: a workflow run through INLINE, SWITCH, a SIMPLE task
completed by a worker, FORK_JOIN/JOIN, SET_VARIABLE and JSON_JQ_TRANSFORM; its definition; a
task definition with retries, timeouts and rate limits; and a sync-execute answer.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict

import pytest

from conductor_testkit.errors import ModelValidationError
from conductor_testkit.models import (
    EventHandler,
    StartWorkflowRequest,
    TaskDef,
    TaskResult,
    Workflow,
    WorkflowDef,
    WorkflowRun,
    WorkflowTestRequest,
)

DATA = Path(__file__).parent / "data"


def load(name: str) -> Dict[str, Any]:
    return json.loads((DATA / name).read_text())


@pytest.mark.parametrize(
    "fixture, model",
    [
        ("workflow_with_tasks.json", Workflow),
        ("workflow_def.json", WorkflowDef),
        ("task_def.json", TaskDef),
        ("workflow_run.json", WorkflowRun),
    ],
)
def test_server_json_round_trips_unchanged(fixture: str, model: Any) -> None:
    document = load(fixture)
    assert model.from_dict(document).to_dict() == document


def test_workflow_fields_are_typed_snake_case_views() -> None:
    workflow = Workflow.from_dict(load("workflow_with_tasks.json"))
    assert workflow.workflow_name == "fixture_order_flow"
    assert workflow.output == {"country": "NL", "charge": "ch_1"}
    charge = workflow.get_task("charge_ref")
    assert charge is not None
    assert charge.input_data == {"amount": 250, "currency": "EUR"}
    assert charge.output_data == {"chargeId": "ch_1"}
    assert charge.workflow_task is not None
    assert charge.workflow_task.task_reference_name == "charge_ref"


def test_nested_definition_fields_are_parsed() -> None:
    definition = WorkflowDef.from_dict(load("workflow_def.json"))
    switch = definition.tasks[1]
    assert switch.decision_cases is not None
    assert switch.decision_cases["big"][0].task_reference_name == "charge_ref"
    fork = definition.tasks[2]
    assert fork.fork_tasks is not None
    assert [branch[0].task_reference_name for branch in fork.fork_tasks] == ["a_ref", "b_ref"]


def test_task_def_keeps_retry_and_rate_limit_settings() -> None:
    task_def = TaskDef.from_dict(load("task_def.json"))
    assert (task_def.retry_count, task_def.retry_delay_seconds, task_def.backoff_scale_factor) == (2, 5, 2)
    assert (task_def.rate_limit_per_frequency, task_def.concurrent_exec_limit) == (10, 3)


def test_unknown_fields_survive_a_round_trip() -> None:
    document = load("task_def.json")
    document["fieldFromANewerServer"] = {"nested": [1, 2]}
    task_def = TaskDef.from_dict(document)
    assert task_def.extra_fields["fieldFromANewerServer"] == {"nested": [1, 2]}
    assert task_def.to_dict()["fieldFromANewerServer"] == {"nested": [1, 2]}


def test_unknown_fields_survive_modify_and_write_back() -> None:
    document = load("workflow_def.json")
    document["tasks"][0]["futureTaskOption"] = "kept"
    definition = WorkflowDef.from_dict(document)
    definition.description = "changed"
    written = definition.to_dict()
    assert written["description"] == "changed"
    assert written["tasks"][0]["futureTaskOption"] == "kept"


def test_wrong_type_names_the_nested_field_path() -> None:
    with pytest.raises(ModelValidationError, match=r"tasks\.0\.inputParameters") as info:
        WorkflowDef.from_dict(
            {"name": "w", "tasks": [{"name": "a", "taskReferenceName": "a", "inputParameters": "oops"}]}
        )
    assert "'oops'" in str(info.value)


def test_wrong_type_in_an_execution_names_the_task_field() -> None:
    with pytest.raises(ModelValidationError, match=r"invalid Workflow: tasks\.0\.retryCount"):
        Workflow.from_dict({"tasks": [{"retryCount": "many"}]})


def test_seed_style_attribute_assignment_builds_the_wire_body() -> None:
    request = StartWorkflowRequest()
    request.name = "hello"
    request.version = 1
    request.input = {"name": "Orkes"}
    assert request.to_dict() == {"name": "hello", "version": 1, "input": {"name": "Orkes"}}


def test_snake_case_keys_are_accepted_on_input() -> None:
    request = WorkflowTestRequest.from_dict(
        {"name": "w", "task_ref_to_mock_output": {"t": [{"status": "COMPLETED", "output": {"a": 1}}]}}
    )
    assert request.to_dict()["taskRefToMockOutput"]["t"][0]["output"] == {"a": 1}


def test_task_result_log_appends_exec_log_lines() -> None:
    result = TaskResult(task_id="t1", workflow_instance_id="w1", status="COMPLETED")
    result.log("first")
    assert result.to_dict()["logs"] == [{"log": "first", "taskId": "t1"}]


def test_event_handler_actions_use_the_servers_snake_case_keys() -> None:
    # as GET /api/event returns them (the server's Action class is not camelCase)
    document = {
        "name": "h",
        "event": "conductor:w:done",
        "actions": [
            {"action": "start_workflow", "start_workflow": {"name": "next"}, "expandInlineJSON": False},
            {"action": "fail_task", "fail_task": {"workflowId": "w1", "taskRefName": "r"}},
        ],
        "active": True,
    }
    handler = EventHandler.from_dict(document)
    assert handler.actions[0].start_workflow == {"name": "next"}
    assert handler.to_dict() == document
