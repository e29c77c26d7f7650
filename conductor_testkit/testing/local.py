"""``LocalBackend``: run a workflow on the in-memory engine, on its virtual clock.

Each ready task is settled by the first of:

1. its mocks (by reference name, one planned attempt per attempt of the task), applied exactly as
   the server's test endpoint applies them (output merged, status written, ``executionTime`` /
   ``queueWaitTime`` written to the task's times);
2. a mock function for its reference name (called with the task's input);
3. a worker for its task type (``@worker_task`` function or ``Worker``), run like the engine runs
   workers, with the virtual time visible through freezegun;
4. the engine itself, for system tasks (SWITCH, INLINE, JSON_JQ_TRANSFORM, HTTP, WAIT, ...).

When nothing can run now, the clock jumps to the next due timer (retry delay, WAIT duration,
callback). A run that cannot go on without outside help stops; its :class:`Execution` says which
tasks block it and why.
"""

from __future__ import annotations

import copy
from typing import Any, Dict, List, Mapping, Optional, Set, Tuple

from conductor_testkit.engine import Engine
from conductor_testkit.engine.decider import async_due_ms
from conductor_testkit.engine.task_types import unknown_type_note
from conductor_testkit.engine.test_endpoint import OPERATORS, apply_mock
from conductor_testkit.engine.worker_time import WorkerTimeFreezer
from conductor_testkit.models import Task
from conductor_testkit.testing.backend import BaseBackend
from conductor_testkit.testing.definition import task_types_by_ref, walk_tasks
from conductor_testkit.testing.execution import Blocker, Execution
from conductor_testkit.testing.mocks import Attempt, MockSet, TaskMocks, outcome_of_function

__all__ = ["LocalBackend"]

_MAX_STEPS = 200_000
_WORKER_ID = "conductor-testkit-harness"
_EMPTY = MockSet({}, {})
# container tasks: they wait for their children, which are reported instead
_CONTAINERS = frozenset(
    {"SUB_WORKFLOW", "DO_WHILE", "FORK", "FORK_JOIN", "FORK_JOIN_DYNAMIC", "SWITCH", "DECISION"}
)


class LocalBackend(BaseBackend):
    """Runs workflows on an in-memory :class:`~conductor_testkit.engine.Engine`.

    Args:
        engine: the engine to use (default: a fresh one with a virtual clock at 2024-01-01Z).
        seed: the id seed of a fresh engine (runs replay with the same ids).
    """

    name = "local"
    supports_functions = True

    def __init__(self, engine: Optional[Engine] = None, *, seed: int = 0) -> None:
        self.engine = engine if engine is not None else Engine(seed=seed)

    @property
    def clock(self) -> Any:
        """The engine's virtual clock."""
        return self.engine.clock

    def server_version(self) -> str:
        return "in-memory engine"

    @property
    def _registry(self) -> Engine:
        return self.engine

    def task_types(self, definition: Mapping[str, Any]) -> Dict[str, str]:
        """Reference name -> type of the definition and of the registered sub-workflows it starts."""
        return _types_with_children(self.engine, definition, set())

    def _run(
        self,
        definition: Mapping[str, Any],
        request: Dict[str, Any],
        mocks: MockSet,
        workers: Mapping[str, Any],
        task_to_domain: Dict[str, str],
    ) -> Execution:
        """Start the workflow (its definition inline, as the test endpoint does) and drive it."""
        engine = self.engine
        if task_to_domain:
            request["taskToDomain"] = task_to_domain
        # async system tasks of a mocked type (HTTP, WAIT, ...) must not run before the mock does:
        # the engine leaves those types to this driver for the run
        suppressed = _mocked_async_types(self.task_types(definition), mocks, engine.async_types)
        saved = engine.async_types
        engine.async_types = frozenset(saved - suppressed)
        try:
            workflow_id = engine.start_workflow(request)
            drive = _Drive(engine, workflow_id, mocks, dict(workers), suppressed)
            drive.run()
            blockers = drive.blockers()
            workflow = engine.get_workflow(workflow_id)
        finally:
            engine.async_types = saved
        return Execution(workflow, backend=self.name, blocked=blockers, unused_mocks=mocks.unused())

    def __repr__(self) -> str:
        return f"LocalBackend({self.engine.clock!r})"


def _types_with_children(engine: Engine, definition: Mapping[str, Any], seen: Set[str]) -> Dict[str, str]:
    types = task_types_by_ref(definition)
    for task in _sub_workflow_tasks(definition):
        params = task.get("subWorkflowParam") or {}
        name = params.get("name")
        if not name or params.get("workflowDefinition") is not None or name in seen:
            continue
        seen.add(str(name))
        child = engine.latest_workflow_def(str(name))
        if child is not None:
            for ref, ttype in _types_with_children(engine, child, seen).items():
                types.setdefault(ref, ttype)
    return types


