"""The settle step of a drive: who completes the tasks the engine does not finish by itself.

A :class:`Settler` is plugged into :class:`~conductor_testkit.engine.driver.Drive`. It is attached
to the run it drives (``run.settler``) and to the sub-workflows that run starts, so the decider
leaves the tasks it :meth:`~Settler.claims` (mocked WAIT, HUMAN, HTTP, ... tasks) to it.

* :class:`TaskSettler` (``Engine.execute``, ``Engine.run_workflow``, the harness, ``memory://``'s
  in-process workers): each ready task is settled by the first of its mocks (per reference name,
  one planned attempt per attempt of the task, applied as the server's test endpoint applies
  them), its mock function, the worker of its task type; else nobody, and the drive waits for a
  timer or stops.
* :class:`~conductor_testkit.engine.workflow_test.WorkflowTestSettler`: the server's
  ``POST /workflow/test`` loop.
"""

from __future__ import annotations

import copy
import weakref
from typing import TYPE_CHECKING, Any, Dict, Iterator, List, Mapping, Optional, Tuple

from conductor_testkit.engine.errors import EngineIllegalState
from conductor_testkit.engine.mocks import Attempt, MockSet, outcome_of_function
from conductor_testkit.engine.poll_limits import (
    concurrency_limit,
    concurrency_state,
    exceeds_concurrency_limit,
    held_back,
)
from conductor_testkit.engine.run import TERMINAL, RunState, TaskDict, json_copy
from conductor_testkit.engine.task_types import unknown_type_note

if TYPE_CHECKING:  # pragma: no cover
    from conductor_testkit.engine.deferred_snapshot import DeferredSnapshot
    from conductor_testkit.engine.driver import Drive
    from conductor_testkit.engine.engine import Engine

__all__ = [
    "IN_PROCESS_WORKER_ID",
    "OPERATORS",
    "Settler",
    "TaskSettler",
    "apply_mock",
    "goes_through_task_result",
]

# the worker id of tasks settled in-process (a Worker's own worker_id wins)
IN_PROCESS_WORKER_ID = "conductor-testkit"

# Task types that run by themselves: the server's test endpoint discards their mocks
# (WorkflowTestService's list of operators), and so does every settle step here.
OPERATORS = frozenset(
    {
        "JOIN",
        "DO_WHILE",
        "SET_VARIABLE",
        "FORK",
        "INLINE",
        "TERMINATE",
        "DECISION",
        "DYNAMIC",
        "FORK_JOIN",
        "FORK_JOIN_DYNAMIC",
        "SWITCH",
        "SUB_WORKFLOW",
    }
)
_EMPTY = MockSet({}, {})


class Settler:
    """The pluggable settle step of a drive (see the module docstring).

    The base class settles nothing: a drive with it only moves the clock, as an outside poller
    would need.
    """

    #: whether the drive may move the virtual clock to the next timer when nothing settles
    moves_clock = True

    def __init__(self) -> None:
        # a scope's top settler, held weakly (None: this is the top): no reference cycle keeps a
        # drive's settlers, mocks and runs alive after the drive
        self._top_ref: Optional[weakref.ReferenceType[Settler]] = None
        # workflow id -> (run, its scope; None for the top itself): every run this settler or
        # its scopes were attached to
        self._scopes: Dict[str, Tuple[RunState, Optional[Settler]]] = {}
        # workflows a decide of the drive started (a failure workflow, ...) that the drive drives too
        self.started: List[RunState] = []

    # -- attaching to runs -----------------------------------------------------------------------

    @property
    def _top(self) -> Settler:
        """The settler of the drive this one is a scope of (itself for the top)."""
        top = self._top_ref() if self._top_ref is not None else None
        return self if top is None else top

    def _attached(self) -> Iterator[Tuple[RunState, Settler]]:
        for run, scope in self._scopes.values():
            yield run, self if scope is None else scope

    def attach(self, run: RunState) -> None:
        """Make this the settle step of ``run`` (until :meth:`detach_all` of the top settler)."""
        run.settler = self
        top = self._top
        top._scopes[run.workflow_id] = (run, None if self is top else self)

    def detach_all(self) -> None:
        """Detach from every run attached to this settler or its sub-workflow scopes."""
        for run, scope in self._attached():
            if run.settler is scope:
                run.settler = None

    def include(self, run: RunState) -> None:
        """Attach to ``run`` unless an earlier drive of this settler already knows it."""
        if run.workflow_id not in self._top._scopes:
            self.attach(run)

    def reattach_all(self) -> None:
        """Attach again to every run of an earlier drive that has not ended (to drive it again)."""
        for run, scope in self._attached():
            if not run.is_terminal():
                run.settler = scope

    def for_child(self, parent_ref: str) -> Settler:
        """The settle step of a sub-workflow started by the task ``parent_ref``."""
        return self

    def for_started(self, failure_workflow: bool) -> Optional[Settler]:
        """The settle step of a workflow a decide of this drive starts that is not a sub-workflow
        (a failure workflow, or a START_WORKFLOW task's); None leaves it to the engine."""
        return None

    def adopt(self, run: RunState) -> None:
        """Attach to ``run``, a workflow a decide of the drive started (see :meth:`for_started`)."""
        self.attach(run)

    # -- the step --------------------------------------------------------------------------------

    def finished(self, drive: Drive) -> bool:
        """Whether the drive is over before the next step: the root run ended, and so did the
        workflows the drive started and drives too."""
        return drive.root.is_terminal() and not any(run.status == "RUNNING" for run in self.started)

    def step(self, drive: Drive) -> bool:
        """Settle what can be settled now; True when something changed."""
        return False

    def claims(self, run: RunState, task: TaskDict) -> bool:
        """Whether the engine must leave this async system task to the settle step."""
        return False

    def could_settle(self, run: RunState, task: TaskDict) -> bool:
        """Whether the step will settle this worker task once it is due (a timer worth waiting for)."""
        return False

    def why_blocked(self, engine: Engine, run: RunState, task: TaskDict) -> str:
        """Why the open ``task`` keeps the run from ending."""
        return default_block_reason(engine, task)

    def result(self, drive: Drive) -> DeferredSnapshot:
        """The workflow JSON a drive hands back."""
        return drive.engine.deferred_snapshot(drive.root)

    def unused(self) -> Dict[str, int]:
        """Reference name -> planned mock attempts never used."""
        return {}


