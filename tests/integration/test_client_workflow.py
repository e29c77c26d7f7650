"""WorkflowClient and WorkflowExecutor against the real Conductor server."""

from __future__ import annotations

from typing import Any, Dict, List

import pytest
from client_support import eventually

from conductor_testkit.client import Configuration, OrkesClients
from conductor_testkit.errors import ConflictError, NotFoundError, NotSupportedError, ServerError
from conductor_testkit.models import (
    RerunWorkflowRequest,
    SkipTaskRequest,
    StartWorkflowRequest,
    TaskDef,
    TaskResult,
    Workflow,
    WorkflowTestRequest,
)
from conductor_testkit.workflow.executor import WorkflowExecutor

pytestmark = pytest.mark.integration


@pytest.fixture
def clients(conductor_server_url: str) -> OrkesClients:
    return OrkesClients(Configuration(server_api_url=conductor_server_url))


def two_step_flow(clients: OrkesClients, name: str) -> Dict[str, Any]:
    """Register ``name``: SIMPLE ``a_ref`` then SIMPLE ``b_ref``, tasks without automatic retries."""
    clients.get_metadata_client().register_task_def(
        [{"name": f"{name}_a", "retryCount": 0}, {"name": f"{name}_b", "retryCount": 0}]
    )
    definition = {
        "name": name,
        "version": 1,
        "schemaVersion": 2,
        "restartable": True,
        "tasks": [
            {
                "name": f"{name}_a",
                "taskReferenceName": "a_ref",
                "type": "SIMPLE",
                "inputParameters": {"x": "${workflow.input.x}"},
            },
            {
                "name": f"{name}_b",
                "taskReferenceName": "b_ref",
                "type": "SIMPLE",
                "inputParameters": {"fromA": "${a_ref.output.value}"},
            },
        ],
        "outputParameters": {"a": "${a_ref.output.value}", "b": "${b_ref.output.value}"},
    }
    clients.get_metadata_client().register_workflow_def(definition)
    return definition


def instant_flow(clients: OrkesClients, name: str) -> None:
    """Register ``name``: system tasks only, so it completes during start."""
    clients.get_metadata_client().register_workflow_def(
        {
            "name": name,
            "version": 1,
            "schemaVersion": 2,
            "tasks": [
                {
                    "name": "set",
                    "taskReferenceName": "set_ref",
                    "type": "SET_VARIABLE",
                    "inputParameters": {"seen": "${workflow.input.x}"},
                }
            ],
            "outputParameters": {"doubled": "${workflow.input.x}", "seen": "${workflow.variables.seen}"},
        }
    )


def start(clients: OrkesClients, name: str, **fields: Any) -> str:
    request = StartWorkflowRequest()
    request.name = name
    request.input = fields.pop("input", {"x": 1})
    for key, value in fields.items():
        setattr(request, key, value)
    return clients.get_workflow_client().start_workflow(request)


def ref_statuses(workflow: Workflow) -> List[tuple]:
    return [(t.reference_task_name, str(t.status)) for t in workflow.tasks]


def complete(clients: OrkesClients, workflow_id: str, ref: str, output: Dict[str, Any]) -> None:
    clients.get_task_client().update_task_by_ref_name(workflow_id, ref, "COMPLETED", output)


def fail_first_task(clients: OrkesClients, workflow_id: str) -> None:
    task = clients.get_workflow_client().get_workflow(workflow_id).get_task("a_ref")
    assert task is not None
    clients.get_task_client().update_task(
        TaskResult(
            workflow_instance_id=workflow_id,
            task_id=task.task_id,
            status="FAILED",
            reason_for_incompletion="boom",
        )
    )


# -- start and read ----------------------------------------------------------------------------