def _sub_workflow_tasks(definition: Mapping[str, Any]) -> List[Mapping[str, Any]]:
    return [s.task for s in walk_tasks(list(definition.get("tasks") or [])) if s.type == "SUB_WORKFLOW"]


def _type_of(types: Mapping[str, str], ref: str) -> Optional[str]:
    if ref in types:
        return types[ref]
    index = ref.find("__")
    return types.get(ref[:index]) if index > 0 else None


def _mocked_async_types(types: Mapping[str, str], mocks: MockSet, async_types: Any) -> Set[str]:
    out: Set[str] = set()
    for ref in mocks.all_refs():
        ttype = _type_of(types, ref)
        if ttype is not None and ttype in async_types and ttype not in OPERATORS:
            out.add(ttype)
    return out


class _Drive:
    """The loop of one run: settle ready tasks, else move the clock, until nothing can happen."""

    def __init__(
        self,
        engine: Engine,
        workflow_id: str,
        mocks: MockSet,
        workers: Dict[str, Any],
        suppressed: Set[str],
    ) -> None:
        self.engine = engine
        self.root = engine.store.run(workflow_id)
        self.mocks = mocks
        self.workers = workers
        self.suppressed = suppressed
        self.freezer = WorkerTimeFreezer(engine.clock)
        self.steps = 0

    def run(self) -> None:
        try:
            while self.steps < _MAX_STEPS:
                self.steps += 1
                if self.root.is_terminal():
                    return
                family = self._family()
                if self._settle_one(family):
                    continue
                due = self._next_timer(family)
                if due is None:
                    return
                self.engine.clock.advance_to(due)
                for run, _ in family:
                    self.engine.decider.decide(run)
        finally:
            self.freezer.stop()

    def _family(self) -> List[Tuple[Any, MockSet]]:
        """The root run and its running sub-workflows, each with the mocks that apply to it."""
        out: List[Tuple[Any, MockSet]] = [(self.root, self.mocks)]
        index = 0
        runs = self.engine.store.runs
        while index < len(out):
            run, scope = out[index]
            index += 1
            for task in run.non_terminal():
                child_id = task.get("subWorkflowId")
                if task["taskType"] == "SUB_WORKFLOW" and child_id in runs:
                    out.append((runs[child_id], scope.sub_workflows.get(task["referenceTaskName"], _EMPTY)))
        return out

    # -- settling one task ----------------------------------------------------------------------

    def _settle_one(self, family: List[Tuple[Any, MockSet]]) -> bool:
        engine = self.engine
        now = engine.clock.now_ms()
        for run, scope in family:
            if run.is_terminal() or run.status != "RUNNING":
                continue
            for task in run.non_terminal():
                ttype = task["taskType"]
                handler = engine.system_handlers.get(ttype)
                if handler is None:
                    if task["status"] != "SCHEDULED" or engine.task_due_ms(task) > now:
                        continue
                    if self._settle_worker_task(run, scope, task):
                        return True
                elif ttype in self.suppressed:
                    mocks = scope.by_ref.get(task["referenceTaskName"])
                    attempt = mocks.take() if mocks is not None else None
                    if attempt is not None:
                        self._apply(run, task, attempt, polled=False)
                        return True
                    due = async_due_ms(handler, task, engine.env_for(run))
                    if due is not None and due <= now and engine.decider.evaluate_async(run, task):
                        engine.decider.decide(run)
                        return True
        return False

    def _settle_worker_task(self, run: Any, scope: MockSet, task: Dict[str, Any]) -> bool:
        mocks: Optional[TaskMocks] = scope.by_ref.get(task["referenceTaskName"])
        attempt = mocks.take() if mocks is not None else None
        if attempt is not None:
            self._apply(run, task, attempt, polled=attempt.function is not None)
            return True
        worker = self.workers.get(task["taskType"])
        if worker is None:
            return False
        self.engine.mark_polled(task, getattr(worker, "worker_id", None) or _WORKER_ID)
        model = Task.from_dict(self.engine.task_snapshot(task))
        self.freezer.move()
        result = worker.execute(model, raise_errors=(AssertionError,))
        data = result.to_dict() if hasattr(result, "to_dict") else dict(result)
        data["taskId"] = task["taskId"]
        data["workflowInstanceId"] = run.workflow_id
        if data.get("workerId") is None:
            data["workerId"] = task.get("workerId")
        self.engine.apply_task_result(run, task, data)
        return True

    def _apply(self, run: Any, task: Dict[str, Any], attempt: Attempt, *, polled: bool) -> None:
        if attempt.function is not None:
            self._call_function(run, task, attempt, polled)
        else:
            assert attempt.mock is not None
            apply_mock(self.engine, run, task, attempt.mock)

    def _call_function(self, run: Any, task: Dict[str, Any], attempt: Attempt, polled: bool) -> None:
        engine = self.engine
        if polled:
            engine.mark_polled(task, _WORKER_ID)
        function = attempt.function
        assert function is not None
        self.freezer.move()
        try:
            value = function(copy.deepcopy(task.get("inputData") or {}))
            status, output, reason, callback = outcome_of_function(value)
        except AssertionError:
            raise
        except Exception as exc:  # the function stands for a worker: its error fails the attempt
            status, output, reason, callback = "FAILED", {}, f"{type(exc).__name__}: {exc}", 0
        result = {
            "taskId": task["taskId"],
            "workflowInstanceId": run.workflow_id,
            "status": status,
            "outputData": output,
            "reasonForIncompletion": reason,
            "callbackAfterSeconds": callback,
            "workerId": task.get("workerId"),
        }
        engine.apply_task_result(run, task, result)

    # -- time -----------------------------------------------------------------------------------

    def _next_timer(self, family: List[Tuple[Any, MockSet]]) -> Optional[int]:
        engine = self.engine
        now = engine.clock.now_ms()
        best: Optional[int] = None
        for run, scope in family:
            if run.status != "RUNNING":
                continue
            env = engine.env_for(run)
            for task in run.non_terminal():
                handler = engine.system_handlers.get(task["taskType"])
                due: Optional[int] = None
                if handler is None:
                    if task["status"] == "SCHEDULED" and self._can_settle(scope, task):
                        due = engine.task_due_ms(task)
                elif handler.is_async:
                    due = async_due_ms(handler, task, env)
                if due is not None and due > now and (best is None or due < best):
                    best = due
        return best

    def _can_settle(self, scope: MockSet, task: Dict[str, Any]) -> bool:
        mocks = scope.by_ref.get(task["referenceTaskName"])
        if mocks is not None and not mocks.exhausted:
            return True
        return task["taskType"] in self.workers

    # -- why a run stopped ----------------------------------------------------------------------

    def blockers(self) -> List[Blocker]:
        if self.root.is_terminal():
            return []
        out: List[Blocker] = []
        for run, scope in self._family():
            if run.status == "PAUSED":
                out.append(Blocker("", "", "PAUSED", "the workflow is paused", run.workflow_id))
                continue
            for task in run.non_terminal():
                reason = self._why(scope, task)
                if reason is not None:
                    out.append(
                        Blocker(
                            task["referenceTaskName"],
                            task["taskType"],
                            task["status"],
                            reason,
                            run.workflow_id,
                        )
                    )
        joins = [b for b in out if b.task_type in ("JOIN", "EXCLUSIVE_JOIN")]
        if len(joins) < len(out):
            out = [b for b in out if b not in joins]
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

    def _why(self, scope: MockSet, task: Dict[str, Any]) -> Optional[str]:
        ref = task["referenceTaskName"]
        ttype = task["taskType"]
        if ttype in _CONTAINERS:
            return None
        mocks = scope.by_ref.get(ref)
        used_up = (
            f"its {mocks.given} mocked attempt(s) are used up; add more to mocks[{ref!r}]"
            if mocks is not None and mocks.exhausted
            else None
        )
        handler = self.engine.system_handlers.get(ttype)
        if handler is None:
            if used_up:
                return used_up
            return (
                f"no mock, mock function or worker for it (task type {ttype!r}); "
                f"pass mocks={{{ref!r}: ...}} or a worker for {ttype!r}" + unknown_type_note(task)
            )
        if used_up:
            return used_up
        if ttype == "WAIT":
            return f"the WAIT task waits for a signal; mock it: mocks={{{ref!r}: {{}}}}"
        if ttype == "HUMAN":
            return f"the HUMAN task waits to be completed; mock it: mocks={{{ref!r}: {{...}}}}"
        if ttype in ("JOIN", "EXCLUSIVE_JOIN"):
            join_on = (task.get("inputData") or {}).get("joinOn") or []
            return "waits for " + ", ".join(str(r) for r in join_on)
        return f"the {ttype} task waits to be completed; mock it: mocks={{{ref!r}: {{...}}}}"
