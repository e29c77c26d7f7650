"""Which polled tasks a worker may not have yet: ``concurrentExecLimit`` and task rate limits.

The server checks both for every task it takes out of a queue (ExecutionService.poll): a task
that exceeds a limit goes back into the queue, postponed by ``taskExecutionPostponeDuration``
(60 s), and the poll answers without it. The engine checks them wherever a task is polled:
``Engine.poll`` (workers over REST) and, in a drive, the in-process workers and mock functions
that stand for those workers (``settle.TaskSettler``); wire mocks are applied without a poll, as
the test endpoint applies them.

* ``concurrentExecLimit`` (SqliteExecutionDAO.exceedsLimit, the same in the Postgres and MySQL
  DAOs): with ``limit`` > 0 in the task's TaskDef, a task is held back when ``limit`` tasks of its
  TaskDef name are IN_PROGRESS (in any workflow), or when it is not among the first ``limit`` open
  tasks of that name in order of creation.
  When such a task ends, the first message of its queue is made due at once (the DAO's
  ``updateTask`` resets its offset), so a task held back for the freed slot need not wait the 60 s.
* ``rateLimitPerFrequency`` / ``rateLimitFrequencyInSeconds``: the SQLite and Postgres DAOs of
  3.32.1 (the pinned server runs on SQLite) never limit (``exceedsRateLimitPerFrequency`` returns
  false). Only the Redis DAO counts the tasks handed out per TaskDef name within the last
  ``rateLimitFrequencyInSeconds`` and holds back any beyond ``rateLimitPerFrequency``;
  :class:`RateLimiter` does that for an engine built with ``task_rate_limits=True``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Dict, List, Optional, Tuple

from conductor_testkit.engine.run import TERMINAL, TaskDict
from conductor_testkit.engine.timeouts import as_int

if TYPE_CHECKING:  # pragma: no cover
    from conductor_testkit.engine.engine import Engine

POSTPONE_MS = 60_000
"""ConductorProperties.taskExecutionPostponeDuration: how long a held-back task waits."""


def task_def_of(task: TaskDict) -> Optional[Dict[str, Any]]:
    """The TaskDef the task was scheduled with (its workflow task's ``taskDefinition``)."""
    td = (task.get("workflowTask") or {}).get("taskDefinition")
    return td if isinstance(td, dict) else None


def concurrency_limit(task: TaskDict) -> int:
    """``TaskDef.concurrencyLimit()``: ``concurrentExecLimit``, 0 when unset."""
    td = task_def_of(task)
    return as_int(td.get("concurrentExecLimit")) if td is not None else 0


def concurrency_state(engine: Engine, task: TaskDict) -> Tuple[Tuple[str, str], ...]:
    """What :func:`exceeds_concurrency_limit` decides ``task`` from: the open tasks of its TaskDef
    name (id, status) in order of creation. While it is unchanged, a held-back task stays held
    back however long it waits."""
    name = task.get("taskDefName")
    open_tasks = [
        other
        for run in engine.store.runs.values()
        for other in run.non_terminal()
        if other.get("taskDefName") == name and other["status"] not in TERMINAL
    ]
    open_tasks.sort(key=lambda t: t.get("_arrival", 0))
    return tuple((str(t["taskId"]), str(t["status"])) for t in open_tasks)


def exceeds_concurrency_limit(engine: Engine, task: TaskDict) -> bool:
    """SqliteExecutionDAO.exceedsLimit for ``task`` (about to be handed to a worker)."""
    limit = concurrency_limit(task)
    if limit <= 0:
        return False
    name = task.get("taskDefName")
    open_tasks: List[TaskDict] = []
    in_progress = 0
    for run in engine.store.runs.values():
        for other in run.non_terminal():
            if other.get("taskDefName") != name or other["status"] in TERMINAL:
                continue
            open_tasks.append(other)
            if other["status"] == "IN_PROGRESS" and concurrency_limit(other) > 0:
                in_progress += 1
    if in_progress >= limit:
        return True
    first = sorted(open_tasks, key=lambda t: t.get("_arrival", 0))[:limit]
    return not any(t is task for t in first)


class RateLimiter:
    """RedisRateLimitingDAO.exceedsRateLimitPerFrequency on the virtual clock."""

    def __init__(self) -> None:
        self._handed_out: Dict[str, List[int]] = {}

    def exceeds(self, task: TaskDict, now_ms: int) -> bool:
        """Whether ``task`` is over its TaskDef's rate limit; records it when it is not."""
        td = task_def_of(task)
        per_frequency = as_int((td or task).get("rateLimitPerFrequency"))
        seconds = as_int((td or task).get("rateLimitFrequencyInSeconds"))
        if per_frequency <= 0 or seconds <= 0:
            return False
        window_start = now_ms - seconds * 1000
        name = str(task.get("taskDefName"))
        recent = [t for t in self._handed_out.get(name, []) if t > window_start]
        if len(recent) >= per_frequency:
            self._handed_out[name] = recent
            return True
        recent.append(now_ms)
        self._handed_out[name] = recent
        return False


def held_back(engine: Engine, task: TaskDict) -> bool:
    """Whether a poll must not hand out ``task`` now; a held-back task is postponed."""
    limited = exceeds_concurrency_limit(engine, task)
    if not limited and engine.rate_limiter is not None and as_int(task.get("rateLimitPerFrequency")) > 0:
        limited = engine.rate_limiter.exceeds(task, engine.clock.now_ms())
    if limited:
        task["_dueMs"] = engine.clock.now_ms() + POSTPONE_MS
    return limited


def release_next(engine: Engine, ended: TaskDict) -> None:
    """SqliteExecutionDAO.updateTask: a limited task ended, the first queued one is due now.

    The first message of the queue (same task type and domain) is the one due soonest, then of
    the higher priority, then the older one, due or not (QueueDAO.peekFirstIds).
    """
    if concurrency_limit(ended) <= 0 or ended["status"] not in TERMINAL:
        return
    queued = [
        task
        for run in engine.store.runs.values()
        if not run.is_terminal()
        for task in run.non_terminal()
        if task["taskType"] == ended["taskType"]
        and task["status"] == "SCHEDULED"
        and (task.get("domain") or None) == (ended.get("domain") or None)
    ]
    if queued:
        first = min(
            queued,
            key=lambda t: (engine.task_due_ms(t), -as_int(t.get("workflowPriority")), t.get("_arrival", 0)),
        )
        first["_dueMs"] = engine.clock.now_ms()
