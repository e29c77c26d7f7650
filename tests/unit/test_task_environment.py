"""Single-task tests: one worker, one task, a fake task context on a virtual clock."""

from __future__ import annotations

import time
from datetime import datetime, timezone
from typing import Any, Dict

import pytest

from conductor_testkit.errors import DefinitionError
from conductor_testkit.models import Task
from conductor_testkit.testing import TaskEnvironment
from conductor_testkit.worker import worker_task
from conductor_testkit.worker.context import TaskInProgress, get_task_context
from conductor_testkit.worker.exceptions import NonRetryableException

NEW_YEAR = datetime(2030, 1, 1, tzinfo=timezone.utc)


@worker_task(task_definition_name="charge_card")
def charge_card(amount: int) -> Dict[str, Any]:
    get_task_context().add_log(f"charging {amount}")
    if amount <= 0:
        raise NonRetryableException(f"cannot charge {amount}")
    return {"charged": amount, "at": datetime.now(timezone.utc).isoformat(), "epoch": time.time()}


def test_a_worker_s_output_logs_and_virtual_time() -> None:
    run = TaskEnvironment(now=NEW_YEAR).run(charge_card, {"amount": 30})
    assert (run.status, run.reason) == ("COMPLETED", None)
    assert run.output == {"charged": 30, "at": "2030-01-01T00:00:00+00:00", "epoch": NEW_YEAR.timestamp()}
    assert run.logs == ["charging 30"]


def test_an_exception_becomes_the_result_it_becomes_on_a_server() -> None:
    run = TaskEnvironment().run(charge_card, {"amount": 0})
    assert (run.status, run.reason) == ("FAILED_WITH_TERMINAL_ERROR", "cannot charge 0")


def test_task_fields_reach_the_worker() -> None:
    seen = []

    def attempt_number(task: Task) -> Dict[str, Any]:
        seen.append((task.retry_count, task.poll_count, task.workflow_instance_id))
        return TaskInProgress(callback_after_seconds=30)  # type: ignore[return-value]

    env = TaskEnvironment(task_defaults={"workflow_instance_id": "wf-9"})
    run = env.run(attempt_number, retry_count=2, poll_count=4)
    assert seen == [(2, 4, "wf-9")]
    assert (run.status, run.callback_after_seconds) == ("IN_PROGRESS", 30)


def test_the_clock_moves_between_runs_as_the_test_says() -> None:
    def now() -> Dict[str, Any]:
        return {"at": datetime.now(timezone.utc).isoformat()}

    env = TaskEnvironment(now=NEW_YEAR)
    first = env.run(now)
    env.clock.advance(3600)
    assert (first.output["at"], env.run(now).output["at"]) == (
        "2030-01-01T00:00:00+00:00",
        "2030-01-01T01:00:00+00:00",
    )


def test_an_assertion_in_the_worker_fails_the_test_where_it_was_raised() -> None:
    def strict_worker(amount: int) -> Dict[str, Any]:
        assert amount < 100, "too much"
        return {}

    with pytest.raises(AssertionError, match="too much"):
        TaskEnvironment().run(strict_worker, {"amount": 500})


def test_something_that_is_not_a_worker_is_refused() -> None:
    with pytest.raises(DefinitionError, match=r"TaskEnvironment.run: expected a @worker_task function"):
        TaskEnvironment().run(42)
