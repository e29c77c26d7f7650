"""Workers never lose a result silently, on the real server.

- A worker process that dies mid-run (SIGKILL from outside, ``os._exit`` in worker code) is
  restarted; the tasks it held are reported FAILED with the reason, retried by the server, and
  every workflow completes.
- A result that cannot be serialised, or that the server refuses (a 20 MB string), ends the task
  FAILED with the reason instead of being retried for the whole retry window and dropped.
"""

from __future__ import annotations

import logging
import os
import signal
import time
from pathlib import Path
from typing import Any, Callable, Dict, List, Tuple

import pytest
from worker_support import register_one_task_workflow, unique, wait_until

from conductor_testkit.client import Configuration, WorkflowClient
from conductor_testkit.models import Task, TaskDef, TaskResult, Workflow
from conductor_testkit.worker import InMemoryMetrics, TaskHandler, Worker, get_task_context

pytestmark = pytest.mark.integration

TERMINAL = ("COMPLETED", "FAILED", "TERMINATED", "TIMED_OUT")


def register(url: str, name: str, retry_count: int, response_timeout_seconds: int = 600) -> None:
    """A one-task workflow ``name`` over the task ``name``."""
    task_def = TaskDef(
        name=name,
        retry_count=retry_count,
        retry_logic="FIXED",
        retry_delay_seconds=0,
        response_timeout_seconds=response_timeout_seconds,
        timeout_seconds=0,
        owner_email="test@example.com",
    )
    register_one_task_workflow(url, name, name, task_def)


def wait_all_terminal(
    client: WorkflowClient, ids: List[str], deadline_seconds: float = 180
) -> List[Workflow]:
    pending = set(ids)
    done: Dict[str, Workflow] = {}

    def all_ended() -> bool:
        for workflow_id in sorted(pending):
            workflow = client.get_workflow(workflow_id, include_tasks=True)
            if str(workflow.status) in TERMINAL:
                done[workflow_id] = workflow
                pending.discard(workflow_id)
        return not pending

    try:
        wait_until(all_ended, f"{len(ids)} workflows to end", deadline_seconds)
    except AssertionError as exc:
        raise AssertionError(f"{exc}; still running: {sorted(pending)}") from None
    return [done[workflow_id] for workflow_id in ids]


# -- a worker process dies mid-run --------------------------------------------------------------


def crash_once(marker: Path, how: str) -> Callable[[int], Dict[str, int]]:
    """Doubles ``value``; the first attempt of value 30 takes its process down (``how``)."""

    def work(value: int) -> Dict[str, int]:
        if value == 30 and get_task_context().get_retry_count() == 0:
            marker.write_text(str(os.getpid()))
            if how == "os._exit":
                os._exit(3)
            time.sleep(600)  # held until the test kills the process
        time.sleep(0.01)
        return {"doubled": value * 2}

    return work


@pytest.mark.parametrize(
    ("how", "reason"),
    [("SIGKILL", "was killed by SIGKILL"), ("os._exit", "exited with code 3")],
)
def test_a_worker_process_that_dies_mid_run_is_restarted_and_every_workflow_completes(
    conductor_server_url: str, tmp_path: Path, how: str, reason: str
) -> None:
    name = unique("crash")
    # A task the server handed out in a reply the dead process never read (an update-v2 or a
    # poll in transit: at most one per thread) is known to nobody but the server, which gives
    # it back after responseTimeoutSeconds; the tasks the process held are reported at once.
    register(conductor_server_url, name, retry_count=2, response_timeout_seconds=10)
    client = WorkflowClient(Configuration(server_api_url=conductor_server_url))
    ids = [client.start_workflow_by_name(name, {"value": n}, version=1) for n in range(60)]
    marker = tmp_path / "dying"
    metrics = InMemoryMetrics()
    handler = TaskHandler(
        workers=[Worker(name, crash_once(marker, how), thread_count=4)],
        configuration=Configuration(server_api_url=conductor_server_url),
        scan_for_annotated_workers=False,
        metrics=metrics,
        handle_signals=False,
    )
    with handler:
        handler.start_processes()
        wait_until(marker.exists, "value 30 to be taken")
        first_pid = int(marker.read_text())
        assert handler.health()[0].pid == first_pid
        if how == "SIGKILL":
            os.kill(first_pid, signal.SIGKILL)
        health = wait_until(
            lambda: next((h for h in handler.health() if h.restarts == 1 and h.alive), None),
            "the worker process to be restarted",
        )
        workflows = wait_all_terminal(client, ids)
    assert [str(w.status) for w in workflows] == ["COMPLETED"] * 60
    assert [w.output for w in workflows] == [{"doubled": 2 * n} for n in range(60)]
    assert health.pid != first_pid and health.last_error is not None and reason in health.last_error
    assert metrics.count("worker_restarts", name) == 1
    # the task the dead process held was reported FAILED with the reason, then retried
    attempts = workflows[30].tasks
    assert [str(t.status) for t in attempts] == ["FAILED", "COMPLETED"]
    assert reason in (attempts[0].reason_for_incompletion or "")
    assert "while running this task" in (attempts[0].reason_for_incompletion or "")


