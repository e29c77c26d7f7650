"""The task context: what a running worker function knows about the task it executes.

``get_task_context()`` works inside a worker function (sync or ``async``) while
``Worker.execute`` runs it, whichever driver called ``execute`` (the TaskHandler or the
in-memory engine). It is a ``contextvars`` variable, so concurrent tasks in threads or
coroutines each see their own.
"""

from __future__ import annotations

import time
from contextvars import ContextVar
from typing import Any, Dict, Optional

from conductor_testkit.errors import ConductorError
from conductor_testkit.models import Task, TaskExecLog, TaskResult


class TaskInProgress:
    """Return this from a worker to report IN_PROGRESS: Conductor polls the task again later.

    ``callback_after_seconds`` is how long the server waits before handing the task out again;
    ``output`` is the intermediate output recorded now.
    """

    def __init__(self, callback_after_seconds: int = 60, output: Optional[Dict[str, Any]] = None) -> None:
        if callback_after_seconds < 0:
            raise ValueError(f"callback_after_seconds must be >= 0, received {callback_after_seconds}")
        self.callback_after_seconds = int(callback_after_seconds)
        self.output: Dict[str, Any] = dict(output or {})

    def __repr__(self) -> str:
        return f"TaskInProgress(callback_after_seconds={self.callback_after_seconds}, output={self.output!r})"

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, TaskInProgress)
            and other.callback_after_seconds == self.callback_after_seconds
            and other.output == self.output
        )


class TaskContext:
    """The task being executed and the result being built for it (use ``get_task_context()``)."""

    def __init__(self, task: Task, task_result: TaskResult) -> None:
        self._task = task
        self._task_result = task_result

    @property
    def task(self) -> Task:
        return self._task

    @property
    def task_result(self) -> TaskResult:
        return self._task_result

    def get_task_id(self) -> Optional[str]:
        return self._task.task_id

    def get_workflow_instance_id(self) -> Optional[str]:
        return self._task.workflow_instance_id

    def get_retry_count(self) -> int:
        """0 for the first attempt, n for the n-th retry."""
        return self._task.retry_count or 0

    def get_poll_count(self) -> int:
        """How many times this attempt has been polled (1 on the first poll; grows with IN_PROGRESS)."""
        return self._task.poll_count or 0

    def get_task_def_name(self) -> Optional[str]:
        return self._task.task_def_name or self._task.task_type

    def get_input(self) -> Dict[str, Any]:
        return self._task.input_data

    def get_callback_after_seconds(self) -> Optional[int]:
        return self._task_result.callback_after_seconds

    def set_callback_after(self, seconds: int) -> None:
        """Ask the server to hand the task out again after ``seconds`` (with an IN_PROGRESS result)."""
        if seconds < 0:
            raise ValueError(f"set_callback_after: seconds must be >= 0, received {seconds}")
        self._task_result.callback_after_seconds = int(seconds)

    def add_log(self, log_message: str) -> None:
        """Append a line to the task's execution logs (visible in the UI and ``GET /tasks/{id}/log``)."""
        if self._task_result.logs is None:
            self._task_result.logs = []
        self._task_result.logs.append(
            TaskExecLog(
                log=str(log_message), task_id=self._task.task_id, created_time=int(time.time() * 1000)
            )
        )

    def set_output(self, output_data: Dict[str, Any]) -> None:
        """Set intermediate output; a value the worker returns replaces it."""
        if not isinstance(output_data, dict):
            raise TypeError(f"set_output expects a dict, received {type(output_data).__name__}")
        self._task_result.output_data = dict(output_data)

    def __repr__(self) -> str:
        return (
            f"TaskContext(task_id={self.get_task_id()!r}, workflow_instance_id="
            f"{self.get_workflow_instance_id()!r}, retry_count={self.get_retry_count()}, "
            f"poll_count={self.get_poll_count()})"
        )


_current: ContextVar[Optional[TaskContext]] = ContextVar("conductor_testkit_task_context", default=None)


def get_task_context() -> TaskContext:
    """The context of the task the calling worker function is executing.

    Raises :class:`ConductorError` outside a worker execution (e.g. when the function is
    called as plain Python in a unit test).
    """
    context = _current.get()
    if context is None:
        raise ConductorError(
            "get_task_context() called outside a task execution; it works only inside a worker "
            "function run by Worker.execute (TaskHandler or the in-memory engine)"
        )
    return context


def current_task_context() -> Optional[TaskContext]:
    """The current task context, or None outside a task execution."""
    return _current.get()


__all__ = ["TaskContext", "TaskInProgress", "current_task_context", "get_task_context"]
