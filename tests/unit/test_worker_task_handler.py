"""TaskHandler: which workers it runs, with which settings, in threads or processes; a runner it
restarts; the HTTP calls its workers make per task."""

from __future__ import annotations

import logging
import threading
import time
import uuid
from typing import Any, List, Tuple

import pytest

from conductor_testkit.client import ApiClient, Configuration, MetadataClient, WorkflowClient
from conductor_testkit.errors import ConfigurationError
from conductor_testkit.worker import (
    InMemoryMetrics,
    TaskHandler,
    TaskRunner,
    Worker,
    WorkerHealth,
    unregister_worker,
    worker_task,
)

HTTP = Configuration(server_api_url="http://127.0.0.1:9/api")


def noop() -> None:
    return None


def test_explicit_workers_run_in_processes_by_default() -> None:
    handler = TaskHandler(workers=[Worker("a", noop)], configuration=HTTP, scan_for_annotated_workers=False)
    assert [w.task_definition_name for w in handler.workers] == ["a"]
    assert handler.use_threads is False


def test_in_process_memory_configuration_always_uses_threads() -> None:
    memory = Configuration(server_api_url="memory://")
    handler = TaskHandler(workers=[Worker("a", noop)], configuration=memory, scan_for_annotated_workers=False)
    assert handler.use_threads is True


def test_environment_overrides_worker_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("conductor_worker_charge_thread_count", "6")
    monkeypatch.setenv("CONDUCTOR_WORKER_ALL_DOMAIN", "blue")
    handler = TaskHandler(
        workers=[Worker("charge", noop)], configuration=HTTP, scan_for_annotated_workers=False
    )
    assert (handler.workers[0].thread_count, handler.workers[0].domain) == (6, "blue")


def test_scanning_adds_registered_workers_once() -> None:
    name = f"scan_{uuid.uuid4().hex[:8]}"

    @worker_task(task_definition_name=name)
    def scanned() -> None:
        return None

    try:
        explicit = Worker(name, noop, thread_count=3)
        handler = TaskHandler(workers=[explicit], configuration=HTTP, scan_for_annotated_workers=True)
        matching = [w for w in handler.workers if w.task_definition_name == name]
        assert matching == [explicit]  # the explicit worker wins over the registered one
    finally:
        unregister_worker(name)


def test_decorated_function_is_accepted_as_a_worker() -> None:
    name = f"fn_{uuid.uuid4().hex[:8]}"

    @worker_task(task_definition_name=name)
    def decorated() -> None:
        return None

    try:
        handler = TaskHandler(workers=[decorated], configuration=HTTP, scan_for_annotated_workers=False)
        assert [w.task_definition_name for w in handler.workers] == [name]
    finally:
        unregister_worker(name)


def test_two_workers_for_the_same_task_and_domain_are_rejected() -> None:
    with pytest.raises(ConfigurationError, match="two workers for task 'a' in domain None"):
        TaskHandler(
            workers=[Worker("a", noop), Worker("a", noop)],
            configuration=HTTP,
            scan_for_annotated_workers=False,
        )


def test_anything_else_is_rejected_as_a_worker() -> None:
    with pytest.raises(ConfigurationError, match="must be Worker objects or @worker_task functions"):
        TaskHandler(workers=["a"], configuration=HTTP, scan_for_annotated_workers=False)  # type: ignore[list-item]


def test_stop_before_start_does_nothing() -> None:
    handler = TaskHandler(workers=[Worker("a", noop)], configuration=HTTP, scan_for_annotated_workers=False)
    handler.stop_processes()
    handler.join_processes()


def double(x: int) -> int:
    return 2 * x


def doubling_workflows(count: int) -> Tuple[Configuration, WorkflowClient, str, List[str]]:
    """``count`` started workflows on a fresh memory:// engine, each one task ``name`` doubling x."""
    memory = Configuration(server_api_url="memory://")
    name = f"mem_{uuid.uuid4().hex[:8]}"
    MetadataClient(memory).register_workflow_def(
        {
            "name": name,
            "version": 1,
            "tasks": [
                {
                    "name": name,
                    "taskReferenceName": "d",
                    "type": "SIMPLE",
                    "inputParameters": {"x": "${workflow.input.x}"},
                }
            ],
        }
    )
    workflows = WorkflowClient(memory)
    return memory, workflows, name, [workflows.start_workflow_by_name(name, {"x": n}) for n in range(count)]


