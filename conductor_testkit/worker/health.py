"""The health of a TaskHandler's workers, and how a runner tells its supervisor what it does.

:class:`WorkerHealth` is what :meth:`TaskHandler.health` returns, one per worker. A runner reports
to a :class:`RunnerListener` which tasks it holds (so the tasks of a worker process that dies can
be reported FAILED instead of waiting for the server's response timeout) and its last error.

In a worker process the listener is a :class:`ProcessListener`: the tasks go to an
:class:`InFlightTable` in memory shared with the TaskHandler's process (a memory write per task,
no system call, nothing for the TaskHandler to wake up for), the rare errors over a pipe.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any, Dict, Optional

from conductor_testkit.models import Task


@dataclass(frozen=True)
class WorkerHealth:
    """The state of one worker of a TaskHandler.

    Attributes:
        task_type: the task definition name the worker polls.
        domain: the task domain it polls (None: no domain).
        alive: whether its runner (process or thread) is running now; False between a crash and
            its restart, and after a stop.
        restarts: how many times its runner died and was started again.
        last_error: the last problem seen (a failed poll or update, an undeliverable result, the
            death of its process), with the time it was seen; None when there was none.
        tasks_in_flight: tasks polled and not yet reported.
        pid: the worker process (None with ``use_threads=True``).
    """

    task_type: str
    domain: Optional[str]
    alive: bool
    restarts: int
    last_error: Optional[str]
    tasks_in_flight: int
    pid: Optional[int] = None


class RunnerListener:
    """What a runner reports about itself. Every method is a no-op here (a runner in a thread
    is read directly).

    ``slot`` numbers the runner's places for tasks in flight (0 to ``thread_count - 1``): a
    task handed back with a result takes the place of the task it follows.
    """

    def task_started(self, slot: int, task: Task) -> None:
        """The runner took ``task`` (from a poll, or handed back with a result)."""

    def task_finished(self, slot: int) -> None:
        """The task in ``slot`` is done: its result was delivered, or given up saying why."""

    def error(self, message: str) -> None:
        """Something went wrong (already logged); ``message`` says what."""


_ID_BYTES = 128  # room for a task id, then as much for its workflow id
_ENTRY_BYTES = 2 * _ID_BYTES


class InFlightTable:
    """The tasks a worker process holds, one entry per slot, in memory shared with the
    TaskHandler's process (created there before the worker process starts)."""

    def __init__(self, context: Any, slots: int) -> None:
        self.slots = slots
        self._array = context.RawArray("c", slots * _ENTRY_BYTES)
        self._view: Optional[memoryview] = None

    def __getstate__(self) -> Dict[str, Any]:  # a spawned process gets the array, not the view
        return {"slots": self.slots, "_array": self._array, "_view": None}

    def _memory(self) -> memoryview:
        if self._view is None:
            self._view = memoryview(self._array).cast("B")
        return self._view

    def put(self, slot: int, task_id: str, workflow_id: str) -> None:
        if not 0 <= slot < self.slots:
            return
        task, workflow = task_id.encode(), workflow_id.encode()
        if len(task) > _ID_BYTES or len(workflow) > _ID_BYTES:
            return  # not an id of any known server; the response timeout covers such a task
        start = slot * _ENTRY_BYTES
        self._memory()[start : start + _ENTRY_BYTES] = task.ljust(_ID_BYTES, b"\0") + workflow.ljust(
            _ID_BYTES, b"\0"
        )

    def clear(self, slot: int) -> None:
        if 0 <= slot < self.slots:
            start = slot * _ENTRY_BYTES
            self._memory()[start : start + _ID_BYTES] = bytes(_ID_BYTES)

    def entries(self) -> Dict[str, str]:
        """{task id: workflow id} of the tasks held now."""
        memory = self._memory()
        held: Dict[str, str] = {}
        for slot in range(self.slots):
            start = slot * _ENTRY_BYTES
            task = bytes(memory[start : start + _ID_BYTES]).rstrip(b"\0")
            if task:
                workflow = bytes(memory[start + _ID_BYTES : start + _ENTRY_BYTES]).rstrip(b"\0")
                held[task.decode(errors="replace")] = workflow.decode(errors="replace")
        return held

    def reset(self) -> None:
        memory = self._memory()
        memory[:] = bytes(len(memory))


class ProcessListener(RunnerListener):
    """A worker process's listener: tasks into the shared table, errors over the pipe."""

    def __init__(self, table: InFlightTable, connection: Any) -> None:
        self._table = table
        self._connection = connection
        self._lock = threading.Lock()  # a Connection is not safe for concurrent sends

    def task_started(self, slot: int, task: Task) -> None:
        self._table.put(slot, task.task_id or "", task.workflow_instance_id or "")

    def task_finished(self, slot: int) -> None:
        self._table.clear(slot)

    def error(self, message: str) -> None:
        try:
            with self._lock:
                self._connection.send(message)
        except (OSError, ValueError):  # the TaskHandler is gone: nobody to tell
            pass


__all__ = ["InFlightTable", "ProcessListener", "RunnerListener", "WorkerHealth"]
