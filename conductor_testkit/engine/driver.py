"""``run_until_blocked``: drive a workflow with in-process workers on the virtual clock.

Worker code sees the virtual time through one freezer per call, moved with the clock (never
restarted per task; see :mod:`conductor_testkit.engine.worker_time`). When nothing can run now,
the clock jumps to the next due timer (a worker task's queue delay, a retry delay, a WAIT
deadline, ...). The run stops when the workflow is terminal or nothing more can happen without
outside help; the outcome names the blocking tasks and why.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Dict, Iterable, Iterator, List, Optional

from conductor_testkit.engine.decider import async_due_ms
from conductor_testkit.engine.run import TaskDict, WorkflowRun
from conductor_testkit.engine.task_types import unknown_type_note
from conductor_testkit.engine.timeouts import (
    poll_timeout_due,
    response_timeout_due,
    task_timeout_due,
    total_timeout_due,
    workflow_timeout_due,
)
from conductor_testkit.engine.worker_time import WorkerTimeFreezer

if TYPE_CHECKING:  # pragma: no cover
    from conductor_testkit.engine.engine import Engine

_MAX_STEPS = 10_000_000


@dataclass
class BlockedTask:
    """A task the run is waiting for, and why."""

    workflow_id: str
    reference_task_name: str
    task_type: str
    status: str
    reason: str


@dataclass
class RunOutcome:
    """What :meth:`Engine.run_until_blocked` ended with."""

    workflow_id: str
    status: str
    workflow: Dict[str, Any]
    blocked: List[BlockedTask] = field(default_factory=list)

    @property
    def is_terminal(self) -> bool:
        return self.status in ("COMPLETED", "FAILED", "TIMED_OUT", "TERMINATED")

    def __str__(self) -> str:
        if not self.blocked:
            return f"workflow {self.workflow_id} ended {self.status}"
        lines = [f"workflow {self.workflow_id} is {self.status}, blocked on:"]
        lines += [
            f"  - {b.reference_task_name} ({b.task_type}, {b.status}): {b.reason}" for b in self.blocked
        ]
        return "\n".join(lines)


def _family(engine: Engine, run: WorkflowRun) -> List[WorkflowRun]:
    """The run and its running sub-workflows (recursively)."""
    out = [run]
    i = 0
    while i < len(out):
        for t in out[i].non_terminal():
            child_id = t.get("subWorkflowId")
            if t["taskType"] == "SUB_WORKFLOW" and child_id in engine.store.runs:
                out.append(engine.store.runs[child_id])
        i += 1
    return out


def _worker_for(engine: Engine, task: TaskDict) -> Any:
    return engine.workers.get(task["taskType"])


def _call_worker(
    engine: Engine, run: WorkflowRun, task: TaskDict, worker: Any, freezer: WorkerTimeFreezer
) -> None:
    from conductor_testkit.models import Task

    worker_id = getattr(worker, "worker_id", None) or "conductor-testkit-engine"
    engine.mark_polled(task, worker_id)
    model = Task.from_dict(engine.task_snapshot(task))
    freezer.move()
    try:
        result = worker.execute(model, raise_errors=(AssertionError,))
    except TypeError:  # a worker object without the raise_errors option
        result = worker.execute(model)
    data = result.to_dict() if hasattr(result, "to_dict") else dict(result)
    data["taskId"] = task["taskId"]
    data["workflowInstanceId"] = run.workflow_id
    if data.get("workerId") is None:
        data["workerId"] = worker_id
    engine.apply_task_result(run, task, data)


def _ready_worker_tasks(engine: Engine, runs: List[WorkflowRun], now: int) -> Iterator[Any]:
    """SCHEDULED worker tasks that are due now and have an in-process worker, in seq order."""
    for run in runs:
        if run.is_terminal():
            continue
        for t in run.non_terminal():
            if t["status"] != "SCHEDULED" or engine.system_handlers.get(t["taskType"]) is not None:
                continue
            worker = _worker_for(engine, t)
            if worker is not None and engine.task_due_ms(t) <= now:
                yield run, t, worker


def _timers(engine: Engine, runs: List[WorkflowRun], *, with_worker_only: bool) -> Iterator[int]:
    """Queue times of SCHEDULED worker tasks (only those with an in-process worker when
    ``with_worker_only``) and due times of async system tasks, in RUNNING workflows."""
    for run in runs:
        if run.status != "RUNNING":
            continue
        env = engine.env_for(run)
        for t in run.non_terminal():
            handler = engine.system_handlers.get(t["taskType"])
            if handler is None:
                wanted = not with_worker_only or _worker_for(engine, t) is not None
                if t["status"] == "SCHEDULED" and wanted:
                    yield engine.task_due_ms(t)
            elif handler.is_async and t["taskType"] in engine.async_types:
                due = async_due_ms(handler, t, env)
                if due is not None:
                    yield due


def _timeouts(engine: Engine, runs: Iterable[WorkflowRun]) -> Iterator[int]:
    """When the workflow timeout (TIME_OUT_WF) and each open task's timeouts fall due."""
    for run in runs:
        defn = run.defn
        if defn.get("timeoutPolicy") == "TIME_OUT_WF":
            due = workflow_timeout_due(defn, run.wf)
            if due is not None:
                yield due
        for t in run.non_terminal():
            td = (t.get("workflowTask") or {}).get("taskDefinition") or {}
            for due in (
                task_timeout_due(td, t),
                poll_timeout_due(td, t),
                response_timeout_due(td, t),
                total_timeout_due(td, t),
            ):
                if due is not None:
                    yield due