def test_start_workflow_returns_an_id_of_a_running_execution(clients, unique_name) -> None:
    two_step_flow(clients, unique_name)
    workflow_id = start(clients, unique_name, input={"x": 7})
    workflow = clients.get_workflow_client().get_workflow(workflow_id)
    assert (workflow.workflow_id, str(workflow.status), workflow.input) == (workflow_id, "RUNNING", {"x": 7})
    assert ref_statuses(workflow) == [("a_ref", "SCHEDULED")]


def test_start_workflow_by_name_passes_version_correlation_and_priority(clients, unique_name) -> None:
    two_step_flow(clients, unique_name)
    workflow_id = clients.get_workflow_client().start_workflow_by_name(
        unique_name, {"x": 2}, version=1, correlation_id="corr-1", priority=5
    )
    workflow = clients.get_workflow_client().get_workflow(workflow_id)
    assert (workflow.correlation_id, workflow.priority, workflow.workflow_version) == ("corr-1", 5, 1)


def test_get_workflow_without_tasks(clients, unique_name) -> None:
    two_step_flow(clients, unique_name)
    workflow_id = start(clients, unique_name)
    assert clients.get_workflow_client().get_workflow(workflow_id, include_tasks=False).tasks == []


def test_get_workflow_of_an_unknown_id_is_not_found(clients) -> None:
    with pytest.raises(NotFoundError, match="No such workflow found by id: no-such-id"):
        clients.get_workflow_client().get_workflow("no-such-id")


def test_get_workflow_status_includes_output_when_asked(clients, unique_name) -> None:
    instant_flow(clients, unique_name)
    workflow_id = start(clients, unique_name, input={"x": 4}, correlation_id="c-status")
    status = clients.get_workflow_client().get_workflow_status(
        workflow_id, include_output=True, include_variables=True
    )
    assert (status.workflow_id, str(status.status), status.correlation_id) == (
        workflow_id,
        "COMPLETED",
        "c-status",
    )
    assert status.output == {"doubled": 4, "seen": 4}
    assert status.variables == {"seen": 4}


def test_get_running_workflows_lists_the_running_ids(clients, unique_name) -> None:
    two_step_flow(clients, unique_name)
    workflow_id = start(clients, unique_name)
    assert clients.get_workflow_client().get_running_workflows(unique_name) == [workflow_id]


def test_get_by_correlation_ids_groups_executions(clients, unique_name) -> None:
    two_step_flow(clients, unique_name)
    first = start(clients, unique_name, correlation_id="c1")
    second = start(clients, unique_name, correlation_id="c2")
    found = clients.get_workflow_client().get_by_correlation_ids(unique_name, ["c1", "c2", "c3"])
    assert {key: [w.workflow_id for w in value] for key, value in found.items()} == {
        "c1": [first],
        "c2": [second],
        "c3": [],
    }


def test_get_by_correlation_ids_includes_closed_ones_when_asked(clients, unique_name) -> None:
    instant_flow(clients, unique_name)
    workflow_id = start(clients, unique_name, correlation_id="done")
    client = clients.get_workflow_client()
    assert client.get_by_correlation_ids(unique_name, ["done"])["done"] == []
    closed = client.get_by_correlation_ids(unique_name, ["done"], include_closed=True, include_tasks=True)
    assert [w.workflow_id for w in closed["done"]] == [workflow_id]
    assert ref_statuses(closed["done"][0]) == [("set_ref", "COMPLETED")]


def test_search_finds_the_execution_by_workflow_type(clients, unique_name) -> None:
    instant_flow(clients, unique_name)
    workflow_id = start(clients, unique_name)
    result = eventually(
        lambda: clients.get_workflow_client().search(query=f"workflowType IN ({unique_name})"),
        lambda r: bool(r.results),
    )
    assert result.total_hits == 1
    assert [(s.workflow_id, s.workflow_type, str(s.status)) for s in result.results] == [
        (workflow_id, unique_name, "COMPLETED")
    ]


# -- operations --------------------------------------------------------------------------------


