"""Run the reminder workflow on the engine: six virtual hours, milliseconds of real time."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Dict

from conductor_testkit.engine.clock import VirtualClock
from conductor_testkit.engine.engine import Engine
from examples.long_wait.workers import WORKERS
from examples.long_wait.workflow import reminder_workflow

SIGNED_UP_AT = datetime(2024, 3, 1, 9, 0, tzinfo=timezone.utc)


def run() -> Dict[str, Any]:
    """The finished workflow (wire JSON), started at :data:`SIGNED_UP_AT` on the virtual clock."""
    engine = Engine(clock=VirtualClock(SIGNED_UP_AT), workers=WORKERS)
    engine.register_workflow_def(reminder_workflow().to_workflow_def())
    return engine.execute({"name": "signup_reminder", "version": 1, "input": {"email": "ann@example.com"}})


if __name__ == "__main__":
    from examples.__main__ import describe

    print(describe("long_wait", run()))
