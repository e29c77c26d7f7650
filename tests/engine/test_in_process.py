"""Every client method works against the engine through ``memory://`` and ``LocalConductor``."""

from __future__ import annotations

from typing import Any, Iterator

import pytest
import requests
from _greetings import GREETINGS

from conductor_testkit.client import Configuration, OrkesClients
from conductor_testkit.engine.in_process import LocalConductor, memory_engine, reset_memory_engines
from conductor_testkit.errors import BadRequestError, ConflictError, NotFoundError, ServerError
from conductor_testkit.models import TaskDef, WorkflowDef


@pytest.fixture
def conductor() -> LocalConductor:
    conductor = LocalConductor()
    conductor.clients.get_metadata_client().register_workflow_def(GREETINGS)
    return conductor


@pytest.fixture
def clients(conductor: LocalConductor) -> OrkesClients:
    return conductor.clients


@pytest.fixture(autouse=True)
def _fresh_memory_engines() -> Iterator[None]:
    reset_memory_engines()
    yield
    reset_memory_engines()


def _start(clients: OrkesClients, **fields: Any) -> str:
    request = {"name": "greetings", "version": 1, "input": {"name": "Orkes"}, **fields}
    return clients.get_workflow_client().start_workflow(request)


def _complete_greet(clients: OrkesClients, result: str = "Hello Orkes") -> str:
    task_client = clients.get_task_client()
    task = task_client.poll_task("greet", worker_id="w1")
    assert task is not None
    task_client.update_task(
        {
            "taskId": task.task_id,
            "workflowInstanceId": task.workflow_instance_id,
            "status": "COMPLETED",
            "outputData": {"result": result},
        }
    )
    return str(task.task_id)


# -- memory:// ----------------------------------------------------------------------------------


def test_memory_url_configurations_share_the_default_engine() -> None:
    first = OrkesClients(Configuration(server_api_url="memory://"))
    second = OrkesClients(Configuration(server_api_url="memory://"))
    first.get_metadata_client().register_workflow_def(GREETINGS)
    assert second.get_metadata_client().get_workflow_def("greetings").name == "greetings"


def test_named_memory_urls_get_separate_engines() -> None:
    OrkesClients(Configuration(server_api_url="memory://a")).get_metadata_client().register_workflow_def(
        GREETINGS
    )
    other = OrkesClients(Configuration(server_api_url="memory://b")).get_metadata_client()
    with pytest.raises(NotFoundError):
        other.get_workflow_def("greetings")
    assert memory_engine("a") is not memory_engine("b")


def test_reset_forgets_memory_engines() -> None:
    engine = memory_engine("")
    reset_memory_engines()
    assert memory_engine("") is not engine


def test_local_conductor_configuration_and_clients_share_its_engine(conductor: LocalConductor) -> None:
    workflow_id = _start(conductor.clients)
    assert workflow_id in conductor.engine.store.runs
    assert conductor.configuration.transport is conductor.transport


# -- MetadataClient -----------------------------------------------------------------------------


def test_register_and_get_workflow_def(clients: OrkesClients) -> None:
    definition = clients.get_metadata_client().get_workflow_def("greetings", version=1)
    assert [t.task_reference_name for t in definition.tasks] == ["greet_ref", "hold"]


def test_register_without_overwrite_conflicts(clients: OrkesClients) -> None:
    with pytest.raises(ConflictError):
        clients.get_metadata_client().register_workflow_def(GREETINGS, overwrite=False)


def test_update_workflow_def_adds_a_version(clients: OrkesClients) -> None:
    metadata = clients.get_metadata_client()
    metadata.update_workflow_def(dict(GREETINGS, version=2))
    assert metadata.get_workflow_def("greetings").version == 2


def test_get_all_workflow_defs(clients: OrkesClients) -> None:
    assert [d.name for d in clients.get_metadata_client().get_all_workflow_defs()] == ["greetings"]