def test_pause_and_resume(clients, unique_name) -> None:
    two_step_flow(clients, unique_name)
    workflow_id = start(clients, unique_name)
    client = clients.get_workflow_client()
    client.pause_workflow(workflow_id)
    assert str(client.get_workflow(workflow_id).status) == "PAUSED"
    client.resume_workflow(workflow_id)
    assert str(client.get_workflow(workflow_id).status) == "RUNNING"


def test_resume_of_a_running_workflow_is_a_server_error_with_the_reason(clients, unique_name) -> None:
    two_step_flow(clients, unique_name)
    workflow_id = start(clients, unique_name)
    with pytest.raises(ServerError, match=f"The workflow {workflow_id} is not PAUSED"):
        clients.get_workflow_client().resume_workflow(workflow_id)


def test_terminate_cancels_pending_tasks_and_records_the_reason(clients, unique_name) -> None:
    two_step_flow(clients, unique_name)
    workflow_id = start(clients, unique_name)
    client = clients.get_workflow_client()
    client.terminate_workflow(workflow_id, reason="no longer needed")
    workflow = client.get_workflow(workflow_id)
    assert (str(workflow.status), workflow.reason_for_incompletion) == ("TERMINATED", "no longer needed")
    assert ref_statuses(workflow) == [("a_ref", "CANCELED")]


def test_terminate_of_a_completed_workflow_is_a_conflict(clients, unique_name) -> None:
    instant_flow(clients, unique_name)
    workflow_id = start(clients, unique_name)
    with pytest.raises(ConflictError, match="Cannot terminate a COMPLETED workflow"):
        clients.get_workflow_client().terminate_workflow(workflow_id)


def test_retry_schedules_a_new_attempt_of_the_failed_task(clients, unique_name) -> None:
    two_step_flow(clients, unique_name)
    workflow_id = start(clients, unique_name)
    fail_first_task(clients, workflow_id)
    client = clients.get_workflow_client()
    assert str(client.get_workflow(workflow_id).status) == "FAILED"
    client.retry_workflow(workflow_id)
    workflow = client.get_workflow(workflow_id)
    assert str(workflow.status) == "RUNNING"
    assert ref_statuses(workflow) == [("a_ref", "FAILED"), ("a_ref", "SCHEDULED")]


def test_retry_of_a_running_workflow_is_not_found(clients, unique_name) -> None:
    two_step_flow(clients, unique_name)
    workflow_id = start(clients, unique_name)
    with pytest.raises(NotFoundError, match="Workflow is still running"):
        clients.get_workflow_client().retry_workflow(workflow_id)


def test_restart_runs_a_terminated_workflow_again_under_the_same_id(clients, unique_name) -> None:
    two_step_flow(clients, unique_name)
    workflow_id = start(clients, unique_name)
    client = clients.get_workflow_client()
    client.terminate_workflow(workflow_id, reason="stop")
    client.restart_workflow(workflow_id, use_latest_def=True)
    workflow = client.get_workflow(workflow_id)
    assert str(workflow.status) == "RUNNING"
    assert ref_statuses(workflow) == [("a_ref", "SCHEDULED")]


def test_rerun_from_a_task_with_new_task_input(clients, unique_name) -> None:
    two_step_flow(clients, unique_name)
    workflow_id = start(clients, unique_name)
    complete(clients, workflow_id, "a_ref", {"value": "A"})
    client = clients.get_workflow_client()
    client.terminate_workflow(workflow_id)
    b_task = client.get_workflow(workflow_id).get_task("b_ref")
    assert b_task is not None
    rerun = RerunWorkflowRequest(re_run_from_task_id=b_task.task_id, task_input={"fromA": "patched"})
    assert client.rerun_workflow(workflow_id, rerun) == workflow_id
    workflow = client.get_workflow(workflow_id)
    assert str(workflow.status) == "RUNNING"
    rerun_b = workflow.get_task("b_ref")
    assert rerun_b is not None
    assert (str(rerun_b.status), rerun_b.input_data) == ("SCHEDULED", {"fromA": "patched"})


