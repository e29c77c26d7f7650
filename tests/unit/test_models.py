"""Wire models against JSON captured from a real Conductor 3.32.1 server (tests/unit/data/).

The fixtures were captured with curl: a workflow run through INLINE, SWITCH, a SIMPLE task
completed by a worker, FORK_JOIN/JOIN, SET_VARIABLE and JSON_JQ_TRANSFORM; its definition; a
task definition with retries, timeouts and rate limits; and a sync-execute answer. A second
capture (a SIMPLE task polled, logged and completed by a worker, then SET_VARIABLE) gave a task by
id, its logs, the poll data, the workflow status, workflow and task search results, and an event
handler as ``GET /event`` lists it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict

import pytest

from conductor_testkit.errors import ModelValidationError
from conductor_testkit.models import (
    EventHandler,
    PollData,
    SearchResultTaskSummary,
    SearchResultWorkflowSummary,
    StartWorkflowRequest,
    Task,
    TaskDef,
    TaskExecLog,
    TaskResult,
    TaskStatus,
    Workflow,
    WorkflowDef,
    WorkflowRun,
    WorkflowStatus,
    WorkflowStatusSummary,
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
        ("task.json", Task),
        ("workflow_status.json", WorkflowStatusSummary),
        ("workflow_search.json", SearchResultWorkflowSummary),
        ("task_search.json", SearchResultTaskSummary),
    ],
)
def test_server_json_round_trips_unchanged(fixture: str, model: Any) -> None:
    document = load(fixture)
    assert model.from_dict(document).to_dict() == document


@pytest.mark.parametrize(
    "fixture, model",
    [
        ("task_logs.json", TaskExecLog),
        ("poll_data.json", PollData),
        ("event_handlers.json", EventHandler),
    ],
)
def test_server_json_lists_round_trip_item_by_item(fixture: str, model: Any) -> None:
    documents = load(fixture)
    assert documents, "the capture holds at least one item"
    assert [model.from_dict(item).to_dict() for item in documents] == documents


def test_a_task_by_id_is_typed() -> None:
    task = Task.from_dict(load("task.json"))
    assert task.status == TaskStatus.COMPLETED
    assert task.reference_task_name == "work_ref"
    assert task.output_data == {"y": 2}
    assert task.worker_id == "capture-worker"
    assert task.workflow_task is not None and task.workflow_task.type == "SIMPLE"


def test_search_results_are_typed_summaries() -> None:
    workflows = SearchResultWorkflowSummary.from_dict(load("workflow_search.json"))
    assert workflows.total_hits == len(workflows.results) == 1
    assert workflows.results[0].status == WorkflowStatus.COMPLETED
    assert workflows.results[0].correlation_id == "corr-1"
    tasks = SearchResultTaskSummary.from_dict(load("task_search.json"))
    assert sorted(str(summary.task_type) for summary in tasks.results) == sorted(
        [workflows.results[0].workflow_type + "_task", "SET_VARIABLE"]
    )


def test_workflow_status_carries_output_and_variables() -> None:
    status = WorkflowStatusSummary.from_dict(load("workflow_status.json"))
    assert (status.status, status.output, status.variables) == (
        WorkflowStatus.COMPLETED,
        {"y": 2},
        {"seen": 2},
    )


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


def test_a_workflow_run_view_keeps_the_fields_both_share() -> None:
    workflow = Workflow.from_dict(load("workflow_with_tasks.json"))
    run = WorkflowRun.from_workflow(workflow, request_id="req-1")
    assert run.request_id == "req-1"
    assert (run.workflow_id, run.status, run.output) == (
        workflow.workflow_id,
        workflow.status,
        workflow.output,
    )
    assert [t.task_id for t in run.tasks or []] == [t.task_id for t in workflow.tasks]
    assert "workflowDefinition" not in run.to_dict()


def test_wire_turns_any_enum_into_its_value() -> None:
    import enum

    from conductor_testkit.models import wire

    class Color(enum.Enum):
        RED = "red"

    assert wire({"status": TaskStatus.FAILED, "color": [Color.RED]}) == {"status": "FAILED", "color": ["red"]}
    assert wire(None) is None


def test_an_event_handler_with_a_null_action_reads_as_the_server_keeps_it() -> None:
    from conductor_testkit.models import EventHandler

    handler = EventHandler.from_dict({"name": "h", "event": "q", "actions": [None, {"action": "fail_task"}]})
    assert handler.actions[0] is None
    assert handler.to_dict()["actions"] == [None, {"action": "fail_task"}]
