"""WAIT handler (docs/semantics.md §4.12) on a settable clock."""

from __future__ import annotations

import pytest
from test_system_tasks_support import NOW_MS, RecordingEnv, new_task

from conductor_testkit.engine.system_tasks import WAIT_TIMEOUT_KEY, WaitHandler, run_async_task


def prepared(input_data: dict, env: RecordingEnv = None) -> dict:  # type: ignore[assignment]
    env = env or RecordingEnv()
    task, wt = new_task("WAIT", input_data, env=env)
    WaitHandler().prepare(task, wt, env)
    return task


def test_duration_sets_deadline_and_callback_seconds() -> None:
    task = prepared({"duration": "2 hours 30 minutes", "x": 1})
    assert task["status"] == "IN_PROGRESS"
    assert task["startTime"] == NOW_MS
    assert task["callbackAfterSeconds"] == 9000
    assert task[WAIT_TIMEOUT_KEY] == NOW_MS + 9_000_000
    assert task["inputData"] == {"duration": "2 hours 30 minutes", "x": 1}
    assert task["outputData"] == {}


def test_duration_wait_is_due_one_millisecond_after_the_deadline() -> None:
    env = RecordingEnv()
    task = prepared({"duration": "10m20s"}, env)
    assert WaitHandler().next_due_ms(task, env) == NOW_MS + 620_000 + 1


def test_wait_does_not_complete_at_the_deadline_itself() -> None:
    env = RecordingEnv()
    task = prepared({"duration": "1s"}, env)
    env.clock_ms = NOW_MS + 1000
    assert WaitHandler().execute(task, env) is False
    assert task["status"] == "IN_PROGRESS"


def test_wait_completes_strictly_after_the_deadline_with_empty_output() -> None:
    env = RecordingEnv()
    task = prepared({"duration": "1s"}, env)
    env.clock_ms = NOW_MS + 1001
    assert WaitHandler().execute(task, env) is True
    assert task["status"] == "COMPLETED"
    assert task["outputData"] == {}


def test_async_evaluation_before_the_deadline_postpones_by_the_seconds_left() -> None:
    env = RecordingEnv()
    task = prepared({"duration": "1 minute"}, env)
    env.clock_ms = NOW_MS + 15_500
    assert run_async_task(WaitHandler(), task, env) is False
    assert task["callbackAfterSeconds"] == 44
    assert task["pollCount"] == 1


def test_until_in_the_future_counts_whole_seconds() -> None:
    env = RecordingEnv()
    task = prepared({"until": "2026-01-01 00:10"}, env)
    assert task["callbackAfterSeconds"] == 600
    assert task[WAIT_TIMEOUT_KEY] == NOW_MS + 600_000


def test_until_with_a_zone_uses_it() -> None:
    task = prepared({"until": "2026-01-01 04:10 GMT+04:00"})
    assert task[WAIT_TIMEOUT_KEY] == NOW_MS + 600_000


def test_until_in_the_past_completes_at_the_first_check() -> None:
    env = RecordingEnv()
    task = prepared({"until": "2020-01-01"}, env)
    assert task["callbackAfterSeconds"] == 0
    assert WaitHandler().execute(task, env) is True
    assert task["status"] == "COMPLETED"


def test_both_duration_and_until_fail_terminally_at_creation() -> None:
    task = prepared({"duration": "1h", "until": "2020-01-01"})
    assert task["status"] == "FAILED_WITH_TERMINAL_ERROR"
    assert (
        task["reasonForIncompletion"]
        == "Both 'duration' and 'until' specified. Please provide only one input"
    )


def test_unparsable_until_fails_terminally_with_the_server_text() -> None:
    task = prepared({"until": "garbage"})
    assert task["status"] == "FAILED_WITH_TERMINAL_ERROR"
    assert task["reasonForIncompletion"] == "Invalid/Unsupported Wait Until format.  Provided: garbage"


@pytest.mark.parametrize("duration", ["5", 5, "1h1d", "10 fortnights"])
def test_invalid_duration_raises_out_of_the_mapping(duration: object) -> None:
    with pytest.raises(ValueError, match=f"^Not valid duration: {duration}$"):
        prepared({"duration": duration})


def test_neither_input_waits_for_a_signal() -> None:
    env = RecordingEnv()
    task = prepared({}, env)
    assert task["status"] == "IN_PROGRESS"
    assert task["callbackAfterSeconds"] == 2147483647
    assert WaitHandler().next_due_ms(task, env) is None
    env.clock_ms += 10**12
    assert WaitHandler().execute(task, env) is False


def test_blank_duration_counts_as_absent() -> None:
    task = prepared({"duration": "  ", "until": "2020-01-01"})
    assert task["status"] == "IN_PROGRESS"
    assert task[WAIT_TIMEOUT_KEY] > 0


def test_finished_wait_is_never_due() -> None:
    env = RecordingEnv()
    task = prepared({"duration": "1s"}, env)
    task["status"] = "COMPLETED"
    assert WaitHandler().next_due_ms(task, env) is None


def test_async_evaluation_of_a_signal_wait_uses_the_default_callback() -> None:
    env = RecordingEnv()
    task = prepared({}, env)
    assert run_async_task(WaitHandler(), task, env) is False
    assert task["callbackAfterSeconds"] == 30
    assert task["status"] == "IN_PROGRESS"
