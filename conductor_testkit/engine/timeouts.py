"""When a task or workflow timeout falls due (docs/semantics.md §3.5, §3.6), in virtual ms.

One place for the server's timeout arithmetic: the decider fires a timeout once the clock
reaches its due time, quiets waiting worker tasks until the earliest one, and the run driver
jumps the clock to them. Each function answers None when that timeout does not apply.
"""

from __future__ import annotations

from typing import Any, Callable, Dict, Optional, Tuple

from conductor_testkit.engine.run import TERMINAL, TaskDict


def as_int(value: Any, default: int = 0) -> int:
    """An int from a JSON value (Java's lenient unboxing): None, booleans and junk -> ``default``."""
    if value is None or isinstance(value, bool):
        return default
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def queue_due_ms(task: TaskDict) -> int:
    """When a SCHEDULED task leaves the queue: its scheduling plus ``callbackAfterSeconds``."""
    return int(task.get("scheduledTime") or 0) + 1000 * int(task.get("callbackAfterSeconds") or 0)


def workflow_timeout_due(defn: Dict[str, Any], wf: Dict[str, Any]) -> Optional[int]:
    """The workflow's ``timeoutSeconds`` counted from its last retry, else from its creation."""
    timeout = as_int(defn.get("timeoutSeconds"))
    if timeout <= 0:
        return None
    last = as_int(wf.get("lastRetriedTime"))
    base = last if last > 0 else as_int(wf.get("createTime"))
    return base + timeout * 1000


def total_timeout_due(task_def: Dict[str, Any], task: TaskDict) -> Optional[int]:
    """``totalTimeoutSeconds`` across all attempts, from the first attempt's scheduling."""
    total = as_int(task_def.get("totalTimeoutSeconds"))
    first = as_int(task.get("_firstScheduledTime"))
    if total <= 0 or first <= 0 or task["status"] in TERMINAL:
        return None
    return first + total * 1000


def task_timeout_due(task_def: Dict[str, Any], task: TaskDict) -> Optional[int]:
    """``timeoutSeconds`` from the start (plus the start delay)."""
    timeout = as_int(task_def.get("timeoutSeconds"))
    start = as_int(task.get("startTime"))
    if timeout <= 0 or start <= 0 or task["status"] in TERMINAL:
        return None
    return start + as_int(task.get("startDelayInSeconds")) * 1000 + timeout * 1000


def poll_timeout_due(task_def: Dict[str, Any], task: TaskDict) -> Optional[int]:
    """``pollTimeoutSeconds`` of a SCHEDULED task, from its scheduling (plus delays)."""
    poll = as_int(task_def.get("pollTimeoutSeconds"))
    if poll <= 0 or task["status"] != "SCHEDULED":
        return None
    delays_ms = (as_int(task.get("startDelayInSeconds")) + as_int(task.get("callbackAfterSeconds"))) * 1000
    return as_int(task.get("scheduledTime")) + delays_ms + poll * 1000


def response_timeout_due(task_def: Dict[str, Any], task: TaskDict) -> Optional[int]:
    """``responseTimeoutSeconds`` of an IN_PROGRESS task, from its last update (plus callback)."""
    rto = as_int(task_def.get("responseTimeoutSeconds"))
    if rto == 0 or task["status"] != "IN_PROGRESS":
        return None
    return as_int(task.get("updateTime")) + (rto + as_int(task.get("callbackAfterSeconds"))) * 1000


def timeout_policy(task_def: Dict[str, Any]) -> str:
    """The TaskDef's ``timeoutPolicy`` (TIME_OUT_WF when unset)."""
    return str(task_def.get("timeoutPolicy") or "TIME_OUT_WF")


def _total_timeout_reason(task_def: Dict[str, Any], task: TaskDict, now: int, due: int) -> str:
    elapsed = (now - as_int(task.get("_firstScheduledTime"))) // 1000
    return (
        f"Task {task.get('taskDefName')}/{task['taskId']} exceeded total timeout of "
        f"{as_int(task_def.get('totalTimeoutSeconds'))} seconds "
        f"(elapsed {elapsed} seconds across all attempts including retry delays). "
        f"Timeout policy: {timeout_policy(task_def)}"
    )


def _task_timeout_reason(task_def: Dict[str, Any], task: TaskDict, now: int, due: int) -> str:
    timeout = as_int(task_def.get("timeoutSeconds"))
    elapsed = now - (due - timeout * 1000)
    return (
        f"Task timed out after {elapsed // 1000} seconds. Timeout configured as {timeout} seconds. "
        f"Timeout policy configured to {timeout_policy(task_def)}"
    )


def _poll_timeout_reason(task_def: Dict[str, Any], task: TaskDict, now: int, due: int) -> str:
    scheduled = as_int(task.get("scheduledTime")) + as_int(task.get("startDelayInSeconds")) * 1000
    return (
        f"Task poll timed out after {(now - scheduled) // 1000} seconds. Poll timeout configured as "
        f"{as_int(task_def.get('pollTimeoutSeconds'))} seconds. "
        f"Timeout policy configured to {timeout_policy(task_def)}"
    )


DueTime = Callable[[Dict[str, Any], TaskDict], Optional[int]]
Reason = Callable[[Dict[str, Any], TaskDict, int, int], str]

# the timeouts a TaskDef's timeoutPolicy governs, in the order the server checks them:
# (when it falls due, the reasonForIncompletion at ``now`` given that due time)
POLICY_TIMEOUTS: Tuple[Tuple[DueTime, Reason], ...] = (
    (total_timeout_due, _total_timeout_reason),
    (task_timeout_due, _task_timeout_reason),
    (poll_timeout_due, _poll_timeout_reason),
)


def may_have_policy_timeouts(task_def: Dict[str, Any]) -> bool:
    """False when the TaskDef's total, task and poll timeouts are all unset or zero (a look at
    the fields alone: the due functions above answer None for each of them then)."""
    get = task_def.get
    return bool(get("totalTimeoutSeconds") or get("timeoutSeconds") or get("pollTimeoutSeconds"))


def worker_task_quiet_until(task_def: Optional[Dict[str, Any]], task: TaskDict) -> Optional[int]:
    """The earliest time a decide can change a waiting worker task on its own (None: never).

    ALERT_ONLY timeouts change nothing, so only the response timeout and the others under a
    different policy count.
    """
    if task_def is None:
        return None
    dues = [response_timeout_due(task_def, task)]
    if may_have_policy_timeouts(task_def) and timeout_policy(task_def) != "ALERT_ONLY":
        dues += [
            total_timeout_due(task_def, task),
            task_timeout_due(task_def, task),
            poll_timeout_due(task_def, task),
        ]
    found = [d for d in dues if d is not None]
    return min(found) if found else None
