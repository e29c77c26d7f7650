"""TaskClient against the real Conductor server: poll, update, logs, queues."""

from __future__ import annotations

import pytest
from client_support import eventually

from conductor_testkit.client import Configuration, OrkesClients
from conductor_testkit.models import TaskResult, TaskResultStatus

pytestmark = pytest.mark.integration


@pytest.fixture
def clients(conductor_server_url: str) -> OrkesClients:
    return OrkesClients(Configuration(server_api_url=conductor_server_url))


@pytest.fixture
def flow(clients: OrkesClients, unique_name: str) -> str:
    """A workflow ``unique_name`` with one SIMPLE task of type ``<name>_work`` (ref ``work_ref``)."""
    clients.get_metadata_client().register_task_def({"name": f"{unique_name}_work", "retryCount": 0})
    clients.get_metadata_client().register_workflow_def(
        {
            "name": unique_name,
            "version": 1,
            "schemaVersion": 2,
            "tasks": [
                {
                    "name": f"{unique_name}_work",
                    "taskReferenceName": "work_ref",
                    "type": "SIMPLE",
                    "inputParameters": {"n": "${workflow.input.n}"},
                }
            ],
            "outputParameters": {"result": "${work_ref.output.result}"},
        }
    )
    return unique_name


def start(clients: OrkesClients, name: str, n: int = 1) -> str:
    return clients.get_workflow_client().start_workflow({"name": name, "input": {"n": n}})


def test_poll_task_takes_the_scheduled_task(clients, flow) -> None:
    workflow_id = start(clients, flow, n=3)
    task = clients.get_task_client().poll_task(f"{flow}_work", worker_id="worker-1")
    assert task is not None
    assert (task.workflow_instance_id, task.reference_task_name, str(task.status)) == (
        workflow_id,
        "work_ref",
        "IN_PROGRESS",
    )
    assert (task.input_data, task.worker_id) == ({"n": 3}, "worker-1")


def test_poll_task_with_nothing_queued_returns_none(clients, flow) -> None:
    assert clients.get_task_client().poll_task(f"{flow}_work", worker_id="worker-1") is None


def test_batch_poll_takes_up_to_count_tasks(clients, flow) -> None:
    started = {start(clients, flow, n=i) for i in range(3)}
    tasks = clients.get_task_client().batch_poll_tasks(
        f"{flow}_work", worker_id="batch", count=2, timeout_in_millisecond=500
    )
    assert len(tasks) == 2
    assert {t.workflow_instance_id for t in tasks} <= started


def test_get_task_returns_the_task_by_id(clients, flow) -> None:
    start(clients, flow)
    polled = clients.get_task_client().poll_task(f"{flow}_work", worker_id="w")
    assert polled is not None and polled.task_id is not None
    task = clients.get_task_client().get_task(polled.task_id)
    assert (task.task_id, task.reference_task_name, task.worker_id) == (polled.task_id, "work_ref", "w")


def test_update_task_completes_the_task_and_the_workflow(clients, flow) -> None:
    workflow_id = start(clients, flow)
    task = clients.get_task_client().poll_task(f"{flow}_work", worker_id="w")
    assert task is not None
    result = TaskResult(
        workflow_instance_id=workflow_id,
        task_id=task.task_id,
        status=TaskResultStatus.COMPLETED,
        output_data={"result": 42},
    )
    assert clients.get_task_client().update_task(result) == task.task_id
    workflow = clients.get_workflow_client().get_workflow(workflow_id)
    assert (str(workflow.status), workflow.output) == ("COMPLETED", {"result": 42})


def test_update_task_accepts_a_plain_dict(clients, flow) -> None:
    workflow_id = start(clients, flow)
    task = clients.get_task_client().poll_task(f"{flow}_work", worker_id="w")
    assert task is not None
    clients.get_task_client().update_task(
        {
            "workflowInstanceId": workflow_id,
            "taskId": task.task_id,
            "status": "FAILED",
            "reasonForIncompletion": "bad input",
        }
    )
    workflow = clients.get_workflow_client().get_workflow(workflow_id)
    assert str(workflow.status) == "FAILED"
    failed = workflow.get_task("work_ref")
    assert failed is not None
    assert (str(failed.status), failed.reason_for_incompletion) == ("FAILED", "bad input")


def test_update_task_by_ref_name_returns_the_task_id(clients, flow) -> None:
    workflow_id = start(clients, flow)
    task_id = clients.get_task_client().update_task_by_ref_name(
        workflow_id, "work_ref", "COMPLETED", {"result": "by-ref"}, worker_id="ref-worker"
    )
    task = clients.get_task_client().get_task(task_id)
    assert (task.reference_task_name, str(task.status), task.output_data) == (
        "work_ref",
        "COMPLETED",
        {"result": "by-ref"},
    )


def test_update_task_by_ref_name_with_nothing_pending_returns_empty(clients, flow) -> None:
    workflow_id = start(clients, flow)
    clients.get_task_client().update_task_by_ref_name(workflow_id, "work_ref", "COMPLETED", {"result": 1})
    assert clients.get_task_client().update_task_by_ref_name(workflow_id, "work_ref", "COMPLETED", {}) == ""


def test_update_task_sync_returns_the_updated_workflow(clients, flow) -> None:
    workflow_id = start(clients, flow)
    workflow = clients.get_task_client().update_task_sync(
        workflow_id, "work_ref", TaskResultStatus.COMPLETED, {"result": "sync"}
    )
    assert (workflow.workflow_id, str(workflow.status), workflow.output) == (
        workflow_id,
        "COMPLETED",
        {"result": "sync"},
    )


def test_task_logs_are_added_and_read_back(clients, flow) -> None:
    start(clients, flow)
    task = clients.get_task_client().poll_task(f"{flow}_work", worker_id="w")
    assert task is not None and task.task_id is not None
    client = clients.get_task_client()
    client.add_task_log(task.task_id, "first line")
    client.add_task_log(task.task_id, "second: {json-ish}")
    logs = client.get_task_logs(task.task_id)
    assert [(log.log, log.task_id) for log in logs] == [
        ("first line", task.task_id),
        ("second: {json-ish}", task.task_id),
    ]


def test_queue_size_counts_scheduled_tasks(clients, flow) -> None:
    client = clients.get_task_client()
    assert client.get_queue_size_for_task(f"{flow}_work") == 0
    start(clients, flow)
    start(clients, flow)
    assert eventually(lambda: client.get_queue_size_for_task(f"{flow}_work"), lambda n: n == 2) == 2


def test_poll_data_names_the_last_poller(clients, flow) -> None:
    client = clients.get_task_client()
    client.poll_task(f"{flow}_work", worker_id="the-poller")
    poll_data = eventually(lambda: client.get_task_poll_data(f"{flow}_work"), bool)
    assert [(p.queue_name, p.worker_id) for p in poll_data] == [(f"{flow}_work", "the-poller")]
    assert poll_data[0].last_poll_time
