"""Both network transports against the real Conductor server: the same answers and the same errors.

The workers talk to the server through ``Urllib3Transport``; every other client goes through
``HttpTransport`` (requests). A worker's round trip (batch poll, then ``POST /tasks/update-v2``
handing back the next task) and the server's error answers must read the same through both.
"""

from __future__ import annotations

from typing import Any, Callable, List, Type

import pytest

from conductor_testkit.client import Configuration, HttpTransport, OrkesClients
from conductor_testkit.client.http_base import BaseHttpTransport
from conductor_testkit.client.urllib3_transport import Urllib3Transport
from conductor_testkit.errors import ApiError, ConductorConnectionError

pytestmark = pytest.mark.integration

TRANSPORTS = [HttpTransport, Urllib3Transport]


def clients_over(cls: Type[BaseHttpTransport], url: str) -> OrkesClients:
    configuration = Configuration(server_api_url=url)
    return OrkesClients(Configuration(server_api_url=url, transport=cls.from_configuration(configuration)))


@pytest.fixture
def flow(conductor_server_url: str, unique_name: str) -> str:
    """A workflow ``unique_name`` of one SIMPLE task of type ``unique_name``."""
    metadata = OrkesClients(Configuration(server_api_url=conductor_server_url)).get_metadata_client()
    metadata.register_task_def({"name": unique_name, "retryCount": 0, "responseTimeoutSeconds": 300})
    metadata.register_workflow_def(
        {
            "name": unique_name,
            "version": 1,
            "schemaVersion": 2,
            "tasks": [
                {
                    "name": unique_name,
                    "taskReferenceName": "work",
                    "type": "SIMPLE",
                    "inputParameters": {"n": "${workflow.input.n}", "text": "${workflow.input.text}"},
                }
            ],
        },
        overwrite=True,
    )
    return unique_name


@pytest.mark.parametrize("cls", TRANSPORTS)
def test_a_worker_round_trip(conductor_server_url: str, flow: str, cls: Type[BaseHttpTransport]) -> None:
    clients = clients_over(cls, conductor_server_url)
    workflows = clients.get_workflow_client()
    first, second = (
        workflows.start_workflow({"name": flow, "input": {"n": n, "text": "ü€"}}) for n in (1, 2)
    )
    task_client = clients.get_task_client()
    tasks = task_client.batch_poll_tasks(flow, worker_id="w", count=1, timeout_in_millisecond=2000)
    assert [(t.workflow_instance_id, t.input_data) for t in tasks] == [(first, {"n": 1, "text": "ü€"})]
    api = task_client.api_client
    assert isinstance(api.transport, cls)
    result = {"taskId": tasks[0].task_id, "workflowInstanceId": first, "workerId": "w", "status": "COMPLETED"}
    result["outputData"] = {"echo": "ü€"}
    handed_back = api.call_json("POST", "/tasks/update-v2", json_body=result)
    assert (handed_back["workflowInstanceId"], handed_back["inputData"]["n"]) == (second, 2)
    done = workflows.get_workflow(first, include_tasks=True)
    assert (str(done.status), done.tasks[0].output_data) == ("COMPLETED", {"echo": "ü€"})


def _error(action: Callable[[], Any]) -> str:
    with pytest.raises((ApiError, ConductorConnectionError)) as info:
        action()
    return f"{type(info.value).__name__}: {info.value}"


@pytest.mark.parametrize(
    "call",
    [
        lambda c: c.get_workflow_client().get_workflow("no-such-workflow"),
        lambda c: c.get_metadata_client().get_task_def("no_such_task_def_anywhere"),
        lambda c: c.get_workflow_client().start_workflow({"name": "no_such_workflow_def_anywhere"}),
        lambda c: c.get_metadata_client().register_task_def({"name": ""}),
        lambda c: c.get_task_client().update_task({"taskId": "t", "workflowInstanceId": "w", "status": "X"}),
    ],
    ids=["missing-workflow", "missing-task-def", "missing-definition", "invalid-task-def", "invalid-status"],
)
def test_the_servers_errors_read_the_same(
    conductor_server_url: str, call: Callable[[OrkesClients], Any]
) -> None:
    errors: List[str] = [
        _error(lambda cls=cls: call(clients_over(cls, conductor_server_url))) for cls in TRANSPORTS
    ]
    assert errors[0] == errors[1]