def test_skip_task_marks_a_future_task_skipped(clients, unique_name) -> None:
    two_step_flow(clients, unique_name)
    workflow_id = start(clients, unique_name)
    client = clients.get_workflow_client()
    client.skip_task_from_workflow(workflow_id, "b_ref", SkipTaskRequest(task_output={"value": "skipped"}))
    complete(clients, workflow_id, "a_ref", {"value": "A"})
    workflow = client.get_workflow(workflow_id)
    assert str(workflow.status) == "COMPLETED"
    assert ("b_ref", "SKIPPED") in ref_statuses(workflow)


def test_skip_of_a_processed_task_is_a_server_error(clients, unique_name) -> None:
    two_step_flow(clients, unique_name)
    workflow_id = start(clients, unique_name)
    with pytest.raises(ServerError, match="has already been processed"):
        clients.get_workflow_client().skip_task_from_workflow(workflow_id, "a_ref")


def test_delete_workflow_removes_the_execution(clients, unique_name) -> None:
    instant_flow(clients, unique_name)
    workflow_id = start(clients, unique_name)
    client = clients.get_workflow_client()
    client.delete_workflow(workflow_id, archive_workflow=False)
    with pytest.raises(NotFoundError):
        client.get_workflow(workflow_id)


def test_decide_keeps_a_waiting_workflow_as_it_is(clients, unique_name) -> None:
    two_step_flow(clients, unique_name)
    workflow_id = start(clients, unique_name)
    client = clients.get_workflow_client()
    client.decide(workflow_id)
    assert ref_statuses(client.get_workflow(workflow_id)) == [("a_ref", "SCHEDULED")]


def test_update_variables_is_not_supported_by_the_oss_server(
    clients, unique_name, conductor_server_url
) -> None:
    two_step_flow(clients, unique_name)
    workflow_id = start(clients, unique_name)
    with pytest.raises(NotSupportedError) as info:
        clients.get_workflow_client().update_variables(workflow_id, {"k": 1})
    assert f"the OSS server at {conductor_server_url} does not offer it" in str(info.value)


# -- sync execution and the test endpoint -------------------------------------------------------


def test_execute_workflow_returns_the_completed_run(clients, unique_name) -> None:
    instant_flow(clients, unique_name)
    request = StartWorkflowRequest(name=unique_name, version=1, input={"x": 21})
    run = clients.get_workflow_client().execute_workflow(request, request_id="req-1", wait_for_seconds=10)
    assert (str(run.status), run.output, run.request_id) == (
        "COMPLETED",
        {"doubled": 21, "seen": 21},
        "req-1",
    )


def test_execute_workflow_returns_running_when_the_wait_ends_first(clients, unique_name) -> None:
    two_step_flow(clients, unique_name)
    run = clients.get_workflow_client().execute_workflow({"name": unique_name}, wait_for_seconds=1)
    assert str(run.status) == "RUNNING"
    assert run.workflow_id


def test_execute_workflow_runs_an_inline_definition(clients, unique_name) -> None:
    definition = {
        "name": unique_name,
        "version": 1,
        "schemaVersion": 2,
        "tasks": [
            {
                "name": "jq",
                "taskReferenceName": "jq_ref",
                "type": "JSON_JQ_TRANSFORM",
                "inputParameters": {"v": "${workflow.input.v}", "queryExpression": "{twice: (.v * 2)}"},
            }
        ],
        "outputParameters": {"twice": "${jq_ref.output.result.twice}"},
    }
    run = clients.get_workflow_client().execute_workflow(
        {"name": unique_name, "version": 1, "input": {"v": 5}, "workflowDef": definition}, wait_for_seconds=10
    )
    assert (str(run.status), run.output) == ("COMPLETED", {"twice": 10})


