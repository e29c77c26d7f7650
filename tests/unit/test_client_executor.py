"""WorkflowExecutor: the requests it sends for the DSL's calls (server behaviour: integration tests)."""

from __future__ import annotations

import json
from typing import List

import pytest

from conductor_testkit.client import Configuration, TransportRequest, TransportResponse
from conductor_testkit.models import StartWorkflowRequest, WorkflowDef
from conductor_testkit.workflow.executor import WorkflowExecutor


class RecordingTransport:
    """Answers every request with a fixed response and remembers the requests."""

    def __init__(self, response: TransportResponse) -> None:
        self.response = response
        self.requests: List[TransportRequest] = []

    def handle(self, request: TransportRequest) -> TransportResponse:
        self.requests.append(request)
        return self.response

    def close(self) -> None:
        pass


def executor_answering(status: int = 200, text: str = "") -> tuple:
    transport = RecordingTransport(TransportResponse(status, text))
    return WorkflowExecutor(Configuration(transport=transport)), transport


def test_execute_builds_a_start_request_with_domain_and_correlation() -> None:
    executor, transport = executor_answering(text='{"workflowId": "w1", "status": "COMPLETED"}')
    run = executor.execute(
        "greetings",
        version=2,
        workflow_input={"name": "Orkes"},
        correlation_id="c",
        domain="blue",
        request_id="req",
    )
    assert run.workflow_id == "w1"
    sent = transport.requests[0]
    assert (sent.method, sent.path) == ("POST", "/workflow/execute/greetings/2")
    assert sent.params == {"requestId": "req", "waitForSeconds": 10}
    assert sent.json_body == {
        "name": "greetings",
        "version": 2,
        "input": {"name": "Orkes"},
        "correlationId": "c",
        "taskToDomain": {"*": "blue"},
    }


def test_execute_workflow_generates_a_request_id_when_none_is_given() -> None:
    executor, transport = executor_answering(text='{"workflowId": "w1"}')
    executor.execute_workflow(StartWorkflowRequest(name="w", version=1))
    assert transport.requests[0].params["requestId"]


def test_register_without_overwrite_posts_and_with_overwrite_puts() -> None:
    executor, transport = executor_answering()
    definition = WorkflowDef(name="w", version=1)
    executor.register_workflow(definition)
    executor.register_workflow(definition, overwrite=True)
    assert [(r.method, r.path, r.params) for r in transport.requests] == [
        ("POST", "/metadata/workflow", {"overwrite": False}),
        ("PUT", "/metadata/workflow", {"overwrite": True}),
    ]
    assert transport.requests[1].json_body == [{"name": "w", "version": 1, "tasks": []}]


def test_start_workflows_returns_ids_in_order() -> None:
    executor, _ = executor_answering(text="id-x")
    assert executor.start_workflows(StartWorkflowRequest(name="a"), {"name": "b"}) == ["id-x", "id-x"]


def test_update_task_sends_a_task_result() -> None:
    executor, transport = executor_answering(text="t1")
    assert executor.update_task("t1", "w1", {"k": 1}, "COMPLETED") == "t1"
    assert json.loads(json.dumps(transport.requests[0].json_body)) == {
        "workflowInstanceId": "w1",
        "taskId": "t1",
        "status": "COMPLETED",
        "outputData": {"k": 1},
    }


def test_rerun_keeps_the_official_argument_order() -> None:
    executor, transport = executor_answering(text="w1")
    assert executor.rerun({"reRunFromTaskId": "t"}, "w1") == "w1"
    assert (transport.requests[0].path, transport.requests[0].json_body) == (
        "/workflow/w1/rerun",
        {"reRunFromTaskId": "t"},
    )


@pytest.mark.parametrize(
    "call, method, path",
    [
        (lambda e: e.pause("w1"), "PUT", "/workflow/w1/pause"),
        (lambda e: e.resume("w1"), "PUT", "/workflow/w1/resume"),
        (lambda e: e.terminate("w1", reason="r"), "DELETE", "/workflow/w1"),
        (lambda e: e.restart("w1"), "POST", "/workflow/w1/restart"),
        (lambda e: e.retry("w1"), "POST", "/workflow/w1/retry"),
        (lambda e: e.remove_workflow("w1"), "DELETE", "/workflow/w1/remove"),
        (lambda e: e.skip_task_from_workflow("w1", "ref"), "PUT", "/workflow/w1/skiptask/ref"),
    ],
)
def test_operations_go_to_the_servers_routes(call, method: str, path: str) -> None:
    executor, transport = executor_answering()
    call(executor)
    assert (transport.requests[0].method, transport.requests[0].path) == (method, path)
