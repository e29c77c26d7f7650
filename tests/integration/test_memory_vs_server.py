"""The same client calls against the real server and against ``memory://``, compared.

Each test runs one scenario function twice, once with clients of the real server and once with
clients of a fresh :class:`LocalConductor`, and compares what the scenario observed: return
values, error statuses and messages (ids replaced by placeholders), the key sets of the JSON the
server returns, and workflows after each operation (normalised with
``conductor_testkit.testing.compare``). Workers are driven by hand through the task REST API
(poll, update), so both sides see the same sequence of calls.
"""

from __future__ import annotations

import re
from typing import Any, Callable, Dict, List, Optional, Tuple

import pytest

from conductor_testkit.client import Configuration, OrkesClients
from conductor_testkit.client.transport import TransportRequest
from conductor_testkit.engine.in_process import LocalConductor
from conductor_testkit.errors import ApiError
from conductor_testkit.testing.compare import diff_workflows, normalize_workflow

pytestmark = pytest.mark.integration

_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")

# Keys the engine does not produce (or produces where the server does not), with the reason.
_KNOWN_KEY_DIFFERENCES = {
    # the server's audit fields of stored definitions/executions, empty on a standalone server
    "ownerApp",
    "createdBy",
}


class Backend:
    """One side of a comparison: clients plus a recorder of what the scenario saw."""

    def __init__(self, name: str, clients: OrkesClients) -> None:
        self.name = name
        self.clients = clients
        self.metadata = clients.get_metadata_client()
        self.workflows = clients.get_workflow_client()
        self.tasks = clients.get_task_client()
        self.api = clients.api_client
        self.seen: Dict[str, Any] = {}

    def record(self, label: str, call: Callable[[], Any]) -> Any:
        """Run ``call``; record its result or its HTTP error (status + message with ids masked)."""
        try:
            value = call()
        except ApiError as exc:
            self.seen[label] = {"status": exc.status, "message": _mask(exc.message)}
            return None
        self.seen[label] = {"ok": _mask(value)}
        return value

    def snapshot(self, label: str, workflow_id: str) -> Dict[str, Any]:
        raw = self.api.get_json(f"/workflow/{workflow_id}", params={"includeTasks": True})
        self.seen[label] = normalize_workflow(raw)
        return raw  # type: ignore[no-any-return]