def test_unregister_workflow_def(clients: OrkesClients) -> None:
    metadata = clients.get_metadata_client()
    metadata.unregister_workflow_def("greetings", 1)
    with pytest.raises(NotFoundError):
        metadata.get_workflow_def("greetings")


def test_validate_workflow_def_reports_problems(clients: OrkesClients) -> None:
    metadata = clients.get_metadata_client()
    metadata.validate_workflow_def(GREETINGS)
    with pytest.raises(BadRequestError):
        metadata.validate_workflow_def({"name": "broken", "tasks": [{"name": "x", "type": "SIMPLE"}]})


def test_task_def_lifecycle(clients: OrkesClients) -> None:
    metadata = clients.get_metadata_client()
    metadata.register_task_def(TaskDef(name="greet", retry_count=2))
    metadata.update_task_def({"name": "greet", "retryCount": 5})
    assert metadata.get_task_def("greet").retry_count == 5
    assert [d.name for d in metadata.get_all_task_defs()] == ["greet"]
    metadata.unregister_task_def("greet")
    with pytest.raises(NotFoundError):
        metadata.get_task_def("greet")


def test_register_task_defs_takes_a_list(clients: OrkesClients) -> None:
    metadata = clients.get_metadata_client()
    metadata.register_task_defs([TaskDef(name="a"), TaskDef(name="b")])
    assert sorted(d.name for d in metadata.get_all_task_defs()) == ["a", "b"]


# -- WorkflowClient -----------------------------------------------------------------------------


def test_start_workflow_and_get_workflow(clients: OrkesClients) -> None:
    workflow = clients.get_workflow_client().get_workflow(_start(clients))
    assert (workflow.status, workflow.tasks[0].input_data) == ("RUNNING", {"name": "Orkes"})


def test_start_workflow_by_name(clients: OrkesClients) -> None:
    workflow_client = clients.get_workflow_client()
    workflow_id = workflow_client.start_workflow_by_name(
        "greetings", {"name": "N"}, version=1, correlation_id="c"
    )
    assert workflow_client.get_workflow(workflow_id).correlation_id == "c"


def test_start_workflow_with_inline_definition(clients: OrkesClients) -> None:
    inline = dict(GREETINGS, name="inline_only")
    workflow_id = clients.get_workflow_client().start_workflow({"name": "inline_only", "workflowDef": inline})
    assert clients.get_workflow_client().get_workflow(workflow_id).workflow_name == "inline_only"


def test_execute_workflow_returns_at_the_wait(clients: OrkesClients) -> None:
    run = clients.get_workflow_client().execute_workflow(
        {"name": "greetings", "version": 1, "input": {"name": "X"}}, wait_for_seconds=1
    )
    assert run.status == "RUNNING"  # WAIT needs a worker first: the greet task blocks until then


def test_get_workflow_status(clients: OrkesClients) -> None:
    workflow_id = _start(clients)
    status = clients.get_workflow_client().get_workflow_status(workflow_id, include_output=True)
    assert (status.workflow_id, status.status) == (workflow_id, "RUNNING")


def test_search(clients: OrkesClients) -> None:
    workflow_id = _start(clients)
    found = clients.get_workflow_client().search(query="workflowType=greetings AND status=RUNNING")
    assert [s.workflow_id for s in found.results] == [workflow_id]


def test_get_by_correlation_ids(clients: OrkesClients) -> None:
    workflow_id = _start(clients, correlationId="order-1")
    found = clients.get_workflow_client().get_by_correlation_ids("greetings", ["order-1"])
    assert [w.workflow_id for w in found["order-1"]] == [workflow_id]


def test_get_running_workflows(clients: OrkesClients) -> None:
    workflow_id = _start(clients)
    assert clients.get_workflow_client().get_running_workflows("greetings") == [workflow_id]


