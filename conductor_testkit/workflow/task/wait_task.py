"""WAIT: block for a duration, until a date, or until completed from outside (a signal)."""

from __future__ import annotations

from datetime import timedelta
from typing import Optional, Union

from typing_extensions import Unpack

from conductor_testkit.errors import DefinitionError
from conductor_testkit.models import TaskType
from conductor_testkit.workflow.task.task import TaskInterface, TaskOptions


def _duration(task_ref_name: str, seconds: Union[int, timedelta]) -> str:
    if isinstance(seconds, timedelta):
        total = seconds.total_seconds()
        if total != int(total):
            raise DefinitionError(
                f"WaitTask {task_ref_name!r}: wait_for_seconds must be whole seconds, received {seconds!r}"
            )
        seconds = int(total)
    if not isinstance(seconds, int) or isinstance(seconds, bool) or seconds < 0:
        raise DefinitionError(
            f"WaitTask {task_ref_name!r}: wait_for_seconds must be a non-negative int or a "
            f"timedelta, received {seconds!r}"
        )
    return f"{seconds}s"


class WaitTask(TaskInterface, wire_type="WAIT"):
    """A WAIT task; give at most one of ``wait_until`` and ``wait_for_seconds``.

    Args:
        task_ref_name: reference of the task.
        wait_until: a date/time (``'2024-01-31 00:00 UTC'``, ``'2024-01-31'``), input ``until``.
        wait_for_seconds: seconds (or a timedelta) to wait, input ``duration`` (``'2s'``).
    Neither: the task waits until it is completed through the API (a signal).
    """

    def __init__(
        self,
        task_ref_name: str,
        wait_until: Optional[str] = None,
        wait_for_seconds: Optional[Union[int, timedelta]] = None,
        **options: Unpack[TaskOptions],
    ) -> None:
        super().__init__(task_reference_name=task_ref_name, task_type=TaskType.WAIT, **options)
        if wait_until is not None and wait_for_seconds is not None:
            raise DefinitionError(
                f"WaitTask {task_ref_name!r}: give wait_until or wait_for_seconds, not both "
                f"(received wait_until={wait_until!r}, wait_for_seconds={wait_for_seconds!r})"
            )
        if wait_until is not None:
            self.input_parameters["until"] = wait_until
        if wait_for_seconds is not None:
            self.input_parameters["duration"] = _duration(task_ref_name, wait_for_seconds)


class WaitForDurationTask(WaitTask):
    """A WAIT of ``duration_time_seconds``."""

    def __init__(
        self,
        task_ref_name: str,
        duration_time_seconds: Union[int, timedelta],
        **options: Unpack[TaskOptions],
    ) -> None:
        super().__init__(task_ref_name, wait_for_seconds=duration_time_seconds, **options)


class WaitUntilTask(WaitTask):
    """A WAIT until ``date_time``."""

    def __init__(self, task_ref_name: str, date_time: str, **options: Unpack[TaskOptions]) -> None:
        super().__init__(task_ref_name, wait_until=date_time, **options)