def default_block_reason(engine: Engine, task: TaskDict, mocks_hint: bool = True) -> str:
    """Why an open task waits, when nobody in the drive settles it."""
    ref = task["referenceTaskName"]
    ttype = task["taskType"]
    if ttype not in engine.system_handlers:
        return (
            f"no mock, mock function or worker for it (task type {ttype!r}); "
            f"pass mocks={{{ref!r}: ...}} or a worker for {ttype!r}" + unknown_type_note(task)
        )
    if ttype == "WAIT":
        return f"the WAIT task waits for a signal; mock it: mocks={{{ref!r}: {{}}}}"
    if ttype == "HUMAN":
        return f"the HUMAN task waits to be completed; mock it: mocks={{{ref!r}: {{...}}}}"
    if ttype in ("JOIN", "EXCLUSIVE_JOIN"):
        join_on = (task.get("inputData") or {}).get("joinOn") or []
        return "waits for " + ", ".join(str(r) for r in join_on)
    return f"the {ttype} task waits to be completed; mock it: mocks={{{ref!r}: {{...}}}}"


class TaskSettler(Settler):
    """Mocks, then mock functions, then workers (see the module docstring).

    Args:
        mocks: the planned attempts per reference name, and the mocks of sub-workflows.
        workers: task type -> ``Worker`` (or any object with ``execute(task) -> TaskResult``).
        moves_clock: False for a drive that only runs what is ready now (``memory://``).
    """

    def __init__(
        self,
        mocks: Optional[MockSet] = None,
        workers: Optional[Mapping[str, Any]] = None,
        *,
        moves_clock: bool = True,
    ) -> None:
        super().__init__()
        self.mocks = mocks if mocks is not None else _EMPTY
        self.workers: Mapping[str, Any] = dict(workers or {})
        self.moves_clock = moves_clock
        # task id -> the concurrency state it was held back in, in the engine of the drive
        self._held: Dict[str, Tuple[Tuple[str, str], ...]] = {}
        self._engine: Optional[Engine] = None

    def _scope(self, mocks: MockSet) -> TaskSettler:
        scope = TaskSettler(mocks, self.workers, moves_clock=self.moves_clock)
        scope._top_ref = weakref.ref(self._top)
        return scope

    def for_child(self, parent_ref: str) -> TaskSettler:
        return self._scope(self.mocks.sub_workflows.get(parent_ref, _EMPTY))

    def for_started(self, failure_workflow: bool) -> Optional[Settler]:
        # the failure workflow of the drive's run is driven too: by its own mocks and the workers
        top = self._top
        if not failure_workflow or not isinstance(top, TaskSettler):
            return None
        mocks = top.mocks.failure_workflow
        if mocks is None and not self.workers:
            return None
        return self._scope(mocks if mocks is not None else _EMPTY)

    def adopt(self, run: RunState) -> None:
        self.attach(run)
        self._top.started.append(run)  # driven along with the drive's run

    # -- what this step takes ----------------------------------------------------------------------

    def _has_attempt(self, task: TaskDict) -> bool:
        planned = self.mocks.by_ref.get(task["referenceTaskName"])
        return planned is not None and not planned.exhausted

    def claims(self, run: RunState, task: TaskDict) -> bool:
        return task["taskType"] not in OPERATORS and self._has_attempt(task)

    def could_settle(self, run: RunState, task: TaskDict) -> bool:
        if not (self._has_attempt(task) or task["taskType"] in self.workers):
            return False
        # a task held back by concurrentExecLimit is worth waiting for only once a slot may free
        top = self._top_settler()
        held_in = top._held.get(task["taskId"])
        return held_in is None or top._engine is None or held_in != concurrency_state(top._engine, task)

    def _ready(self, drive: Drive) -> Iterator[Tuple[TaskSettler, RunState, TaskDict]]:
        """Tasks this step can settle now, in the family's order (each with its run's scope)."""
        engine = drive.engine
        handlers = engine.system_handlers
        now = engine.clock.now_ms()
        for run in drive.family():
            if run.status != "RUNNING":
                continue
            scope = run.settler if isinstance(run.settler, TaskSettler) else self
            for task in run.non_terminal():
                if task["taskType"] not in handlers:
                    if task["status"] == "SCHEDULED" and engine.task_due_ms(task) <= now:
                        if scope.could_settle(run, task):
                            yield scope, run, task
                elif scope.claims(run, task):
                    yield scope, run, task

    def step(self, drive: Drive) -> bool:
        engine = drive.engine
        ready = self._ready(drive)
        if engine.shuffle_ready:  # explore other interleavings, reproducibly per seed
            candidates = list(ready)
            while candidates:
                pick = engine.ready_rng.choice(candidates)
                candidates.remove(pick)
                if not self._held_back(drive, *pick):
                    pick[0].settle(drive, pick[1], pick[2])
                    return True
            return False
        for scope, run, task in ready:  # definition order: the first task a poll hands out
            if not self._held_back(drive, scope, run, task):
                scope.settle(drive, run, task)
                return True
        return False

    def _held_back(self, drive: Drive, scope: TaskSettler, run: RunState, task: TaskDict) -> bool:
        """Whether the poll that settling ``task`` stands for would not hand it out now.

        Workers and mock functions stand for the workers that poll the task, so the TaskDef's
        ``concurrentExecLimit`` (and rate limit, when enabled) applies to them as to every poll
        (ExecutionService.poll): the task is postponed instead. Wire mocks are applied as the
        test endpoint applies them, without a poll.
        """
        engine = drive.engine
        if task["taskType"] in engine.system_handlers:
            return False
        planned = scope.mocks.by_ref.get(task["referenceTaskName"])
        if planned is not None and not planned.exhausted and not planned.next_is_function:
            return False
        top = self._top_settler()
        if not held_back(engine, task):
            top._held.pop(task["taskId"], None)
            return False
        if exceeds_concurrency_limit(engine, task):  # (a rate limit frees itself in time)
            top._engine = engine
            top._held[task["taskId"]] = concurrency_state(engine, task)
        return True

    def _top_settler(self) -> TaskSettler:
        top = self._top
        return top if isinstance(top, TaskSettler) else self

    # -- settling one task -------------------------------------------------------------------------

    def settle(self, drive: Drive, run: RunState, task: TaskDict) -> None:
        """Settle ``task`` by its next mocked attempt, else by the worker of its type."""
        planned = self.mocks.by_ref.get(task["referenceTaskName"])
        attempt: Optional[Attempt] = planned.take() if planned is not None else None
        is_worker_task = task["taskType"] not in drive.engine.system_handlers
        if attempt is not None and attempt.function is not None:
            self._call_function(drive, run, task, attempt, polled=is_worker_task)
        elif attempt is not None:
            assert attempt.mock is not None
            apply_mock(drive.engine, run, task, attempt.mock)
        else:
            self._call_worker(drive, run, task, self.workers[task["taskType"]])

    @staticmethod
    def _call_worker(drive: Drive, run: RunState, task: TaskDict, worker: Any) -> None:
        from conductor_testkit.models import Task
        from conductor_testkit.worker import Worker

        engine = drive.engine
        worker_id = getattr(worker, "worker_id", None) or IN_PROCESS_WORKER_ID
        engine.mark_polled(task, worker_id)
        model = Task.from_dict(engine.task_snapshot(task))
        if isinstance(worker, Worker):
            # an AssertionError in worker code fails the test where it was raised
            result = drive.call_worker_code(lambda: worker.execute(model, raise_errors=(AssertionError,)))
        else:
            result = drive.call_worker_code(lambda: worker.execute(model))
        data = result.to_dict() if hasattr(result, "to_dict") else dict(result)
        data["taskId"] = task["taskId"]
        data["workflowInstanceId"] = run.workflow_id
        if data.get("workerId") is None:
            data["workerId"] = worker_id
        engine.apply_task_result(run, task, data)

    @staticmethod
    def _call_function(drive: Drive, run: RunState, task: TaskDict, attempt: Attempt, polled: bool) -> None:
        engine = drive.engine
        if polled:
            engine.mark_polled(task, IN_PROCESS_WORKER_ID)
        function = attempt.function
        assert function is not None
        task_input = copy.deepcopy(task.get("inputData") or {})
        try:
            status, output, reason, callback = outcome_of_function(
                drive.call_worker_code(lambda: function(task_input))
            )
        except AssertionError:
            raise
        except Exception as exc:  # the function stands for a worker: its error fails the attempt
            status, output, reason, callback = "FAILED", {}, f"{type(exc).__name__}: {exc}", 0
        engine.apply_task_result(
            run,
            task,
            {
                "taskId": task["taskId"],
                "workflowInstanceId": run.workflow_id,
                "status": status,
                "outputData": output,
                "reasonForIncompletion": reason,
                "callbackAfterSeconds": callback,
                "workerId": task.get("workerId"),
            },
        )

    # -- reporting ---------------------------------------------------------------------------------

    def why_blocked(self, engine: Engine, run: RunState, task: TaskDict) -> str:
        scope = run.settler if isinstance(run.settler, TaskSettler) else self
        ref = task["referenceTaskName"]
        if task["taskId"] in self._top_settler()._held:
            return (
                f"held back by the concurrentExecLimit ({concurrency_limit(task)}) of task definition "
                f"{task.get('taskDefName')!r}: as many of its tasks are in progress or older, and "
                "nothing in this run frees a slot"
            )
        planned = scope.mocks.by_ref.get(ref)
        if planned is not None and planned.exhausted:
            return f"its {planned.given} mocked attempt(s) are used up; add more to mocks[{ref!r}]"
        return default_block_reason(engine, task)

    def unused(self) -> Dict[str, int]:
        return self.mocks.unused()