def test_test_workflow_runs_the_definition_with_mocked_outputs(clients, unique_name) -> None:
    definition = two_step_flow(clients, unique_name)
    request = WorkflowTestRequest(
        name=unique_name,
        version=1,
        input={"x": 1},
        workflow_def=definition,
        task_ref_to_mock_output={
            "a_ref": [{"status": "FAILED", "output": {}}, {"status": "COMPLETED", "output": {"value": "A"}}],
            "b_ref": [{"status": "COMPLETED", "output": {"value": "B"}}],
        },
    )
    assert request.workflow_def is not None
    request.workflow_def.tasks[0].task_definition = TaskDef(
        name=f"{unique_name}_a", retry_count=1, retry_delay_seconds=0
    )
    workflow = clients.get_workflow_client().test_workflow(request)
    assert str(workflow.status) == "COMPLETED"
    assert workflow.output == {"a": "A", "b": "B"}
    assert ref_statuses(workflow) == [("a_ref", "FAILED"), ("a_ref", "COMPLETED"), ("b_ref", "COMPLETED")]


# -- the executor (what the DSL calls) ------------------------------------------------------------


@pytest.fixture
def executor(conductor_server_url: str) -> WorkflowExecutor:
    return WorkflowExecutor(Configuration(server_api_url=conductor_server_url))


def test_executor_registers_and_executes_by_name(executor, clients, unique_name) -> None:
    executor.register_workflow(
        {
            "name": unique_name,
            "version": 1,
            "schemaVersion": 2,
            "tasks": [
                {"name": "s", "taskReferenceName": "s", "type": "SET_VARIABLE", "inputParameters": {"v": 1}}
            ],
            "outputParameters": {"name": "${workflow.input.name}"},
        }
    )
    run = executor.execute(unique_name, version=1, workflow_input={"name": "Orkes"}, correlation_id="exec")
    assert (str(run.status), run.output) == ("COMPLETED", {"name": "Orkes"})
    assert executor.get_workflow(run.workflow_id).correlation_id == "exec"


def test_executor_register_without_overwrite_keeps_the_existing_definition(executor, unique_name) -> None:
    definition = {
        "name": unique_name,
        "version": 1,
        "schemaVersion": 2,
        "tasks": [
            {"name": "s", "taskReferenceName": "s", "type": "SET_VARIABLE", "inputParameters": {"v": 1}}
        ],
    }
    executor.register_workflow(definition)
    with pytest.raises(ConflictError, match="already exists"):
        executor.register_workflow(definition, overwrite=False)
    executor.register_workflow(dict(definition, description="replaced"), overwrite=True)
    assert executor.metadata_client.get_workflow_def(unique_name).description == "replaced"


def test_executor_starts_several_workflows_and_operates_them(executor, clients, unique_name) -> None:
    two_step_flow(clients, unique_name)
    first, second = executor.start_workflows(
        StartWorkflowRequest(name=unique_name, input={"x": 1}), StartWorkflowRequest(name=unique_name)
    )
    executor.pause(first)
    assert str(executor.get_workflow_status(first).status) == "PAUSED"
    executor.resume(first)
    executor.terminate(second, reason="done")
    assert str(executor.get_workflow(second).status) == "TERMINATED"
    executor.restart(second)
    assert str(executor.get_workflow(second).status) == "RUNNING"
    task_id = executor.update_task_by_ref_name({"value": "A"}, first, "a_ref", "COMPLETED")
    assert str(executor.get_task(task_id).status) == "COMPLETED"


def test_executor_update_task_by_ref_name_sync_returns_the_workflow_after_the_update(
    executor, clients, unique_name
) -> None:
    two_step_flow(clients, unique_name)
    workflow_id = start(clients, unique_name)
    workflow = executor.update_task_by_ref_name_sync({"value": "A"}, workflow_id, "a_ref", "COMPLETED")
    assert workflow.workflow_id == workflow_id
    assert ref_statuses(workflow) == [("a_ref", "COMPLETED"), ("b_ref", "SCHEDULED")]
    assert workflow.get_task("b_ref").input_data == {"fromA": "A"}