def test_delete_workflow_of_a_terminal_workflow(clients: OrkesClients) -> None:
    workflow_client = clients.get_workflow_client()
    workflow_id = _start(clients)
    workflow_client.terminate_workflow(workflow_id, reason="done")
    workflow_client.delete_workflow(workflow_id)
    with pytest.raises(NotFoundError):
        workflow_client.get_workflow(workflow_id)


def test_remove_workflow_of_a_running_workflow_is_refused_when_archiving(clients: OrkesClients) -> None:
    with pytest.raises(BadRequestError, match="Cannot archive workflow"):
        clients.get_workflow_client().remove_workflow(_start(clients))


def test_terminate_workflow(clients: OrkesClients) -> None:
    workflow_client = clients.get_workflow_client()
    workflow_id = _start(clients)
    workflow_client.terminate_workflow(workflow_id, reason="no longer needed")
    workflow = workflow_client.get_workflow(workflow_id)
    assert (workflow.status, workflow.reason_for_incompletion) == ("TERMINATED", "no longer needed")


def test_pause_and_resume_workflow(clients: OrkesClients) -> None:
    workflow_client = clients.get_workflow_client()
    workflow_id = _start(clients)
    workflow_client.pause_workflow(workflow_id)
    assert workflow_client.get_workflow(workflow_id).status == "PAUSED"
    workflow_client.resume_workflow(workflow_id)
    assert workflow_client.get_workflow(workflow_id).status == "RUNNING"


def test_resume_of_a_running_workflow_is_a_server_error(clients: OrkesClients) -> None:
    with pytest.raises(ServerError, match="is not PAUSED so cannot resume"):
        clients.get_workflow_client().resume_workflow(_start(clients))


def test_retry_workflow(clients: OrkesClients) -> None:
    workflow_client = clients.get_workflow_client()
    workflow_id = _start(clients)
    task = clients.get_task_client().poll_task("greet")
    assert task is not None
    clients.get_task_client().update_task(
        {"taskId": task.task_id, "workflowInstanceId": workflow_id, "status": "FAILED_WITH_TERMINAL_ERROR"}
    )
    workflow_client.retry_workflow(workflow_id)
    workflow = workflow_client.get_workflow(workflow_id)
    assert (workflow.status, [t.status for t in workflow.tasks]) == (
        "RUNNING",
        ["FAILED_WITH_TERMINAL_ERROR", "SCHEDULED"],
    )


def test_restart_workflow(clients: OrkesClients) -> None:
    workflow_client = clients.get_workflow_client()
    workflow_id = _start(clients)
    workflow_client.terminate_workflow(workflow_id)
    workflow_client.restart_workflow(workflow_id, use_latest_def=True)
    workflow = workflow_client.get_workflow(workflow_id)
    assert (workflow.status, [t.status for t in workflow.tasks]) == ("RUNNING", ["SCHEDULED"])


def test_rerun_workflow(clients: OrkesClients) -> None:
    workflow_client = clients.get_workflow_client()
    workflow_id = _start(clients)
    workflow_client.terminate_workflow(workflow_id)
    assert workflow_client.rerun_workflow(workflow_id, {"workflowInput": {"name": "Again"}}) == workflow_id
    assert workflow_client.get_workflow(workflow_id).tasks[0].input_data == {"name": "Again"}


def test_skip_task_from_workflow(clients: OrkesClients) -> None:
    workflow_client = clients.get_workflow_client()
    workflow_id = _start(clients)
    workflow_client.skip_task_from_workflow(workflow_id, "hold")
    _complete_greet(clients)
    assert workflow_client.get_workflow(workflow_id).status == "COMPLETED"


def test_decide(clients: OrkesClients) -> None:
    workflow_id = _start(clients)
    clients.get_workflow_client().decide(workflow_id)
    assert clients.get_workflow_client().get_workflow(workflow_id).status == "RUNNING"


def test_update_variables_merges(clients: OrkesClients) -> None:
    workflow_client = clients.get_workflow_client()
    workflow_id = _start(clients)
    workflow_client.update_variables(workflow_id, {"a": 1})
    workflow_client.update_variables(workflow_id, {"b": 2})
    assert workflow_client.get_workflow(workflow_id).variables == {"a": 1, "b": 2}