def goes_through_task_result(mock: Mapping[str, Any]) -> bool:
    """Whether the test endpoint applies ``mock`` as a TaskResult (no ``executionTime`` or
    ``queueWaitTime``), rather than by editing the stored task."""
    return int(mock.get("executionTime") or 0) <= 0 and int(mock.get("queueWaitTime") or 0) <= 0


def apply_mock(engine: Engine, run: RunState, task: TaskDict, mock: Mapping[str, Any]) -> None:
    """Settle ``task`` with one TaskMock the way the server's test endpoint does.

    With ``executionTime``/``queueWaitTime`` the stored task is edited directly and a decide
    follows; otherwise a TaskResult built from the task goes through the normal update path.
    """
    status = str(mock.get("status") or "COMPLETED")
    output = mock.get("output")
    if output is None and "output" in mock:
        raise EngineIllegalState(f"mock for task {task['referenceTaskName']!r} has a null output")
    output = dict(output or {})
    execution_time = int(mock.get("executionTime") or 0)
    queue_wait = int(mock.get("queueWaitTime") or 0)
    now = engine.clock.now_ms()
    if not goes_through_task_result(mock):
        task["scheduledTime"] = now - (execution_time + queue_wait)
        task["startTime"] = now - execution_time
        task["status"] = status
        task["outputData"].update(json_copy(output))
        # written with the raw DAO: updateTime is not touched (so a task never updated before
        # has updateTime 0 and an IN_PROGRESS mock hits responseTimeoutSeconds at once, as on
        # the server); the decide that follows stamps terminal tasks
        if status in TERMINAL:
            if not task.get("endTime"):
                task["endTime"] = now
            if not task.get("updateTime"):
                task["updateTime"] = now
        run.refresh_pending(task)
        engine.decider.decide(run, incremental=True)
        return
    result = engine.task_result_from(run, task, status, output)
    result["subWorkflowId"] = task.get("subWorkflowId")  # the server's result is built from the task
    engine.apply_task_result(run, task, result)
