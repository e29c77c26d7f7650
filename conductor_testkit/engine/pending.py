"""The pending tasks of a run, and which of them a decide pass has to look at.

The server's decide walks every pending task on every pass. A quiet worker task (SCHEDULED or
IN_PROGRESS, waiting for its worker) does nothing in that walk until one of its timeouts falls
due, so walking it again and again made a dynamic fork of n branches cost O(n^2). Here the
decider *quiets* such a task with the virtual time of its earliest timeout; it is walked again
when that time comes or when the task changes (:meth:`PendingTasks.refresh`). A decide that
cannot know what changed (operations, external callers) wakes every task first.
"""

from __future__ import annotations

import heapq
from typing import Any, Dict, Iterable, List, Optional, Tuple

TaskDict = Dict[str, Any]


def _seq(task: TaskDict) -> int:
    return task.get("seq", 0)  # type: ignore[no-any-return]


class PendingTasks:
    """Tasks that are not retried, not SKIPPED and not executed, by task id, in seq order."""

    def __init__(self) -> None:
        self._tasks: Dict[str, TaskDict] = {}
        self._in_order = True
        self._last_seq = 0
        # the ones the next decide pass walks; the others are quiet until _quiet_until[id]
        self._active: Dict[str, TaskDict] = {}
        self._quiet_until: Dict[str, int] = {}
        self._timers: List[Tuple[int, int, str]] = []  # (due ms, seq, task id), may hold stale entries

    def __len__(self) -> int:
        return len(self._tasks)

    def __contains__(self, task_id: object) -> bool:
        return task_id in self._tasks

    def refresh(self, task: TaskDict) -> None:
        """Re-evaluate whether ``task`` is pending; a pending task is walked by the next pass."""
        task_id = task["taskId"]
        if not task.get("retried") and task.get("status") != "SKIPPED" and not task.get("executed"):
            if task_id not in self._tasks:
                seq = _seq(task)
                if seq < self._last_seq:
                    self._in_order = False
                else:
                    self._last_seq = seq
                self._tasks[task_id] = task
            self._active[task_id] = task
            self._quiet_until.pop(task_id, None)
        else:
            self._tasks.pop(task_id, None)
            self._active.pop(task_id, None)
            self._quiet_until.pop(task_id, None)

    def unordered(self) -> Iterable[TaskDict]:
        """Every pending task, in no particular order."""
        return self._tasks.values()

    def in_order(self) -> List[TaskDict]:
        """Every pending task, in seq order."""
        if not self._in_order:
            self._tasks = {t["taskId"]: t for t in sorted(self._tasks.values(), key=_seq)}
            self._in_order = True
        return list(self._tasks.values())

    # -- what a decide pass walks ---------------------------------------------------------------
    def wake_all(self) -> None:
        """Walk every pending task in the next pass (tasks may have changed behind our back)."""
        self._active = dict(self._tasks)
        self._quiet_until.clear()
        self._timers.clear()

    def to_walk(self, now_ms: int) -> List[TaskDict]:
        """The tasks a decide pass at ``now_ms`` walks, in seq order (quiet ones that are due too)."""
        timers = self._timers
        while timers and timers[0][0] <= now_ms:
            due, _, task_id = heapq.heappop(timers)
            if self._quiet_until.get(task_id) == due:
                del self._quiet_until[task_id]
                self._active[task_id] = self._tasks[task_id]
        return sorted(self._active.values(), key=_seq)

    def quiet(self, task: TaskDict, until_ms: Optional[int]) -> None:
        """Leave ``task`` out of the walks until ``until_ms`` (None: until it changes)."""
        task_id = task["taskId"]
        if task_id not in self._tasks:
            return
        self._active.pop(task_id, None)
        if until_ms is None:
            return
        self._quiet_until[task_id] = until_ms
        heapq.heappush(self._timers, (until_ms, _seq(task), task_id))
        if len(self._timers) > 2 * len(self._quiet_until) + 64:  # drop stale entries
            self._timers = [(due, 0, tid) for tid, due in self._quiet_until.items()]
            heapq.heapify(self._timers)