def test_test_workflow_with_mocks(clients: OrkesClients) -> None:
    workflow = clients.get_workflow_client().test_workflow(
        {
            "name": "greetings",
            "version": 1,
            "input": {"name": "M"},
            "taskRefToMockOutput": {
                "greet_ref": [{"status": "COMPLETED", "output": {"result": "mocked"}}],
                "hold": [{"status": "COMPLETED", "output": {}}],
            },
        }
    )
    assert (workflow.status, workflow.output) == ("COMPLETED", {"result": "mocked"})


# -- TaskClient ---------------------------------------------------------------------------------


def test_poll_task_and_update_task(clients: OrkesClients) -> None:
    workflow_id = _start(clients)
    task_id = _complete_greet(clients)
    assert clients.get_task_client().get_task(task_id).status == "COMPLETED"
    assert clients.get_workflow_client().get_workflow(workflow_id).tasks[1].status == "IN_PROGRESS"


def test_poll_task_without_work_is_none(clients: OrkesClients) -> None:
    assert clients.get_task_client().poll_task("greet") is None


def test_batch_poll_tasks(clients: OrkesClients) -> None:
    _start(clients)
    _start(clients)
    tasks = clients.get_task_client().batch_poll_tasks(
        "greet", worker_id="w", count=5, timeout_in_millisecond=10
    )
    assert [t.status for t in tasks] == ["IN_PROGRESS", "IN_PROGRESS"]


def test_update_task_by_ref_name_completes_a_wait(clients: OrkesClients) -> None:
    workflow_id = _start(clients)
    _complete_greet(clients)
    assert clients.get_task_client().update_task_by_ref_name(workflow_id, "hold", "COMPLETED", {"ok": 1})
    assert clients.get_workflow_client().get_workflow(workflow_id).status == "COMPLETED"


def test_update_task_sync_returns_the_workflow(clients: OrkesClients) -> None:
    workflow_id = _start(clients)
    _complete_greet(clients)
    workflow = clients.get_task_client().update_task_sync(workflow_id, "hold", "COMPLETED", {"ok": 1})
    assert (workflow.status, workflow.output) == ("COMPLETED", {"result": "Hello Orkes"})


def test_task_logs(clients: OrkesClients) -> None:
    _start(clients)
    task_id = _complete_greet(clients)
    task_client = clients.get_task_client()
    task_client.add_task_log(task_id, "first")
    task_client.add_task_log(task_id, "second")
    assert [log.log for log in task_client.get_task_logs(task_id)] == ["first", "second"]


def test_queue_size_and_poll_data(clients: OrkesClients) -> None:
    _start(clients)
    task_client = clients.get_task_client()
    assert task_client.get_queue_size_for_task("greet") == 1
    task_client.poll_task("greet", worker_id="worker-7")
    assert task_client.get_queue_size_for_task("greet") == 0
    assert [p.worker_id for p in task_client.get_task_poll_data("greet")] == ["worker-7"]


# -- EventClient --------------------------------------------------------------------------------


def test_event_handler_lifecycle(clients: OrkesClients) -> None:
    events = clients.get_event_client()
    handler = {
        "name": "on_done",
        "event": "conductor:greetings:done",
        "active": True,
        "actions": [{"action": "complete_task", "complete_task": {"workflowId": "w", "taskRefName": "t"}}],
    }
    events.register_event_handler(handler)
    events.update_event_handler(dict(handler, active=False))
    assert events.get_event_handlers_for_event("conductor:greetings:done", active_only=True) == []
    assert [h.name for h in events.get_event_handlers()] == ["on_done"]
    assert events.get_event_handler("on_done") is not None
    events.unregister_event_handler("on_done")
    assert events.get_event_handlers() == []


