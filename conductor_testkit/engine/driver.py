"""``run_until_blocked``: drive a workflow with in-process workers on the virtual clock.

Worker code sees the virtual time through one freezegun freezer per call, moved with the clock
(never restarted per task). When nothing can run now, the clock jumps to the next due timer
(a worker task's queue delay, a retry delay, a WAIT deadline, ...). The run stops when the
workflow is terminal or nothing more can happen without outside help; the outcome names the
blocking tasks and why.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Dict, List, Optional

from conductor_testkit.engine.decider import async_due_ms
from conductor_testkit.engine.run import TaskDict, WorkflowRun

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


class _Freezer:
    """One freezegun freezer for the whole drive, moved to the virtual time before each worker."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._factory: Any = None
        self._freezer: Any = None

    def move(self) -> None:
        now = self.engine.clock.now()
        if self._factory is None:
            from freezegun import freeze_time

            self._freezer = freeze_time(now)
            self._factory = self._freezer.start()
        else:
            self._factory.move_to(now)

    def stop(self) -> None:
        if self._freezer is not None:
            self._freezer.stop()
            self._freezer = None
            self._factory = None


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


def _call_worker(engine: Engine, run: WorkflowRun, task: TaskDict, worker: Any, freezer: _Freezer) -> None:
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


def _ready_worker_tasks(engine: Engine, runs: List[WorkflowRun], now: int) -> List[Any]:
    """SCHEDULED worker tasks that are due now and have an in-process worker, in seq order."""
    ready = []
    for run in runs:
        if run.is_terminal():
            continue
        for t in run.non_terminal():
            if t["status"] != "SCHEDULED" or engine.system_handlers.get(t["taskType"]) is not None:
                continue
            worker = _worker_for(engine, t)
            if worker is not None and engine.task_due_ms(t) <= now:
                ready.append((run, t, worker))
    return ready


def _next_timer(engine: Engine, runs: List[WorkflowRun], fire_timeouts: bool) -> Optional[int]:
    now = engine.clock.now_ms()
    best: Optional[int] = None

    def consider(ms: Optional[int]) -> None:
        nonlocal best
        if ms is not None and ms > now and (best is None or ms < best):
            best = ms

    for run in runs:
        if run.status != "RUNNING":
            continue
        env = engine.env_for(run)
        for t in run.non_terminal():
            handler = engine.system_handlers.get(t["taskType"])
            if handler is None:
                if t["status"] == "SCHEDULED" and _worker_for(engine, t) is not None:
                    consider(engine.task_due_ms(t))
            elif handler.is_async and t["taskType"] in engine.async_types:
                consider(async_due_ms(handler, t, env))
    if best is None and fire_timeouts:
        for run in runs:
            for ms in _timeout_deadlines(engine, run):
                consider(ms)
    return best


def next_timer_any(engine: Engine, runs: List[WorkflowRun], include_timeouts: bool) -> Optional[int]:
    """The earliest future timer of ``runs``: delayed worker tasks (with or without a worker)."""
    now = engine.clock.now_ms()
    best: Optional[int] = None
    for run in runs:
        if run.status != "RUNNING":
            continue
        env = engine.env_for(run)
        for t in run.non_terminal():
            handler = engine.system_handlers.get(t["taskType"])
            due: Optional[int] = None
            if handler is None:
                if t["status"] == "SCHEDULED":
                    due = engine.task_due_ms(t)
            elif handler.is_async and t["taskType"] in engine.async_types:
                due = async_due_ms(handler, t, env)
            if due is not None and due > now and (best is None or due < best):
                best = due
        if include_timeouts:
            for ms in _timeout_deadlines(engine, run):
                if ms > now and (best is None or ms < best):
                    best = ms
    return best


def _timeout_deadlines(engine: Engine, run: WorkflowRun) -> List[int]:
    out: List[int] = []
    defn = run.defn
    if int(defn.get("timeoutSeconds") or 0) > 0 and defn.get("timeoutPolicy") == "TIME_OUT_WF":
        base = run.wf.get("lastRetriedTime") or run.wf.get("createTime") or 0
        out.append(int(base) + 1000 * int(defn["timeoutSeconds"]))
    for t in run.non_terminal():
        td = (t.get("workflowTask") or {}).get("taskDefinition") or {}
        if int(td.get("timeoutSeconds") or 0) > 0 and t.get("startTime"):
            out.append(
                int(t["startTime"])
                + 1000 * (int(td["timeoutSeconds"]) + int(t.get("startDelayInSeconds") or 0))
            )
        poll = td.get("pollTimeoutSeconds")
        if poll and int(poll) > 0 and t["status"] == "SCHEDULED":
            out.append(
                int(t.get("scheduledTime") or 0)
                + 1000
                * (
                    int(t.get("startDelayInSeconds") or 0)
                    + int(poll)
                    + int(t.get("callbackAfterSeconds") or 0)
                )
            )
        rto = int(td.get("responseTimeoutSeconds") or 0)
        if rto > 0 and t["status"] == "IN_PROGRESS":
            out.append(int(t.get("updateTime") or 0) + 1000 * (rto + int(t.get("callbackAfterSeconds") or 0)))
        total = int(td.get("totalTimeoutSeconds") or 0)
        if total > 0 and t.get("_firstScheduledTime"):
            out.append(int(t["_firstScheduledTime"]) + 1000 * total)
    return out


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
                reason = f"worker task {ttype!r} has no in-process worker (register one or complete it)"
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
    freezer = _Freezer(engine)
    try:
        for _ in range(_MAX_STEPS):
            if root.is_terminal():
                break
            runs = _family(engine, root)
            progressed = False
            now = engine.clock.now_ms()
            ready = _ready_worker_tasks(engine, runs, now)
            if ready:
                # definition order by default; a shuffling engine explores other interleavings
                run, t, worker = engine.ready_rng.choice(ready) if engine.shuffle_ready else ready[0]
                _call_worker(engine, run, t, worker, freezer)
                progressed = True
            if progressed:
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
