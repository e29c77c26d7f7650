"""ApiClient and resource clients over mocked HTTP: error mapping, body decoding, requests sent.

The server's behaviour itself is covered by tests/integration/test_client_*.py; these pin what
the client does with each kind of answer.
"""

from __future__ import annotations

import json
from typing import List, Tuple

import pytest

from conductor_testkit.client import Configuration, OrkesClients, WorkflowClient
from conductor_testkit.errors import (
    ApiError,
    BadRequestError,
    ConflictError,
    NotFoundError,
    NotSupportedError,
    ServerError,
)
from conductor_testkit.models import StartWorkflowRequest, WorkflowDef

BASE = "http://conductor.test/api"


@pytest.fixture
def clients() -> OrkesClients:
    return OrkesClients(Configuration(server_api_url=BASE, max_retries=0))


def error_body(status: int, message: str) -> dict:
    return {"status": status, "message": message, "instance": "vm", "retryable": False}


def test_404_raises_not_found_with_the_servers_message(mocked, clients) -> None:
    mocked.get(
        f"{BASE}/workflow/nope", status=404, json=error_body(404, "No such workflow found by id: nope")
    )
    with pytest.raises(NotFoundError) as info:
        clients.get_workflow_client().get_workflow("nope")
    error = info.value
    assert (error.status, error.method, error.path) == (404, "GET", "/workflow/nope")
    assert error.message == "No such workflow found by id: nope"
    assert str(error) == "GET /workflow/nope -> HTTP 404: No such workflow found by id: nope"


def test_409_raises_conflict(mocked, clients) -> None:
    mocked.post(
        f"{BASE}/metadata/workflow", status=409, json=error_body(409, "Workflow with w.1 already exists!")
    )
    with pytest.raises(ConflictError, match="already exists"):
        clients.get_metadata_client().register_workflow_def({"name": "w", "version": 1}, overwrite=False)


def test_400_lists_the_validation_errors(mocked, clients) -> None:
    body = error_body(400, "Validation failed, check below errors for detail.")
    body["validationErrors"] = [
        {"path": "registerWorkflowDef.arg0.tasks", "message": "WorkflowTask list cannot be empty"}
    ]
    mocked.post(f"{BASE}/metadata/workflow", status=400, json=body)
    with pytest.raises(BadRequestError, match=r"arg0\.tasks: WorkflowTask list cannot be empty"):
        clients.get_metadata_client().register_workflow_def({"name": "w", "version": 1})


def test_500_raises_server_error_with_the_message(mocked, clients) -> None:
    mocked.put(
        f"{BASE}/workflow/w1/resume", status=500, json=error_body(500, "The workflow w1 is not PAUSED")
    )
    with pytest.raises(ServerError, match="is not PAUSED"):
        clients.get_workflow_client().resume_workflow("w1")


def test_a_non_json_error_body_is_shown_as_text(mocked, clients) -> None:
    mocked.get(f"{BASE}/workflow/w1", status=502, body="Bad Gateway from the proxy")
    with pytest.raises(ApiError, match="Bad Gateway from the proxy"):
        clients.get_workflow_client().get_workflow("w1")


def test_start_workflow_returns_the_text_id(mocked, clients) -> None:
    mocked.post(f"{BASE}/workflow", body="0f1e2d", content_type="text/plain")
    request = StartWorkflowRequest()
    request.name = "hello"
    assert clients.get_workflow_client().start_workflow(request) == "0f1e2d"
    assert json.loads(mocked.calls[0].request.body) == {"name": "hello"}


def test_a_dict_is_accepted_where_a_model_is_expected(mocked, clients) -> None:
    mocked.post(f"{BASE}/metadata/workflow", body="")
    clients.get_metadata_client().register_workflow_def(
        {"name": "w", "version": 1, "tasks": [], "futureField": 1, "owner_email": "a@b.c"}
    )
    sent = json.loads(mocked.calls[0].request.body)
    assert sent == {"name": "w", "version": 1, "tasks": [], "futureField": 1, "ownerEmail": "a@b.c"}


def test_a_malformed_dict_fails_before_anything_is_sent(mocked, clients) -> None:
    from conductor_testkit.errors import ModelValidationError

    with pytest.raises(ModelValidationError, match="tasks"):
        clients.get_metadata_client().register_workflow_def({"name": "w", "tasks": "not a list"})
    assert len(mocked.calls) == 0


def test_names_are_percent_encoded_in_paths(mocked, clients) -> None:
    mocked.get(f"{BASE}/metadata/workflow/a%20b%2Fc", json={"name": "a b/c"})
    definition = clients.get_metadata_client().get_workflow_def("a b/c")
    assert isinstance(definition, WorkflowDef) and definition.name == "a b/c"


def test_poll_with_no_task_returns_none(mocked, clients) -> None:
    mocked.get(f"{BASE}/tasks/poll/t", status=204)
    assert clients.get_task_client().poll_task("t", worker_id="w") is None


def test_update_variables_on_a_server_without_the_route_is_not_supported(mocked, clients) -> None:
    mocked.post(
        f"{BASE}/workflow/w1/variables",
        status=404,
        json=error_body(404, "No static resource api/workflow/w1/variables."),
    )
    with pytest.raises(
        NotSupportedError, match=r"Orkes Conductor API; the OSS server at http://conductor\.test/api"
    ):
        clients.get_workflow_client().update_variables("w1", {"a": 1})


def test_update_variables_of_a_missing_workflow_stays_not_found(mocked, clients) -> None:
    mocked.post(
        f"{BASE}/workflow/w1/variables", status=404, json=error_body(404, "No such workflow found by id: w1")
    )
    with pytest.raises(NotFoundError):
        clients.get_workflow_client().update_variables("w1", {"a": 1})