def _mask(value: Any) -> Any:
    if isinstance(value, str):
        return _UUID.sub("<id>", value)
    if isinstance(value, dict):
        return {k: _mask(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_mask(v) for v in value]
    return value


@pytest.fixture
def server(conductor_server_url: str) -> Backend:
    return Backend("server", OrkesClients(Configuration(server_api_url=conductor_server_url)))


@pytest.fixture
def memory() -> Backend:
    return Backend("memory", LocalConductor().clients)


def _compare(server: Backend, memory: Backend) -> None:
    problems: List[str] = []
    assert list(server.seen) == list(memory.seen)
    for label, expected in server.seen.items():
        actual = memory.seen[label]
        if isinstance(expected, dict) and "workflowName" in expected:
            problems.extend(f"{label}: {line}" for line in diff_workflows(expected, actual))
        elif expected != actual:
            problems.append(f"{label}: server {expected!r} != memory {actual!r}")
    assert not problems, "\n".join(problems)


# -- definitions used by the scenarios ----------------------------------------------------------


def _register(b: Backend, name: str, tasks: List[Dict[str, Any]], **extra: Any) -> None:
    for task_type in {t["name"] for t in tasks if t.get("type", "SIMPLE") == "SIMPLE"}:
        b.metadata.register_task_def(
            {"name": task_type, "retryCount": 0, "responseTimeoutSeconds": 30, "ownerEmail": "h@example.com"}
        )
    definition = {
        "name": name,
        "version": extra.pop("version", 1),
        "ownerEmail": "h@example.com",
        "schemaVersion": 2,
        "tasks": tasks,
        **extra,
    }
    b.metadata.register_workflow_def(definition, overwrite=True)


def _three_step(name: str) -> List[Dict[str, Any]]:
    """``first`` (worker) -> ``hold`` (WAIT for a signal) -> ``last`` (worker)."""
    return [
        {
            "name": f"{name}_a",
            "taskReferenceName": "first",
            "type": "SIMPLE",
            "inputParameters": {"who": "${workflow.input.who}"},
        },
        {"name": "hold", "taskReferenceName": "hold", "type": "WAIT"},
        {
            "name": f"{name}_b",
            "taskReferenceName": "last",
            "type": "SIMPLE",
            "inputParameters": {"greeting": "${first.output.greeting}", "signal": "${hold.output.by}"},
        },
    ]


def _work(
    b: Backend,
    task_type: str,
    status: str = "COMPLETED",
    output: Optional[Dict[str, Any]] = None,
    reason: Optional[str] = None,
) -> str:
    """Poll one task of ``task_type`` as worker ``w1`` and report ``status``; returns its id."""
    task = b.tasks.poll_task(task_type, worker_id="w1")
    assert task is not None, f"{b.name}: no {task_type} task to poll"
    result: Dict[str, Any] = {
        "workflowInstanceId": task.workflow_instance_id,
        "taskId": task.task_id,
        "status": status,
        "outputData": output or {},
        "workerId": "w1",
    }
    if reason is not None:
        result["reasonForIncompletion"] = reason
    b.tasks.update_task(result)
    return str(task.task_id)


def _start(b: Backend, name: str, who: str = "Orkes") -> str:
    return b.workflows.start_workflow(
        {"name": name, "version": 1, "input": {"who": who}, "correlationId": "c-1"}
    )


def _started(b: Backend, name: str, **extra: Any) -> str:
    """Register the :func:`_three_step` workflow ``name`` (with ``extra`` fields) and start it."""
    _register(b, name, _three_step(name), **extra)
    return _start(b, name)


Scenario = Callable[[Backend, str], None]
OnBoth = Callable[[Scenario], None]


@pytest.fixture
def on_both(server: Backend, memory: Backend, unique_name: str) -> OnBoth:
    """Runs a scenario on the server, then on memory://, and compares what the two saw."""

    def run(scenario: Scenario) -> None:
        for backend in (server, memory):
            scenario(backend, unique_name)
        _compare(server, memory)

    return run


# -- client calls: results, errors and shapes ---------------------------------------------------


def test_metadata_calls_answer_alike(on_both: OnBoth) -> None:
    def scenario(b: Backend, name: str) -> None:
        _register(b, name, _three_step(name))
        b.record("get def", lambda: b.metadata.get_workflow_def(name).to_dict()["tasks"][1]["type"])
        b.record("get missing def", lambda: b.metadata.get_workflow_def(name + "_missing"))
        b.record(
            "register again without overwrite",
            lambda: b.metadata.register_workflow_def(b.metadata.get_workflow_def(name), overwrite=False),
        )
        b.record("get task def", lambda: b.metadata.get_task_def(f"{name}_a").retry_count)
        b.record("get missing task def", lambda: b.metadata.get_task_def(name + "_nope"))
        b.record("unregister missing def", lambda: b.metadata.unregister_workflow_def(name + "_nope", 1))

    on_both(scenario)


def test_workflow_and_task_reads_answer_alike(on_both: OnBoth) -> None:
    def scenario(b: Backend, name: str) -> None:
        _register(b, name, _three_step(name))
        b.record("start unknown", lambda: _start(b, name + "_unknown"))
        workflow_id = _start(b, name)
        b.record(
            "status",
            lambda: b.api.get_json(
                f"/workflow/{workflow_id}/status", params={"includeOutput": True, "includeVariables": True}
            ),
        )
        b.record("get unknown workflow", lambda: b.workflows.get_workflow("no-such-id"))
        b.record("get unknown task", lambda: b.tasks.get_task("no-such-task"))
        b.record("poll nothing", lambda: b.tasks.poll_task(name + "_b", worker_id="w1"))
        b.record("batch poll nothing", lambda: b.tasks.batch_poll_tasks(name + "_b", "w1", 2, 10))
        b.record("queue size", lambda: b.tasks.get_queue_size_for_task(name + "_a"))
        task_id = _work(b, name + "_a", output={"greeting": "hi"})
        b.record("logs of a task without logs", lambda: b.tasks.get_task_logs(task_id))
        b.tasks.add_task_log(task_id, "line one")
        b.record("logs", lambda: [log.log for log in b.tasks.get_task_logs(task_id)])
        b.record(
            "update unknown task",
            lambda: b.tasks.update_task(
                {"taskId": "no-such-task", "workflowInstanceId": workflow_id, "status": "COMPLETED"}
            ),
        )
        b.record(
            "update by ref with nothing pending",
            lambda: b.tasks.update_task_by_ref_name(workflow_id, "first", "COMPLETED", {}),
        )
        b.record(
            "correlated",
            lambda: [
                w.status
                for w in b.workflows.get_by_correlation_ids(name, ["c-1", "c-none"], include_closed=True)[
                    "c-1"
                ]
            ],
        )
        b.record("running", lambda: len(b.workflows.get_running_workflows(name)))
        b.snapshot("after first task", workflow_id)

    on_both(scenario)


def _keys(document: Any) -> Any:
    """The key set of a JSON object (of the first element of a list)."""
    if isinstance(document, list):
        return _keys(document[0]) if document else set()
    return set(document) - _KNOWN_KEY_DIFFERENCES if isinstance(document, dict) else type(document).__name__


def test_json_shapes_match(server: Backend, memory: Backend, unique_name: str) -> None:
    shapes: Dict[str, Dict[str, Any]] = {}
    for b in (server, memory):
        name = unique_name
        workflow_id = _started(b, name)
        polled = b.api.get_json(f"/tasks/poll/{name}_a", params={"workerid": "w1"})
        b.tasks.add_task_log(polled["taskId"], "a line")
        b.api.call(
            "POST",
            "/event",
            json_body={
                "name": f"{name}_handler",
                "event": f"conductor:{name}:done",
                "active": True,
                "actions": [
                    {"action": "complete_task", "complete_task": {"workflowId": "w", "taskRefName": "t"}}
                ],
            },
        )
        executed = b.api.call_json(
            "POST", f"/workflow/execute/{name}/1", params={"waitForSeconds": 1}, json_body={"input": {}}
        )
        documents = {
            "workflow": b.api.get_json(f"/workflow/{workflow_id}"),
            "task": b.api.get_json(f"/workflow/{workflow_id}")["tasks"][0],
            "polled task": polled,
            "task by id": b.api.get_json(f"/tasks/{polled['taskId']}"),
            "workflow def": b.api.get_json(f"/metadata/workflow/{name}"),
            "workflow task": b.api.get_json(f"/metadata/workflow/{name}")["tasks"][0],
            "task def": b.api.get_json(f"/metadata/taskdefs/{name}_a"),
            "search": b.api.get_json("/workflow/search", params={"query": f"workflowType={name}"}),
            "summary": b.api.get_json("/workflow/search", params={"query": f"workflowType={name}"})[
                "results"
            ],
            "search-v2 result": b.api.get_json(
                "/workflow/search-v2", params={"query": f"workflowType={name}"}
            )["results"],
            "status": b.api.get_json(f"/workflow/{workflow_id}/status"),
            "poll data": b.api.get_json("/tasks/queue/polldata", params={"taskType": f"{name}_a"}),
            "task logs": b.api.get_json(f"/tasks/{polled['taskId']}/log"),
            "event handlers": b.api.get_json(f"/event/conductor:{name}:done"),
            "execute response": executed,
        }
        shapes[b.name] = {part: _keys(doc) for part, doc in documents.items()}
        b.api.call("DELETE", f"/event/{name}_handler")
    problems = []
    for part, expected in shapes["server"].items():
        actual = shapes["memory"][part]
        if expected != actual:
            if isinstance(expected, set) and isinstance(actual, set):
                problems.append(
                    f"{part}: memory lacks {sorted(expected - actual)}, has extra {sorted(actual - expected)}"
                )
            else:
                problems.append(f"{part}: server {expected!r}, memory {actual!r}")
    assert not problems, "\n".join(problems)


def test_search_summaries_match_the_server(on_both: OnBoth) -> None:
    def scenario(b: Backend, name: str) -> None:
        _register(b, name, _three_step(name))
        done = _start(b, name, who="Searched")
        _work(b, name + "_a", status="FAILED", reason="nope")
        _start(b, name, who="Other")
        by_status = b.api.get_json(
            "/workflow/search", params={"query": f"workflowType={name} AND status=FAILED"}
        )
        summary = dict(by_status["results"][0])
        for volatile in ("startTime", "updateTime", "endTime", "executionTime"):
            summary.pop(volatile, None)
        b.record("failed summary", lambda: [by_status["totalHits"], summary, done in str(by_status)])
        b.record(
            "free text",
            lambda: b.api.get_json(
                "/workflow/search", params={"query": f"workflowType={name}", "freeText": "Other"}
            )["totalHits"],
        )

    on_both(scenario)


def _status_and_media_type(b: Backend, method: str, path: str, **fields: Any) -> Any:
    """Send one raw request through the backend's transport: (status, media type or None)."""
    answer = b.api.transport.handle(TransportRequest(method, path, **fields))
    headers = {k.lower(): v for k, v in dict(answer.headers).items()}
    return answer.status, (headers.get("content-type") or "").split(";")[0] or None


def test_status_codes_and_media_types_match(server: Backend, memory: Backend, unique_name: str) -> None:
    for b in (server, memory):
        name = unique_name
        workflow_id = _started(b, name)
        b.seen = {
            "start": _status_and_media_type(b, "POST", "/workflow", json_body={"name": name, "version": 1}),
            "poll empty": _status_and_media_type(b, "GET", f"/tasks/poll/{name}_b"),
            "retry running": _status_and_media_type(b, "POST", f"/workflow/{workflow_id}/retry"),
            "pause": _status_and_media_type(b, "PUT", f"/workflow/{workflow_id}/pause"),
            "restart paused": _status_and_media_type(b, "POST", f"/workflow/{workflow_id}/restart"),
            "unknown route": _status_and_media_type(b, "GET", "/no/such/route"),
            "wrong method": _status_and_media_type(b, "PATCH", f"/workflow/{workflow_id}"),
            "bad boolean": _status_and_media_type(
                b, "GET", f"/workflow/{workflow_id}", params={"includeTasks": "maybe"}
            ),
            "terminate": _status_and_media_type(b, "DELETE", f"/workflow/{workflow_id}"),
            "retry terminated": _status_and_media_type(b, "POST", f"/workflow/{workflow_id}/retry"),
        }
    assert server.seen == memory.seen


# -- workflow operations ------------------------------------------------------------------------


def test_pause_then_resume_matches_server(on_both: OnBoth) -> None:
    def scenario(b: Backend, name: str) -> None:
        workflow_id = _started(b, name)
        b.workflows.pause_workflow(workflow_id)
        b.record("pause again", lambda: b.workflows.pause_workflow(workflow_id))
        _work(b, name + "_a", output={"greeting": "hi"})  # running tasks may still finish
        b.snapshot("paused after first task", workflow_id)
        b.workflows.resume_workflow(workflow_id)
        b.snapshot("resumed", workflow_id)
        b.record("resume running", lambda: b.workflows.resume_workflow(workflow_id))

    on_both(scenario)


def test_terminate_matches_server(on_both: OnBoth) -> None:
    def scenario(b: Backend, name: str) -> None:
        workflow_id = _started(b, name, outputParameters={"who": "${workflow.input.who}"})
        _work(b, name + "_a", output={"greeting": "hi"})
        b.workflows.terminate_workflow(workflow_id, reason="stopped by test")
        b.snapshot("terminated", workflow_id)
        b.record("terminate again", lambda: b.workflows.terminate_workflow(workflow_id, reason="again"))
        b.record("pause terminated", lambda: b.workflows.pause_workflow(workflow_id))
        done = _start(b, name)
        _work(b, name + "_a", output={"greeting": "hi"})
        b.tasks.update_task_by_ref_name(done, "hold", "COMPLETED", {"by": "test"})
        _work(b, name + "_b")
        b.record("terminate completed", lambda: b.workflows.terminate_workflow(done, reason="late"))

    on_both(scenario)


def test_retry_matches_server(on_both: OnBoth) -> None:
    def scenario(b: Backend, name: str) -> None:
        workflow_id = _started(b, name)
        _work(b, name + "_a", status="FAILED", reason="boom")
        b.snapshot("failed", workflow_id)
        b.workflows.retry_workflow(workflow_id)
        b.snapshot("retried", workflow_id)
        b.record("retry running", lambda: b.workflows.retry_workflow(workflow_id))
        _work(b, name + "_a", output={"greeting": "hello"})
        b.snapshot("retried task done", workflow_id)

    on_both(scenario)


def test_retry_without_failed_tasks_matches_server(on_both: OnBoth) -> None:
    def scenario(b: Backend, name: str) -> None:
        workflow_id = _started(b, name)
        b.workflows.terminate_workflow(workflow_id, reason="stop")
        b.record("retry terminated", lambda: b.workflows.retry_workflow(workflow_id))
        b.snapshot("after retry of terminated", workflow_id)

    on_both(scenario)


def test_restart_matches_server(on_both: OnBoth) -> None:
    def scenario(b: Backend, name: str) -> None:
        workflow_id = _started(b, name)
        b.record("restart running", lambda: b.workflows.restart_workflow(workflow_id))
        _work(b, name + "_a", status="FAILED_WITH_TERMINAL_ERROR", reason="fatal")
        b.workflows.restart_workflow(workflow_id)
        b.snapshot("restarted", workflow_id)

    on_both(scenario)


def test_rerun_from_task_with_new_input_matches_server(on_both: OnBoth) -> None:
    def scenario(b: Backend, name: str) -> None:
        workflow_id = _started(b, name)
        b.record(
            "rerun running",
            lambda: b.workflows.rerun_workflow(workflow_id, {"reRunFromWorkflowId": workflow_id}),
        )
        _work(b, name + "_a", output={"greeting": "hi"})
        b.tasks.update_task_by_ref_name(workflow_id, "hold", "COMPLETED", {"by": "test"})
        last_id = _work(b, name + "_b", status="FAILED", reason="flaky")
        b.snapshot("failed at last", workflow_id)
        b.record(
            "rerun unknown task",
            lambda: b.workflows.rerun_workflow(workflow_id, {"reRunFromTaskId": "no-such-task"}),
        )
        b.workflows.rerun_workflow(
            workflow_id, {"reRunFromTaskId": last_id, "taskInput": {"greeting": "again"}}
        )
        b.snapshot("rerun from last", workflow_id)

    on_both(scenario)


def test_rerun_from_start_with_new_workflow_input_matches_server(on_both: OnBoth) -> None:
    def scenario(b: Backend, name: str) -> None:
        workflow_id = _started(b, name)
        b.workflows.terminate_workflow(workflow_id, reason="stop")
        b.workflows.rerun_workflow(workflow_id, {"workflowInput": {"who": "Again"}, "correlationId": "c-2"})
        b.snapshot("rerun from start", workflow_id)

    on_both(scenario)


def test_skip_task_matches_server(on_both: OnBoth) -> None:
    def scenario(b: Backend, name: str) -> None:
        workflow_id = _started(b, name)
        b.record("skip unknown ref", lambda: b.workflows.skip_task_from_workflow(workflow_id, "nope"))
        b.record("skip started task", lambda: b.workflows.skip_task_from_workflow(workflow_id, "first"))
        b.workflows.skip_task_from_workflow(workflow_id, "hold")
        b.snapshot("skip scheduled", workflow_id)
        _work(b, name + "_a", output={"greeting": "hi"})
        b.snapshot("past the skipped task", workflow_id)

    on_both(scenario)


def test_signal_and_update_by_reference_match_server(on_both: OnBoth) -> None:
    def scenario(b: Backend, name: str) -> None:
        workflow_id = _started(b, name)
        _work(b, name + "_a", output={"greeting": "hi"})
        b.api.call("POST", f"/tasks/{workflow_id}/COMPLETED/signal", json_body={"by": "signal"})
        b.snapshot("signalled", workflow_id)
        b.record(
            "signal with nothing waiting",
            lambda: b.api.call("POST", f"/tasks/{workflow_id}/COMPLETED/signal", json_body={}).status,
        )
        other = _start(b, name)
        _work(b, name + "_a", output={"greeting": "yo"})
        b.record(
            "complete WAIT by ref",
            lambda: bool(b.tasks.update_task_by_ref_name(other, "hold", "FAILED", {"by": "ref"})),
        )
        b.snapshot("wait failed by ref", other)

    on_both(scenario)


def test_remove_matches_server(on_both: OnBoth) -> None:
    def scenario(b: Backend, name: str) -> None:
        workflow_id = _started(b, name)
        b.record("remove running with archiving", lambda: b.workflows.delete_workflow(workflow_id))
        b.workflows.terminate_workflow(workflow_id, reason="done")
        b.record("remove terminated", lambda: b.workflows.delete_workflow(workflow_id))
        b.record("get removed", lambda: b.workflows.get_workflow(workflow_id))
        b.record("remove again", lambda: b.workflows.delete_workflow(workflow_id))
        running = _start(b, name)
        b.record(
            "remove running without archiving",
            lambda: b.workflows.delete_workflow(running, archive_workflow=False),
        )
        b.record("get removed running", lambda: b.workflows.get_workflow(running))

    on_both(scenario)


# -- sub-workflows: the server runs them asynchronously, so its side is awaited -----------------


def _settle(
    b: Backend, workflow_id: str, ready: Callable[[Dict[str, Any]], bool], seconds: float = 20.0
) -> Any:
    """The workflow JSON once ``ready`` holds (the server's async workers need a moment)."""
    import time

    deadline = time.monotonic() + seconds
    while True:
        workflow = b.api.get_json(f"/workflow/{workflow_id}", params={"includeTasks": True})
        if ready(workflow) or time.monotonic() > deadline:
            return workflow
        time.sleep(0.2)


def _child_task(name: str) -> Dict[str, Any]:
    """A SUB_WORKFLOW task ``child`` starting version 1 of ``<name>_child``."""
    return {
        "name": "child",
        "taskReferenceName": "child",
        "type": "SUB_WORKFLOW",
        "subWorkflowParam": {"name": f"{name}_child", "version": 1},
    }


def _register_parent_and_child(b: Backend, name: str) -> None:
    _register(b, f"{name}_child", [{"name": f"{name}_c", "taskReferenceName": "inner", "type": "SIMPLE"}])
    _register(
        b, name, [_child_task(name), {"name": f"{name}_p", "taskReferenceName": "after", "type": "SIMPLE"}]
    )


def _start_parent(
    b: Backend, name: str, child_ready: Optional[Callable[[Dict[str, Any]], bool]] = None
) -> Tuple[str, str]:
    """Start the parent ``name``: (parent id, child id) once the child has tasks and ``child_ready`` holds.

    The server starts the child asynchronously and decides the child's first task a moment later.
    """
    parent_id = _start(b, name)
    started = _settle(b, parent_id, lambda w: bool(w["tasks"] and w["tasks"][0].get("subWorkflowId")))
    child_id = started["tasks"][0]["subWorkflowId"]
    _settle(b, child_id, lambda w: bool(w["tasks"]) and (child_ready is None or child_ready(w)))
    return parent_id, child_id


def _fail_child_and_parent(b: Backend, name: str) -> Any:
    parent_id, child_id = _start_parent(b, name)
    _work(b, f"{name}_c", status="FAILED", reason="inner boom")
    _settle(b, parent_id, lambda w: w["status"] == "FAILED")
    return parent_id, child_id


def test_retry_resuming_the_failed_sub_workflow_matches_server(on_both: OnBoth) -> None:
    def scenario(b: Backend, name: str) -> None:
        _register_parent_and_child(b, name)
        parent_id, child_id = _fail_child_and_parent(b, name)
        b.snapshot("parent failed", parent_id)
        b.snapshot("child failed", child_id)
        b.workflows.retry_workflow(parent_id, resume_subworkflow_tasks=True)
        _settle(b, parent_id, lambda w: w["tasks"][0]["status"] == "IN_PROGRESS")
        b.snapshot("parent after resume", parent_id)
        b.snapshot("child retried in place", child_id)
        _work(b, f"{name}_c")
        _settle(b, parent_id, lambda w: w["tasks"][-1]["referenceTaskName"] == "after")
        b.snapshot("parent continues", parent_id)

    on_both(scenario)


def test_retry_restarting_the_sub_workflow_matches_server(on_both: OnBoth) -> None:
    def scenario(b: Backend, name: str) -> None:
        _register_parent_and_child(b, name)
        parent_id, _ = _fail_child_and_parent(b, name)
        b.workflows.retry_workflow(parent_id)
        retried = _settle(
            b, parent_id, lambda w: len(w["tasks"]) == 2 and bool(w["tasks"][1].get("subWorkflowId"))
        )
        b.snapshot("parent with a new child", parent_id)
        b.record(
            "new child differs",
            lambda: retried["tasks"][1]["subWorkflowId"] != retried["tasks"][0]["subWorkflowId"],
        )

    on_both(scenario)


def test_rerun_from_a_task_inside_the_sub_workflow_matches_server(on_both: OnBoth) -> None:
    def scenario(b: Backend, name: str) -> None:
        _register_parent_and_child(b, name)
        parent_id, child_id = _fail_child_and_parent(b, name)
        inner_id = b.api.get_json(f"/workflow/{child_id}")["tasks"][0]["taskId"]
        b.workflows.rerun_workflow(parent_id, {"reRunFromTaskId": inner_id, "taskInput": {"again": True}})
        _settle(b, parent_id, lambda w: w["status"] == "RUNNING" and w["tasks"][0]["status"] == "IN_PROGRESS")
        b.snapshot("parent after rerun in child", parent_id)
        b.snapshot("child rerun", child_id)

    on_both(scenario)


def test_restart_with_latest_definitions_matches_server(on_both: OnBoth) -> None:
    def scenario(b: Backend, name: str) -> None:
        workflow_id = _started(b, name)
        b.workflows.terminate_workflow(workflow_id, reason="stop")
        _register(b, name, [{"name": f"{name}_b", "taskReferenceName": "only", "type": "SIMPLE"}], version=2)
        b.workflows.restart_workflow(workflow_id, use_latest_def=True)
        b.snapshot("restarted on version 2", workflow_id)

    on_both(scenario)


def test_update_variables_is_an_orkes_api_served_only_by_memory(
    server: Backend, memory: Backend, unique_name: str
) -> None:
    """A listed difference: OSS has no variables route (the client says so); the engine merges."""
    from conductor_testkit.errors import NotSupportedError

    for b in (server, memory):
        _register(b, unique_name, _three_step(unique_name))
    server_id, memory_id = _start(server, unique_name), _start(memory, unique_name)
    with pytest.raises(NotSupportedError):
        server.workflows.update_variables(server_id, {"a": 1})
    memory.workflows.update_variables(memory_id, {"a": 1})
    assert memory.workflows.get_workflow(memory_id).variables == {"a": 1}


def test_skip_task_ignores_a_json_body_like_the_server(on_both: OnBoth) -> None:
    def scenario(b: Backend, name: str) -> None:
        workflow_id = _started(b, name)
        b.workflows.skip_task_from_workflow(workflow_id, "hold", {"taskOutput": {"by": "skip"}})
        b.snapshot("skipped with a body", workflow_id)
        _work(b, name + "_a", output={"greeting": "hi"})
        b.snapshot("last task input", workflow_id)

    on_both(scenario)


def test_signal_reaches_a_wait_inside_a_sub_workflow_like_the_server(on_both: OnBoth) -> None:
    def scenario(b: Backend, name: str) -> None:
        _register(b, f"{name}_child", [{"name": "hold", "taskReferenceName": "inner_hold", "type": "WAIT"}])
        _register(b, name, [_child_task(name)])
        parent_id, child_id = _start_parent(b, name, lambda w: w["tasks"][0]["status"] == "IN_PROGRESS")
        b.api.call("POST", f"/tasks/{parent_id}/COMPLETED/signal", json_body={"from": "parent"})
        _settle(b, parent_id, lambda w: w["status"] == "COMPLETED")
        b.snapshot("parent", parent_id)
        b.snapshot("child", child_id)

    on_both(scenario)


def test_human_task_completed_by_reference_like_the_server(on_both: OnBoth) -> None:
    def scenario(b: Backend, name: str) -> None:
        _register(
            b,
            name,
            [
                {"name": "approve", "taskReferenceName": "approve", "type": "HUMAN"},
                {
                    "name": f"{name}_b",
                    "taskReferenceName": "last",
                    "type": "SIMPLE",
                    "inputParameters": {"approved": "${approve.output.approved}"},
                },
            ],
        )
        workflow_id = _start(b, name)
        b.record(
            "signal does not find HUMAN",
            lambda: (
                b.api.call(
                    "POST", f"/tasks/{workflow_id}/COMPLETED/signal", json_body={"approved": False}
                ).status
            ),
        )
        b.snapshot("human waiting", workflow_id)
        b.tasks.update_task_by_ref_name(workflow_id, "approve", "COMPLETED", {"approved": True})
        b.snapshot("approved", workflow_id)

    on_both(scenario)


def test_reset_callbacks_makes_a_delayed_retry_pollable_like_the_server(on_both: OnBoth) -> None:
    def scenario(b: Backend, name: str) -> None:
        _register(b, name, _three_step(name))
        b.metadata.register_task_def(
            {"name": f"{name}_a", "retryCount": 1, "retryDelaySeconds": 600, "ownerEmail": "h@example.com"}
        )
        workflow_id = _start(b, name)
        _work(b, name + "_a", status="FAILED", reason="later")
        # a poll now would let memory:// skip the idle time to the retry; the queue size does not
        b.record("retry queued", lambda: b.tasks.get_queue_size_for_task(name + "_a"))
        b.api.call("POST", f"/workflow/{workflow_id}/resetcallbacks")
        b.record(
            "polled after reset", lambda: getattr(b.tasks.poll_task(name + "_a", "w1"), "retry_count", None)
        )
        b.snapshot("after reset", workflow_id)

    on_both(scenario)


def test_retry_of_a_canceled_wait_starts_it_again_like_the_server(on_both: OnBoth) -> None:
    def scenario(b: Backend, name: str) -> None:
        workflow_id = _started(b, name)
        _work(b, name + "_a", output={"greeting": "hi"})
        b.workflows.terminate_workflow(workflow_id, reason="stop")
        b.workflows.retry_workflow(workflow_id)
        _settle(b, workflow_id, lambda w: w["tasks"][-1]["status"] == "IN_PROGRESS", seconds=30)
        b.snapshot("wait retried", workflow_id)

    on_both(scenario)


def test_execute_answers_like_the_server(on_both: OnBoth) -> None:
    def scenario(b: Backend, name: str) -> None:
        _register(b, name, _three_step(name))
        _register(b, f"{name}_wait", [{"name": "hold", "taskReferenceName": "hold", "type": "WAIT"}])

        def execute(workflow: str) -> Any:
            answer = b.api.call_json(
                "POST",
                f"/workflow/execute/{workflow}/1",
                params={"waitForSeconds": 1},
                json_body={"input": {"x": 1}},
            )
            return {
                k: answer.get(k) for k in ("responseType", "targetWorkflowStatus", "signalTimeout", "input")
            }

        b.record("blocked at a WAIT", lambda: execute(f"{name}_wait"))
        b.record("waiting for a worker until the timeout", lambda: execute(name))
        b.record("unknown workflow", lambda: execute(f"{name}_nope"))

    on_both(scenario)


def test_terminating_a_parent_terminates_its_running_child_like_the_server(on_both: OnBoth) -> None:
    def scenario(b: Backend, name: str) -> None:
        _register_parent_and_child(b, name)
        parent_id, child_id = _start_parent(b, name)
        b.workflows.pause_workflow(parent_id)
        b.record(
            "child keeps running while the parent is paused",
            lambda: b.workflows.get_workflow(child_id).status,
        )
        b.workflows.terminate_workflow(parent_id, reason="cancel order")
        _settle(b, child_id, lambda w: w["status"] == "TERMINATED")
        b.snapshot("parent terminated", parent_id)
        b.snapshot("child terminated", child_id)

    on_both(scenario)


def test_invalid_definitions_answer_the_same_validation_body(on_both: OnBoth) -> None:
    """The whole 400 body (validationErrors sorted: the server's order varies between calls)."""
    task = {"name": "a", "taskReferenceName": "a", "type": "SIMPLE"}

    def scenario(b: Backend, name: str) -> None:
        invalid = {
            "no name": {"version": 1, "tasks": [task]},
            "no tasks": {"name": name, "version": 1, "tasks": []},
            "duplicate reference": {"name": name, "version": 1, "tasks": [task, dict(task, name="b")]},
            "unknown input reference": {
                "name": name,
                "version": 1,
                "tasks": [dict(task, inputParameters={"x": "${nope.output.x}"})],
            },
            "switch without evaluator": {
                "name": name,
                "version": 1,
                "tasks": [{"name": "s", "taskReferenceName": "s", "type": "SWITCH", "decisionCases": {}}],
            },
            "schema version 1": {"name": name, "version": 1, "schemaVersion": 1, "tasks": [task]},
            "negative start delay": {"name": name, "version": 1, "tasks": [dict(task, startDelay=-1)]},
            "nested without names": {
                "name": name,
                "version": 1,
                "tasks": [
                    {
                        "name": "sw",
                        "taskReferenceName": "sw",
                        "type": "SWITCH",
                        "evaluatorType": "value-param",
                        "expression": "x",
                        "decisionCases": {"a": [{"name": "x", "type": "SIMPLE"}]},
                        "defaultCase": [{"taskReferenceName": "y", "type": "SIMPLE"}],
                    }
                ],
            },
            "fork branch without reference": {
                "name": name,
                "version": 1,
                "tasks": [
                    {
                        "name": "f",
                        "taskReferenceName": "f",
                        "type": "FORK_JOIN",
                        "forkTasks": [[{"name": "x", "type": "SIMPLE"}]],
                    },
                    {"name": "j", "taskReferenceName": "j", "type": "JOIN"},
                ],
            },
        }

        def body_of(method: str, path: str, payload: Any) -> Any:
            try:
                b.api.call(method, path, json_body=payload)
            except ApiError as exc:
                body = dict(exc.body)
                body["validationErrors"] = sorted(body.get("validationErrors", []), key=repr)
                return {"status": exc.status, "body": body}
            return "accepted"

        for label, definition in invalid.items():
            calls = {
                "register": ("POST", "/metadata/workflow", definition),
                "bulk update": ("PUT", "/metadata/workflow", [definition]),
                "validate": ("POST", "/metadata/workflow/validate", definition),
                "start": ("POST", "/workflow", {"name": name, "workflowDef": definition}),
                "test": ("POST", "/workflow/test", {"name": name, "workflowDef": definition}),
            }
            for what, (method, path, payload) in calls.items():
                b.record(f"{what} {label}", lambda m=method, p=path, j=payload: body_of(m, p, j))

    on_both(scenario)


def test_event_handlers_are_stored_and_listed_alike(on_both: OnBoth) -> None:
    def scenario(b: Backend, name: str) -> None:
        events = b.clients.get_event_client()
        handler = {
            "name": f"{name}_handler",
            "event": f"conductor:{name}:done",
            "active": True,
            "actions": [
                {"action": "start_workflow", "start_workflow": {"name": name, "version": 1}},
                {
                    "action": "complete_task",
                    "complete_task": {"workflowId": "${workflowId}", "taskRefName": "t"},
                    "expandInlineJSON": True,
                },
                {"action": "fail_task", "fail_task": {"taskId": "x"}},
            ],
        }
        try:
            events.register_event_handler(handler)  # through the EventHandler wire model
            b.record("listed", lambda: b.api.get_json(f"/event/conductor:{name}:done"))
            b.record("register again", lambda: events.register_event_handler(handler))
            events.update_event_handler(dict(handler, active=False))
            b.record("active only", lambda: b.api.get_json(f"/event/conductor:{name}:done"))
            b.record(
                "inactive included",
                lambda: b.api.get_json(f"/event/conductor:{name}:done", params={"activeOnly": False}),
            )
        finally:
            b.api.call("DELETE", f"/event/{name}_handler")
        b.record("remove again", lambda: b.api.call("DELETE", f"/event/{name}_handler"))

    on_both(scenario)