def _earliest_after(now: int, times: Iterable[int]) -> Optional[int]:
    return min((ms for ms in times if ms > now), default=None)


def _next_timer(engine: Engine, runs: List[WorkflowRun], fire_timeouts: bool) -> Optional[int]:
    """The next timer the drive can act on; timeouts only when nothing else is waiting."""
    now = engine.clock.now_ms()
    best = _earliest_after(now, _timers(engine, runs, with_worker_only=True))
    if best is None and fire_timeouts:
        best = _earliest_after(now, _timeouts(engine, runs))
    return best


def next_timer_any(engine: Engine, runs: List[WorkflowRun], include_timeouts: bool) -> Optional[int]:
    """The earliest future timer of ``runs``: delayed worker tasks (with or without a worker)."""
    times: Iterable[int] = _timers(engine, runs, with_worker_only=False)
    if include_timeouts:
        running = [run for run in runs if run.status == "RUNNING"]
        times = itertools.chain(times, _timeouts(engine, running))
    return _earliest_after(engine.clock.now_ms(), times)


def _blockers(engine: Engine, runs: List[WorkflowRun]) -> List[Any]:
    out = []
    for run in runs:
        if run.status == "PAUSED":
            out.append(BlockedTask(run.workflow_id, "", "", "PAUSED", "the workflow is paused"))
            continue
        for t in run.non_terminal():
            ttype = t["taskType"]
            handler = engine.system_handlers.get(ttype)
            if handler is None:
                reason = (
                    f"worker task {ttype!r} has no in-process worker (register one or complete it)"
                    + unknown_type_note(t)
                )
            elif ttype == "WAIT":
                reason = "WAIT task waits for a signal (update_task_by_ref_name / signal)"
            elif ttype == "HUMAN":
                reason = "HUMAN task waits to be completed by a task update"
            elif ttype in ("SUB_WORKFLOW", "DO_WHILE"):
                continue
            elif ttype == "JOIN":
                reason = "JOIN waits for " + ", ".join(t["inputData"].get("joinOn") or [])
            else:
                reason = f"{ttype} task waits to be completed"
            out.append(BlockedTask(run.workflow_id, t["referenceTaskName"], ttype, t["status"], reason))
    return out


def run_until_blocked(engine: Engine, workflow_id: str, *, fire_timeouts: bool = False) -> RunOutcome:
    """See :meth:`Engine.run_until_blocked`."""
    root = engine.store.run(workflow_id)
    freezer = WorkerTimeFreezer(engine.clock)
    try:
        for _ in range(_MAX_STEPS):
            if root.is_terminal():
                break
            runs = _family(engine, root)
            ready = _ready_worker_tasks(engine, runs, engine.clock.now_ms())
            if engine.shuffle_ready:  # explore other interleavings, reproducibly per seed
                candidates = list(ready)
                pick = engine.ready_rng.choice(candidates) if candidates else None
            else:  # definition order: the first ready task is enough
                pick = next(ready, None)
            if pick is not None:
                run, task, worker = pick
                _call_worker(engine, run, task, worker, freezer)
                continue
            nxt = _next_timer(engine, runs, fire_timeouts)
            if nxt is None:
                break
            engine.clock.advance_to(nxt)
            for run in runs:
                engine.decider.decide(run)
    finally:
        freezer.stop()
    runs = _family(engine, root)
    return RunOutcome(
        workflow_id=root.workflow_id,
        status=root.status,
        workflow=engine.workflow_snapshot(root),
        blocked=[] if root.is_terminal() else _blockers(engine, runs),
    )
