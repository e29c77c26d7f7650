"""Six hours of WAIT on the virtual clock; the worker's datetime.now() sees them."""

from __future__ import annotations

from datetime import datetime, timedelta

from examples.long_wait.main import SIGNED_UP_AT, run
from examples.long_wait.workflow import DELAY

# The server ends a WAIT on the first check after its deadline, so the engine ends it 1 ms later.
_TOLERANCE = timedelta(seconds=1)


def test_reminder_is_sent_six_virtual_hours_after_sign_up() -> None:
    workflow = run()
    sent_at = datetime.fromisoformat(workflow["output"]["sentAt"])
    assert workflow["status"] == "COMPLETED"
    assert SIGNED_UP_AT + DELAY <= sent_at < SIGNED_UP_AT + DELAY + _TOLERANCE


def test_wait_task_spans_six_hours_of_virtual_time() -> None:
    wait = next(t for t in run()["tasks"] if t["referenceTaskName"] == "six_hours")
    elapsed = timedelta(milliseconds=wait["endTime"] - wait["startTime"])
    assert DELAY <= elapsed < DELAY + _TOLERANCE


def test_reminder_goes_to_the_signed_up_address() -> None:
    assert run()["output"]["to"] == "ann@example.com"