def client_on_a_fake_clock() -> Tuple[WorkflowClient, List[float]]:
    """A WorkflowClient whose sleeps advance ``clock[0]`` instead of waiting."""
    clock = [0.0]
    client = WorkflowClient(
        Configuration(server_api_url=BASE, max_retries=0),
        sleep=lambda seconds: clock.__setitem__(0, clock[0] + seconds),
        clock=lambda: clock[0],
    )
    return client, clock


def test_execute_falls_back_to_start_and_poll_without_the_sync_route(mocked) -> None:
    client, _ = client_on_a_fake_clock()
    mocked.post(f"{BASE}/workflow/execute/w/1", status=405, json=error_body(405, "Method not allowed"))
    mocked.post(f"{BASE}/workflow", body="id-1")
    mocked.get(f"{BASE}/workflow/id-1", json={"workflowId": "id-1", "status": "RUNNING", "tasks": []})
    mocked.get(
        f"{BASE}/workflow/id-1", json={"workflowId": "id-1", "status": "COMPLETED", "output": {"r": 1}}
    )
    run = client.execute_workflow({"name": "w", "version": 1}, request_id="req", wait_for_seconds=5)
    assert (run.workflow_id, run.status, run.output, run.request_id) == ("id-1", "COMPLETED", {"r": 1}, "req")


def test_execute_fallback_returns_running_when_time_is_up(mocked) -> None:
    client, clock = client_on_a_fake_clock()
    mocked.post(f"{BASE}/workflow/execute/w/1", status=405, json=error_body(405, "Method not allowed"))
    mocked.post(f"{BASE}/workflow", body="id-1")
    mocked.get(f"{BASE}/workflow/id-1", json={"workflowId": "id-1", "status": "RUNNING"})
    run = client.execute_workflow({"name": "w", "version": 1}, wait_for_seconds=2)
    assert run.status == "RUNNING"
    assert clock[0] >= 2.0


def test_execute_without_a_version_uses_the_latest_definition(mocked, clients) -> None:
    mocked.get(f"{BASE}/metadata/workflow/w", json={"name": "w", "version": 3})
    mocked.post(f"{BASE}/workflow/execute/w/3", json={"workflowId": "id", "status": "COMPLETED"})
    run = clients.get_workflow_client().execute_workflow({"name": "w"}, request_id="r", wait_for_seconds=1)
    assert run.workflow_id == "id"
    assert "requestId=r" in mocked.calls[1].request.url and "waitForSeconds=1" in mocked.calls[1].request.url


def test_execute_of_an_unversioned_inline_definition_looks_up_its_name(mocked, clients) -> None:
    mocked.get(f"{BASE}/metadata/workflow/inline_wf", json={"name": "inline_wf", "version": 2})
    mocked.post(f"{BASE}/workflow/execute/inline_wf/2", json={"workflowId": "id", "status": "COMPLETED"})
    request = {"workflowDef": {"name": "inline_wf", "tasks": []}}
    run = clients.get_workflow_client().execute_workflow(request, request_id="r", wait_for_seconds=1)
    assert run.workflow_id == "id"


def test_execute_fallback_returns_when_the_awaited_task_has_ended(mocked) -> None:
    client, clock = client_on_a_fake_clock()
    mocked.post(f"{BASE}/workflow/execute/w/1", status=405, json=error_body(405, "Method not allowed"))
    mocked.post(f"{BASE}/workflow", body="id-1")
    tasks = [{"referenceTaskName": "a_ref", "status": "COMPLETED"}, {"referenceTaskName": "b_ref"}]
    mocked.get(f"{BASE}/workflow/id-1", json={"workflowId": "id-1", "status": "RUNNING", "tasks": tasks})
    run = client.execute_workflow(
        {"name": "w", "version": 1}, wait_until_task_ref="a_ref", wait_for_seconds=5
    )
    assert run.status == "RUNNING"
    assert clock[0] == 0.0  # returned on the first look, without waiting


def test_update_task_by_ref_name_takes_the_status_as_an_enum_or_a_string(mocked, clients) -> None:
    from conductor_testkit.models import TaskResultStatus

    mocked.post(f"{BASE}/tasks/wf/a_ref/COMPLETED", body="task-1")
    mocked.post(f"{BASE}/tasks/wf/a_ref/FAILED/sync", json={"workflowId": "wf"})
    task_client = clients.get_task_client()
    assert task_client.update_task_by_ref_name("wf", "a_ref", TaskResultStatus.COMPLETED) == "task-1"
    assert task_client.update_task_sync("wf", "a_ref", "FAILED").workflow_id == "wf"


def test_clients_repr_echoes_their_configuration(clients) -> None:
    configuration = repr(clients.configuration)
    assert repr(clients) == f"OrkesClients({configuration})"
    assert repr(clients.get_workflow_client()) == f"WorkflowClient({configuration})"
    assert repr(clients.get_task_client()) == f"TaskClient({configuration})"
    assert repr(clients.get_workflow_executor()) == f"WorkflowExecutor({configuration})"
    assert repr(clients.api_client) == f"ApiClient({configuration})"


def test_a_body_of_the_wrong_type_names_the_parameter_and_the_value(mocked, clients) -> None:
    from conductor_testkit.errors import ModelValidationError

    with pytest.raises(ModelValidationError) as info:
        clients.get_workflow_client().start_workflow(42)  # type: ignore[arg-type]
    assert str(info.value) == (
        "start_workflow_request: expected a StartWorkflowRequest or a dict of its wire JSON, received int 42"
    )