# -- results that cannot be delivered -----------------------------------------------------------


class Unserialisable:
    """An object pydantic cannot dump to JSON."""


def run_one(
    url: str, function: Callable[..., Any], caplog: pytest.LogCaptureFixture
) -> Tuple[Task, Any, Any]:
    """Run one workflow of one task with ``function`` as its worker (in a thread, so caplog sees
    the runner's log): (the task as it ended, the metrics, the worker's health)."""
    name = unique("undeliverable")
    register(url, name, retry_count=0)
    configuration = Configuration(server_api_url=url)
    client = WorkflowClient(configuration)
    workflow_id = client.start_workflow_by_name(name, {"value": 1}, version=1)
    metrics = InMemoryMetrics()
    with caplog.at_level(logging.INFO, logger="conductor_testkit"):
        with TaskHandler(
            workers=[Worker(name, function, thread_count=2)],
            configuration=configuration,
            scan_for_annotated_workers=False,
            use_threads=True,
            metrics=metrics,
            handle_signals=False,
        ) as handler:
            handler.start_processes()
            (workflow,) = wait_all_terminal(client, [workflow_id], deadline_seconds=90)
            health = handler.health()[0]
    # the runner did not go on to run anything it should not (it once ran its own marker)
    assert "unexpected error" not in caplog.text and "AttributeError" not in caplog.text
    (task,) = workflow.tasks
    return task, metrics.snapshot().get(name, {}), health


def unserialisable_output(value: int) -> TaskResult:
    return TaskResult(status="COMPLETED", output_data={"value": value, "handle": Unserialisable()})


def twenty_megabyte_output(value: int) -> Dict[str, str]:
    return {"blob": "x" * 20_000_001}  # Jackson's longest string is 20,000,000 characters


@pytest.mark.parametrize(
    ("function", "kind", "detail"),
    [
        (unserialisable_output, "serialisation error", "Unable to serialize unknown type: <class"),
        (
            twenty_megabyte_output,
            "size limit",
            "String value length (20000001) exceeds the maximum allowed (20000000",
        ),
    ],
    ids=["unserialisable", "20 MB string"],
)
def test_a_result_that_cannot_be_delivered_ends_failed_with_the_reason(
    conductor_server_url: str,
    caplog: pytest.LogCaptureFixture,
    function: Callable[..., Any],
    kind: str,
    detail: str,
) -> None:
    task, counts, health = run_one(conductor_server_url, function, caplog)
    assert (str(task.status), task.output_data) == ("FAILED", {})
    reason = task.reason_for_incompletion or ""
    assert reason.startswith(f"the worker's result (COMPLETED) was not delivered: {kind}: ")
    assert detail in reason
    # refused at once: not retried for the whole retry window
    assert (counts.get("update_failures"), counts.get("update_retries", 0)) == (1, 0)
    assert health.alive and health.last_error and "not delivered" in health.last_error


def over_ten_mebibytes(value: int) -> Dict[str, Any]:
    return {"blob": ["x" * (1 << 20)] * 11}  # 11 MiB in strings Jackson accepts


def test_an_output_over_ten_mebibytes_is_failed_by_the_server_itself(
    conductor_server_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    # the server takes this result and fails the task itself: delivered, not lost
    task, counts, _ = run_one(conductor_server_url, over_ten_mebibytes, caplog)
    assert str(task.status) == "FAILED_WITH_TERMINAL_ERROR"
    assert "is greater than the permissible limit: 10485760 bytes" in (task.reason_for_incompletion or "")
    assert counts.get("update_failures", 0) == 0
