"""The one loop that steps workflows forward on the virtual clock.

Every way of running a workflow in-process goes through :class:`Drive`: ``Engine.execute`` and
``Engine.run_workflow`` (the harness's local backend), ``Engine.test_workflow`` (the server's
test endpoint), and ``memory://``'s in-process workers and time skipping. What differs between
them is the settle step (:mod:`conductor_testkit.engine.settle`): who completes the tasks the
engine cannot finish by itself (worker tasks, and mocked WAIT, HUMAN, EVENT, HTTP, ... tasks).

A drive repeats: settle what can be settled now; when nothing can, move the clock to the next
timer (a worker task's queue delay, a retry delay, a WAIT deadline, ...) and decide; stop when
the workflow is terminal or nothing more can happen without outside help. The outcome then names
the blocking tasks and why (:class:`Blocker`).

Worker code sees the virtual time through one freezer per drive, started when worker code first
runs and moved with the clock (see :mod:`conductor_testkit.engine.worker_time`).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Dict, Iterable, Iterator, List, Optional

from conductor_testkit.engine.decider import async_due_ms
from conductor_testkit.engine.deferred_snapshot import DeferredSnapshot
from conductor_testkit.engine.run import TERMINAL, WORKFLOW_TERMINAL, RunState
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
    from conductor_testkit.engine.settle import Settler

__all__ = ["BlockedTask", "Blocker", "Drive", "RunOutcome", "next_timer", "skip_idle_time"]

_MAX_STEPS = 10_000_000
# tasks that wait for their children, which are reported instead
_CONTAINERS = frozenset(
    {"SUB_WORKFLOW", "DO_WHILE", "FORK", "FORK_JOIN", "FORK_JOIN_DYNAMIC", "SWITCH", "DECISION"}
)
_JOINS = frozenset({"JOIN", "EXCLUSIVE_JOIN"})


@dataclass(frozen=True)
class Blocker:
    """A task a run that did not end waits for, and why (no reference: the whole workflow)."""

    reference_task_name: str
    task_type: str
    status: str
    reason: str
    workflow_id: str = ""

    def __str__(self) -> str:
        if not self.reference_task_name:
            return self.reason
        return f"{self.reference_task_name} ({self.task_type}, {self.status}): {self.reason}"


BlockedTask = Blocker  # the earlier name


@dataclass
class RunOutcome:
    """How a drive ended: the workflow JSON, and for a run that did not end, what blocks it.

    ``unused_mocks`` maps reference names (``sub_ref/ref`` inside sub-workflows) to the planned
    mock attempts the run never used.
    """

    workflow_id: str
    status: str
    #: the workflow JSON as the drive left it; :attr:`workflow` is it, with its own copies
    snapshot: DeferredSnapshot = field(repr=False, compare=False)
    blocked: List[Blocker] = field(default_factory=list)
    unused_mocks: Dict[str, int] = field(default_factory=dict)
    #: the drive's settle step, with the mocks left: ``Engine.drive(workflow_id, settler)`` goes on
    settler: Optional[Settler] = field(default=None, repr=False, compare=False)

    @property
    def workflow(self) -> Dict[str, Any]:
        """The workflow JSON as the drive left it (the caller's own: nothing in it is shared)."""
        return self.snapshot.detach()

    @property
    def is_terminal(self) -> bool:
        return self.status in WORKFLOW_TERMINAL

    def __str__(self) -> str:
        if not self.blocked:
            return f"workflow {self.workflow_id} ended {self.status}"
        lines = [f"workflow {self.workflow_id} is {self.status}, blocked on:"]
        lines += [f"  - {b}" for b in self.blocked]
        return "\n".join(lines)


class Drive:
    """One drive of a workflow (its root run and running sub-workflows) by one settle step.

    Args:
        engine: the engine.
        root: the run to drive.
        settler: the settle step (it is attached to the root run for the drive, and inherited by
            the sub-workflows the run starts).
        fire_timeouts: when nothing else is due, let task and workflow timeouts fire (the clock
            jumps to the earliest); otherwise the drive stops there.
        until_ms: let virtual time pass up to this instant: every timer and timeout due before
            it fires in order, then the clock stops at ``until_ms`` (a test's "two days later").
    """

    def __init__(
        self,
        engine: Engine,
        root: RunState,
        settler: Settler,
        *,
        fire_timeouts: bool = False,
        until_ms: Optional[int] = None,
        moves_clock: bool = True,
    ):
        self.engine = engine
        self.root = root
        self.settler = settler
        self.fire_timeouts = fire_timeouts
        self.until_ms = until_ms
        self.moves_clock = moves_clock and settler.moves_clock
        self.freezer = WorkerTimeFreezer(engine.clock)
        self.steps = 0
        self.settled = 0  # steps that changed something

    # -- the loop --------------------------------------------------------------------------------

    def run(self) -> RunOutcome:
        """Step until the workflow ends or nothing more can happen; return the outcome."""
        engine = self.engine
        self.settler.reattach_all()
        try:
            while self.steps < _MAX_STEPS:
                self.steps += 1
                if self.settler.finished(self):
                    break
                if self.settler.step(self):
                    self.settled += 1
                    continue
                if not self.moves_clock:
                    break
                due = self._next_time()
                if due is None:
                    break
                self._move_clock(due)
            if self.until_ms is not None and engine.clock.now_ms() < self.until_ms:
                self._move_clock(self.until_ms)
                while self.settler.step(self):  # what the last instant made ready
                    self.settled += 1
            return self.outcome()
        finally:
            self.freezer.stop()
            self.settler.detach_all()

    def _next_time(self) -> Optional[int]:
        engine = self.engine
        family = self.family()
        if self.until_ms is None:
            return next_timer(engine, family, self.settler, include_timeouts=self.fire_timeouts)
        due = next_due_ms(engine, family, include_timeouts=True, settler=self.settler)
        return due if due is not None and due <= self.until_ms else None

    def _move_clock(self, to_ms: int) -> None:
        self.engine.clock.advance_to(to_ms)
        for run in self.family():
            self.engine.decider.decide(run)

    def family(self) -> List[RunState]:
        """The root run, the workflows the drive started (a failure workflow) that still run, and
        their running sub-workflows (recursively), parents first."""
        runs = self.engine.store.runs
        out = [self.root, *(run for run in self.settler.started if run.status == "RUNNING")]
        index = 0
        while index < len(out):
            run = out[index]
            tasks = run.sub_workflow_tasks
            if len(tasks) > 1:
                tasks = sorted(tasks, key=lambda t: t.get("seq", 0))  # as run.non_terminal() lists them
            for task in tasks:
                child_id = task.get("subWorkflowId")
                if child_id in runs and task["status"] not in TERMINAL and task["taskId"] in run.pending:
                    out.append(runs[child_id])
            index += 1
        return out

    def call_worker_code(self, function: Callable[[], Any]) -> Any:
        """Run worker code (a worker or a mock function) with time frozen at the virtual now."""
        self.freezer.move()
        return function()

    # -- the result ------------------------------------------------------------------------------

    def outcome(self) -> RunOutcome:
        root = self.root
        snapshot = self.settler.result(self)
        status = str(snapshot.shared.get("status"))
        blocked = [] if status in WORKFLOW_TERMINAL else self.blockers()
        return RunOutcome(
            workflow_id=root.workflow_id,
            status=status,
            snapshot=snapshot,
            blocked=blocked,
            unused_mocks=self.settler.unused(),
            settler=self.settler,
        )

    def blockers(self) -> List[Blocker]:
        """The open tasks the run waits for, and why (a JOIN only when nothing else blocks)."""
        out: List[Blocker] = []
        for run in self.family():
            if run.status == "PAUSED":
                out.append(Blocker("", "", "PAUSED", "the workflow is paused", run.workflow_id))
                continue
            for task in run.non_terminal():
                if task["taskType"] in _CONTAINERS:
                    continue
                reason = self.settler.why_blocked(self.engine, run, task)
                out.append(
                    Blocker(
                        task["referenceTaskName"], task["taskType"], task["status"], reason, run.workflow_id
                    )
                )
        joins = [b for b in out if b.task_type in _JOINS]
        if len(joins) < len(out):
            out = [b for b in out if b.task_type not in _JOINS]
        if not out:
            out.append(
                Blocker(
                    "",
                    "",
                    self.root.status,
                    f"the run stopped after {self.steps} steps without ending "
                    "(does a worker or mock function keep answering IN_PROGRESS?)",
                    self.root.workflow_id,
                )
            )
        return out


# -- timers ---------------------------------------------------------------------------------------


def _timers(engine: Engine, runs: Iterable[RunState], settler: Optional[Settler]) -> Iterator[int]:
    """When something becomes due in the RUNNING ``runs``: SCHEDULED worker tasks the settle step
    will take (every one without a settler: an outside poller may), and async system tasks the
    engine evaluates itself (those the settle step claims are settled without a timer)."""
    handlers = engine.system_handlers
    for run in runs:
        if run.status != "RUNNING":
            continue
        env = None
        for task in run.non_terminal():
            handler = handlers.get(task["taskType"])
            if handler is None:
                if task["status"] == "SCHEDULED" and (settler is None or settler.could_settle(run, task)):
                    yield engine.task_due_ms(task)
            elif handler.is_async and (settler is None or not settler.claims(run, task)):
                env = env or engine.env_for(run)
                due = async_due_ms(handler, task, env)
                if due is not None:
                    yield due


def _timeouts(runs: Iterable[RunState]) -> Iterator[int]:
    """When the workflow timeout (TIME_OUT_WF) and each open task's timeouts fall due."""
    for run in runs:
        if run.status != "RUNNING":
            continue
        defn = run.defn
        if defn.get("timeoutPolicy") == "TIME_OUT_WF":
            due = workflow_timeout_due(defn, run.wf)
            if due is not None:
                yield due
        for task in run.non_terminal():
            task_def = (task.get("workflowTask") or {}).get("taskDefinition") or {}
            for due in (
                task_timeout_due(task_def, task),
                poll_timeout_due(task_def, task),
                response_timeout_due(task_def, task),
                total_timeout_due(task_def, task),
            ):
                if due is not None:
                    yield due


def _earliest_after(now: int, times: Iterable[int]) -> Optional[int]:
    return min((ms for ms in times if ms > now), default=None)


def next_timer(
    engine: Engine, runs: List[RunState], settler: Optional[Settler], *, include_timeouts: bool
) -> Optional[int]:
    """The earliest future time at which something in ``runs`` becomes due (None: nothing will).

    Timeouts count only when ``include_timeouts`` and nothing else is waiting on a timer: a drive
    lets a timeout fire only when no worker, mock or timer would act before.
    """
    now = engine.clock.now_ms()
    best = _earliest_after(now, _timers(engine, runs, settler))
    if best is None and include_timeouts:
        best = _earliest_after(now, _timeouts(runs))
    return best


def next_due_ms(
    engine: Engine, runs: List[RunState], *, include_timeouts: bool, settler: Optional[Settler] = None
) -> Optional[int]:
    """The earliest future timer of ``runs`` (as ``settler`` sees them), timeouts included alongside
    when asked."""
    times: Iterable[int] = _timers(engine, runs, settler)
    if include_timeouts:
        times = itertools.chain(times, _timeouts(runs))
    return _earliest_after(engine.clock.now_ms(), times)


def skip_idle_time(engine: Engine) -> bool:
    """Move the clock to the next timer when every running workflow waits only for time.

    For outside pollers (a TaskHandler on ``memory://``), which cannot move the virtual clock: when
    no worker task is in progress and none can be polled now, the clock jumps to the earliest
    timer (a delayed task, a WAIT deadline) and the workflows are decided. True when time moved.
    """
    now = engine.clock.now_ms()
    running = engine.running_runs()
    for run in running:
        for task in run.non_terminal():
            if task["taskType"] in engine.system_handlers:
                continue
            if task["status"] != "SCHEDULED" or engine.task_due_ms(task) <= now:
                return False  # a worker holds it, or may take it now: its result may change everything
    due = next_timer(engine, running, None, include_timeouts=False)
    if due is None:
        return False
    engine.clock.advance_to(due)
    for run in running:
        engine.decider.decide(run)
    return True
