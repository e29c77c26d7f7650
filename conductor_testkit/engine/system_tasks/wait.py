"""WAIT (docs/semantics.md §4.12): wait for a ``duration``, ``until`` a time, or a signal.

The mapper part computes the deadline (kept in the engine-private task field
``_waitTimeout``) and ``callbackAfterSeconds``; the task completes at the first evaluation
strictly after the deadline. Without ``duration`` and ``until`` it waits for an external update
(the engine's update path). An invalid ``duration`` raises ``ValueError("Not valid duration:
...")`` out of :meth:`WaitHandler.prepare`, which the engine lets escape the decide, as the
server does (the API call answers HTTP 400).
"""

from __future__ import annotations

from datetime import timezone, tzinfo
from typing import Any, Dict, Optional

from conductor_testkit.engine.durations import parse_duration_seconds, parse_until_millis
from conductor_testkit.engine.javastr import java_string
from conductor_testkit.engine.system_tasks.base import (
    COMPLETED,
    FAILED_WITH_TERMINAL_ERROR,
    IN_PROGRESS,
    WAIT_TIMEOUT_KEY,
    SystemTaskEnv,
    SystemTaskHandler,
    TaskDict,
)

DURATION = "duration"
UNTIL = "until"
BOTH_GIVEN = "Both 'duration' and 'until' specified. Please provide only one input"
FOREVER_SECONDS = 2**31 - 1  # Integer.MAX_VALUE: "wait for a signal"


def _text(value: Any) -> str:
    """``Optional.ofNullable(value).orElse("").toString()``."""
    return "" if value is None else java_string(value)


class WaitHandler(SystemTaskHandler):
    """The server's WaitTaskMapper + Wait (asynchronous, created IN_PROGRESS).

    ``time_zone`` stands in for the server JVM's default zone, used by an ``until`` without a
    zone (the pinned server runs in UTC).
    """

    task_type = "WAIT"
    is_async = True
    uses_input_template = False

    def __init__(self, time_zone: tzinfo = timezone.utc) -> None:
        self.time_zone = time_zone

    def prepare(self, task: TaskDict, workflow_task: Dict[str, Any], env: SystemTaskEnv) -> None:
        """IN_PROGRESS from now, with the deadline and ``callbackAfterSeconds`` (or
        FAILED_WITH_TERMINAL_ERROR for both inputs / an unparsable ``until``)."""
        now = env.now_ms()
        task["startTime"] = now
        task["status"] = IN_PROGRESS
        task.setdefault(WAIT_TIMEOUT_KEY, 0)
        input_data = task.get("inputData") or {}
        duration = _text(input_data.get(DURATION))
        until = _text(input_data.get(UNTIL))
        if duration.strip() and until.strip():
            self._fail(task, BOTH_GIVEN)
        elif duration.strip():
            seconds = parse_duration_seconds(duration)  # ValueError escapes the decide
            task[WAIT_TIMEOUT_KEY] = now + seconds * 1000
            task["callbackAfterSeconds"] = seconds
        elif until.strip():
            try:
                deadline = parse_until_millis(until, self.time_zone)
            except ValueError:
                self._fail(task, f"Invalid/Unsupported Wait Until format.  Provided: {until}")
                return
            remaining = deadline - now
            # Java's long division truncates toward zero; negative becomes 0.
            task["callbackAfterSeconds"] = remaining // 1000 if remaining > 0 else 0
            task[WAIT_TIMEOUT_KEY] = deadline
        else:
            task["callbackAfterSeconds"] = FOREVER_SECONDS

    def start(self, task: TaskDict, env: SystemTaskEnv) -> None:
        """IN_PROGRESS (the task is never SCHEDULED, so the server does not call it)."""
        task["status"] = IN_PROGRESS

    def execute(self, task: TaskDict, env: SystemTaskEnv) -> bool:
        """COMPLETED once the clock is strictly past the deadline; a signal wait never ends."""
        deadline = int(task.get(WAIT_TIMEOUT_KEY) or 0)
        if deadline == 0:
            return False
        if env.now_ms() > deadline:
            task["status"] = COMPLETED
            return True
        return False

    def cancel(self, task: TaskDict, env: SystemTaskEnv) -> None:
        """CANCELED, as the server's cancel does."""
        task["status"] = "CANCELED"

    def next_due_ms(self, task: TaskDict, env: SystemTaskEnv) -> Optional[int]:
        """One millisecond after the deadline; None for a signal wait or a finished task."""
        deadline = int(task.get(WAIT_TIMEOUT_KEY) or 0)
        if task.get("status") != IN_PROGRESS or deadline == 0:
            return None
        return deadline + 1

    def evaluation_offset_s(self, task: TaskDict, env: SystemTaskEnv) -> Optional[int]:
        """Whole seconds left (at least 1) with a deadline, else the default."""
        deadline = int(task.get(WAIT_TIMEOUT_KEY) or 0)
        if deadline <= 0:
            return None
        remaining = deadline - env.now_ms()
        seconds = remaining // 1000  # Duration.getSeconds floors
        return 1 if seconds == 0 else seconds

    @staticmethod
    def _fail(task: TaskDict, reason: str) -> None:
        task["reasonForIncompletion"] = reason
        task["status"] = FAILED_WITH_TERMINAL_ERROR
