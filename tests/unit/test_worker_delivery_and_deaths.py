"""Supervision and delivery, without a server: which results are undeliverable, how a death is
described, and the table of tasks in flight a worker process shares with its TaskHandler.

(A runner thread restarted on memory:// is in test_worker_task_handler.py.)"""

from __future__ import annotations

import multiprocessing
import os
import signal
from typing import Any

import pytest

from conductor_testkit.errors import ConductorConnectionError, ModelValidationError, api_error_for
from conductor_testkit.models import TaskResult
from conductor_testkit.worker.delivery import failed_result, refusal
from conductor_testkit.worker.health import InFlightTable
from conductor_testkit.worker.supervisor import RUNNER_CRASHED_EXIT_CODE, describe_exit


def answer(status: int, message: str, retryable: bool = False) -> Any:
    body = {"status": status, "message": message, "retryable": retryable}
    return api_error_for(status, "POST", "/tasks/update-v2", message, body)


JSON_TOO_LONG = (
    "JSON parse error: String value length (20000001) exceeds the maximum allowed (20000000, from "
    "`StreamReadConstraints.getMaxStringLength()`)"
)


REFUSED = "the server refused the result"
NOT_JSON = "POST /tasks: the request body cannot be sent as JSON"


@pytest.mark.parametrize(
    ("error", "failures", "expected"),
    [
        (ConductorConnectionError("unreachable"), 1, None),
        (answer(503, "busy"), 1, None),
        (answer(500, "database is locked", retryable=True), 5, None),
        (answer(500, "something failed"), 2, None),
        (answer(500, "something failed"), 3, f"refused: {REFUSED} (HTTP 500): something failed (3 times)"),
        (answer(500, JSON_TOO_LONG), 1, f"size limit: {REFUSED} (HTTP 500): {JSON_TOO_LONG}"),
        (answer(500, "JSON parse error: NaN"), 1, f"refused: {REFUSED} (HTTP 500): JSON parse error: NaN"),
        (
            answer(400, "taskId: must not be null"),
            1,
            f"refused: {REFUSED} (HTTP 400): taskId: must not be null",
        ),
        (answer(413, "Payload Too Large"), 1, f"size limit: {REFUSED} (HTTP 413): Payload Too Large"),
        (answer(429, "slow down"), 1, None),
        (
            ModelValidationError(NOT_JSON),
            1,
            f"serialisation error: the result cannot be sent as JSON: ModelValidationError: {NOT_JSON}",
        ),
    ],
)
def test_which_answers_make_a_result_undeliverable(error: Exception, failures: int, expected: Any) -> None:
    found = refusal(error, failures)
    assert (found.reason if found else None) == expected
    assert found is None or found.report_failure


def test_an_unknown_task_is_not_reported_failed() -> None:
    found = refusal(answer(404, "No such workflow found by id: w"), 1)
    assert found is not None and not found.report_failure


def test_the_failed_result_keeps_the_task_and_drops_the_output() -> None:
    original = TaskResult(task_id="t", workflow_instance_id="w", worker_id="me", status="COMPLETED")
    original.output_data = {"blob": "x" * 10}
    failed = failed_result(original, "size limit: " + "y" * 5000)
    assert (failed.task_id, failed.workflow_instance_id, failed.worker_id) == ("t", "w", "me")
    assert (str(failed.status), failed.output_data) == ("FAILED", {})
    reason = failed.reason_for_incompletion or ""
    assert reason.startswith("the worker's result (COMPLETED) was not delivered: size limit: yyy")
    assert len(reason) == 2000 and reason.endswith("...")


@pytest.mark.parametrize(
    ("exit_code", "described"),
    [
        (-signal.SIGKILL, "was killed by SIGKILL"),
        (-signal.SIGSEGV, "was killed by SIGSEGV"),
        (3, "exited with code 3"),
        (RUNNER_CRASHED_EXIT_CODE, "ended: its runner stopped on an unexpected error (see the log)"),
    ],
)
def test_how_a_worker_process_ended_is_said_plainly(exit_code: int, described: str) -> None:
    assert describe_exit(exit_code) == described


def _hold_two_then_die(table: InFlightTable) -> None:
    table.put(0, "task-a", "workflow-a")
    table.put(2, "task-c", "workflow-c")
    table.put(1, "task-b", "workflow-b")
    table.clear(1)  # finished
    os._exit(9)


def test_the_tasks_a_dead_process_held_are_read_from_the_shared_table() -> None:
    context = multiprocessing.get_context("fork")
    table = InFlightTable(context, 3)
    table.put(1, "x" * 129, "w")  # longer than any server's ids: not tracked
    process = context.Process(target=_hold_two_then_die, args=(table,))
    process.start()
    process.join(30)
    assert process.exitcode == 9
    assert table.entries() == {"task-a": "workflow-a", "task-c": "workflow-c"}
    table.reset()
    assert table.entries() == {}