# -- serve() ------------------------------------------------------------------------------------


def test_serve_answers_the_same_routes_over_http(conductor: LocalConductor) -> None:
    url = conductor.serve()
    try:
        workflow_id = requests.post(
            f"{url}/workflow", json={"name": "greetings", "input": {"name": "Net"}}, timeout=10
        ).text
        over_http = OrkesClients(Configuration(server_api_url=url)).get_workflow_client()
        assert over_http.get_workflow(workflow_id).tasks[0].input_data == {"name": "Net"}
        missing = requests.get(f"{url}/workflow/nope", timeout=10)
        assert (missing.status_code, missing.json()["message"]) == (404, "No such workflow found by id: nope")
    finally:
        conductor.stop_serving()


def test_workflow_def_models_round_trip_through_memory(clients: OrkesClients) -> None:
    definition = WorkflowDef.from_dict(dict(GREETINGS, name="round_trip", description="kept"))
    clients.get_metadata_client().register_workflow_def(definition)
    assert clients.get_metadata_client().get_workflow_def("round_trip").description == "kept"


# -- the official SDK README's hello-world app, unchanged ---------------------------------------


def test_seed_hello_world_app_runs_unchanged_on_memory_url() -> None:
    import os
    import subprocess
    import sys
    from pathlib import Path

    app_dir = Path(__file__).resolve().parents[2] / "examples" / "helloworld"
    env = dict(os.environ, CONDUCTOR_SERVER_URL="memory://")
    done = subprocess.run(
        [sys.executable, "helloworld.py"], cwd=app_dir, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert "workflow result: Hello Orkes" in done.stdout


# -- virtual time for workers that poll over the transport --------------------------------------


def test_a_six_hour_wait_passes_at_once_for_a_polling_worker(conductor: LocalConductor) -> None:
    clients = conductor.clients
    clients.get_metadata_client().register_workflow_def(
        {
            "name": "nap",
            "version": 1,
            "tasks": [
                {
                    "name": "sleep",
                    "taskReferenceName": "sleep",
                    "type": "WAIT",
                    "inputParameters": {"duration": "6 hours"},
                },
                {"name": "greet", "taskReferenceName": "after", "type": "SIMPLE"},
            ],
        }
    )
    started_ms = conductor.engine.clock.now_ms()
    clients.get_workflow_client().start_workflow({"name": "nap", "version": 1})
    task = clients.get_task_client().poll_task("greet")
    assert task is not None and task.reference_task_name == "after"
    assert conductor.engine.clock.now_ms() - started_ms >= 6 * 3600 * 1000


def test_a_retry_delay_passes_at_once_for_a_polling_worker(conductor: LocalConductor) -> None:
    clients = conductor.clients
    clients.get_metadata_client().register_task_def(
        {"name": "greet", "retryCount": 1, "retryDelaySeconds": 3600}
    )
    workflow_id = _start(clients)
    task_client = clients.get_task_client()
    first = task_client.poll_task("greet")
    assert first is not None
    task_client.update_task({"taskId": first.task_id, "workflowInstanceId": workflow_id, "status": "FAILED"})
    retry = task_client.poll_task("greet")
    assert retry is not None and (retry.retry_count, retry.retried_task_id) == (1, first.task_id)


def test_time_does_not_skip_while_a_worker_holds_a_task(conductor: LocalConductor) -> None:
    clients = conductor.clients
    clients.get_metadata_client().register_workflow_def(
        {
            "name": "nap_and_work",
            "version": 1,
            "tasks": [
                {
                    "name": "fork",
                    "taskReferenceName": "fork",
                    "type": "FORK_JOIN",
                    "forkTasks": [
                        [
                            {
                                "name": "sleep",
                                "taskReferenceName": "sleep",
                                "type": "WAIT",
                                "inputParameters": {"duration": "1 hours"},
                            }
                        ],
                        [{"name": "greet", "taskReferenceName": "busy", "type": "SIMPLE"}],
                    ],
                },
                {"name": "join", "taskReferenceName": "join", "type": "JOIN", "joinOn": ["sleep", "busy"]},
            ],
        }
    )
    clients.get_workflow_client().start_workflow({"name": "nap_and_work", "version": 1})
    before = conductor.engine.clock.now_ms()
    assert clients.get_task_client().poll_task("greet") is not None
    assert clients.get_task_client().poll_task("other") is None
    assert conductor.engine.clock.now_ms() == before


def test_time_skipping_can_be_turned_off() -> None:
    conductor = LocalConductor(time_skipping=False)
    clients = conductor.clients
    clients.get_metadata_client().register_workflow_def({
        "name": "nap", "version": 1,
        "tasks": [{"name": "sleep", "taskReferenceName": "sleep", "type": "WAIT",
                   "inputParameters": {"duration": "1 hours"}},
                  {"name": "greet", "taskReferenceName": "after", "type": "SIMPLE"}],
    })  # fmt: skip
    workflow_id = clients.get_workflow_client().start_workflow({"name": "nap", "version": 1})
    assert clients.get_task_client().poll_task("greet") is None
    with conductor.lock:
        conductor.engine.clock.advance(3601)
    clients.get_workflow_client().decide(workflow_id)
    assert clients.get_task_client().poll_task("greet") is not None


def test_a_threaded_task_handler_completes_many_workflows_on_memory() -> None:
    import time

    from conductor_testkit.worker.task_handler import TaskHandler
    from conductor_testkit.worker.worker import Worker

    configuration = Configuration(server_api_url="memory://many")
    clients = OrkesClients(configuration)
    clients.get_metadata_client().register_workflow_def({
        "name": "double", "version": 1,
        "tasks": [{"name": "double_it", "taskReferenceName": "d", "type": "SIMPLE",
                   "inputParameters": {"n": "${workflow.input.n}"}}],
        "outputParameters": {"n": "${d.output.result}"},
    })  # fmt: skip
    workflow_client = clients.get_workflow_client()
    ids = [workflow_client.start_workflow({"name": "double", "input": {"n": n}}) for n in range(20)]
    handler = TaskHandler(
        workers=[Worker("double_it", lambda n: n * 2, thread_count=4, poll_interval_millis=10)],
        configuration=configuration,
        scan_for_annotated_workers=False,
        handle_signals=False,
    )
    handler.start_processes()
    try:
        deadline = time.monotonic() + 60
        while any(workflow_client.get_workflow(i, include_tasks=False).status != "COMPLETED" for i in ids):
            assert time.monotonic() < deadline, "the 20 workflows did not all complete within 60s"
            time.sleep(0.05)
    finally:
        handler.stop_processes()
    outputs = [workflow_client.get_workflow(i, include_tasks=False).output for i in ids]
    assert outputs == [{"n": n * 2} for n in range(20)]


def test_http_and_in_process_paths_answer_the_same_bytes() -> None:
    from conductor_testkit.client.transport import TransportRequest

    served, direct = LocalConductor(), LocalConductor()
    url = served.serve()
    try:
        over_http = Configuration(server_api_url=url).transport
        requests_to_send = [
            TransportRequest("POST", "/metadata/workflow", json_body=GREETINGS),
            TransportRequest("POST", "/workflow", json_body={"name": "greetings", "input": {"name": "B"}}),
            TransportRequest("GET", "/tasks/poll/greet", params={"workerid": "w"}),
            TransportRequest("GET", "/workflow/search", params={"query": "workflowType=greetings"}),
            TransportRequest("PUT", "/workflow/nope/pause"),
            TransportRequest("GET", "/tasks/poll/batch/greet", params={"count": 2, "timeout": 1}),
        ]
        for request in requests_to_send:
            a, b = over_http.handle(request), direct.transport.handle(request)
            assert (a.status, a.text) == (b.status, b.text), request.path
    finally:
        served.stop_serving()