def run_until_done(handler: TaskHandler, workflows: WorkflowClient, ids: List[str]) -> List[WorkerHealth]:
    """Start ``handler``, wait (30 s at most) for the workflows to end; the health at that point."""
    handler.start_processes()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and any(
        str(workflows.get_workflow(i).status) == "RUNNING" for i in ids
    ):
        time.sleep(0.02)
    return handler.health()


def test_task_handler_runs_workers_against_the_in_memory_engine() -> None:
    memory, workflows, name, ids = doubling_workflows(3)
    with TaskHandler(
        workers=[Worker(name, double)], configuration=memory, scan_for_annotated_workers=False
    ) as handler:
        run_until_done(handler, workflows, ids)
    assert [workflows.get_workflow(i).output for i in ids] == [{"result": 2 * n} for n in range(3)]


def test_a_runner_thread_that_dies_is_restarted_and_its_health_says_so(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # the first runner meets an error that escapes it (before it polls anything) and ends
    crashes: List[bool] = []
    wait_for_free_slots = TaskRunner._wait_for_free_slots

    def crash_once(runner: TaskRunner) -> int:
        if not crashes:
            crashes.append(True)
            raise RuntimeError("a bug in the runner")
        return wait_for_free_slots(runner)

    monkeypatch.setattr(TaskRunner, "_wait_for_free_slots", crash_once)
    memory, workflows, name, ids = doubling_workflows(3)
    metrics = InMemoryMetrics()
    handler = TaskHandler(
        workers=[Worker(name, double)],
        configuration=memory,
        scan_for_annotated_workers=False,
        metrics=metrics,
    )
    assert handler.health() == []
    with caplog.at_level(logging.INFO, logger="conductor_testkit.worker"), handler:
        (health,) = run_until_done(handler, workflows, ids)
    assert [workflows.get_workflow(i).output for i in ids] == [{"result": 2 * n} for n in range(3)]
    assert crashes == [True]
    assert (health.task_type, health.alive, health.restarts, health.pid) == (name, True, 1, None)
    assert health.last_error is not None
    assert "stopped on an unexpected error (RuntimeError: a bug in the runner)" in health.last_error
    assert metrics.count("worker_restarts", name) == 1
    # the death and the restart are logged, the restart after the first back-off (0.5 s)
    assert f"worker {name}: stopped on an unexpected error" in caplog.text
    assert "restarting it in 0.5s" in caplog.text
    assert f"worker {name}: runner restarted (restart 1)" in caplog.text
    (after_stop,) = handler.health()
    assert not after_stop.alive and after_stop.tasks_in_flight == 0


def test_each_task_costs_one_call_once_the_threads_have_their_first_task(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # the result's update (update-v2) hands back the next task, so a thread polls only when its
    # chain of tasks breaks: one HTTP call per task under load
    tasks, threads = 120, 4
    memory, workflows, name, ids = doubling_workflows(tasks)
    calls: List[Tuple[str, Any, Any]] = []  # (path, body sent, body answered)
    lock = threading.Lock()
    call = ApiClient.call

    def counted(self: ApiClient, method: str, path: str, **kwargs: Any) -> Any:
        response = call(self, method, path, **kwargs)
        if name in threading.current_thread().name:  # the runner, its pool, its lease thread
            with lock:
                calls.append((path, kwargs.get("json_body"), response.json()))
        return response

    monkeypatch.setattr(ApiClient, "call", counted)
    with TaskHandler(
        workers=[Worker(name, double, thread_count=threads)],
        configuration=memory,
        scan_for_annotated_workers=False,
        handle_signals=False,
    ) as handler:
        run_until_done(handler, workflows, ids)
        with lock:
            seen = list(calls)
    assert [workflows.get_workflow(i).output for i in ids] == [{"result": 2 * n} for n in range(tasks)]
    updates = [c for c in seen if c[0] == "/tasks/update-v2"]
    polls_with_tasks = [c for c in seen if c[0].startswith("/tasks/poll") and c[2]]
    others = [c[0] for c in seen if c[0] != "/tasks/update-v2" and not c[0].startswith("/tasks/poll")]
    # every result is one update-v2: no plain /tasks update, no second attempt, nothing else
    assert sorted(c[1]["workflowInstanceId"] for c in updates) == sorted(ids)
    assert others == []
    # a thread polls for work only when it has none: at the start, or once the queue is empty
    assert len(polls_with_tasks) <= threads
    handed_back = sum(1 for c in updates if c[2])
    assert handed_back + sum(len(c[2]) for c in polls_with_tasks) == tasks
    assert len(updates) + len(polls_with_tasks) <= tasks + threads
