"""``POST /workflow/test`` on the engine: the server's WorkflowTestService loop, as a settle step.

The loop is the server's, step for step, including its quirks: mocks are consumed one per
running attempt, a non-operator task without a mock key stops the run (RUNNING, no error), an
empty mock map ends after one pass, and the workflow returned is the one fetched at the start of
the last iteration (so possibly one step stale). The virtual clock does not move. Between two
iterations the server's background worker finishes due JOIN and SUB_WORKFLOW tasks; every other
async system task (WAIT, HTTP, ...) waits for its mock. See docs/semantics.md, "The test
endpoint".
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Dict, List, Optional

from conductor_testkit.engine.decider import async_due_ms
from conductor_testkit.engine.deferred_snapshot import DeferredSnapshot
from conductor_testkit.engine.driver import Drive, RunOutcome
from conductor_testkit.engine.gc_pause import gc_paused
from conductor_testkit.engine.requests_check import check_mock_attempt
from conductor_testkit.engine.run import TERMINAL, RunState, TaskDict, json_copy
from conductor_testkit.engine.settle import (
    OPERATORS,
    Settler,
    apply_mock,
    default_block_reason,
    goes_through_task_result,
)

if TYPE_CHECKING:  # pragma: no cover
    from conductor_testkit.engine.engine import Engine

__all__ = ["MAX_LOOPS", "OPERATORS", "WorkflowTestSettler", "run_workflow_test"]

MAX_LOOPS = 20_000
# async system tasks the server's background worker finishes without a mock during a test run
_BACKGROUND_TYPES = frozenset({"JOIN", "SUB_WORKFLOW"})


class _TestRequest:
    """The mutable mock state of one (sub-)workflow test request, as checked by
    ``Engine.check_test_request``: attempts stay as given (a null one fails when it is applied)."""

    def __init__(self, request: Dict[str, Any]) -> None:
        raw = request.get("taskRefToMockOutput") or {}
        self.mocks: Dict[str, List[Any]] = {str(ref): list(lst or []) for ref, lst in raw.items()}
        # attempts taken so far per reference: the index an error names
        self.taken: Dict[str, int] = {}
        self.subs: Dict[str, _TestRequest] = {
            str(ref): _TestRequest(dict(sub or {}))
            for ref, sub in (request.get("subWorkflowTestRequest") or {}).items()
        }

    def take(self, ref: str, workflow: str) -> Dict[str, Any]:
        """The next mocked attempt of ``ref`` in ``workflow``, failing as the server's loop does on
        one it cannot apply."""
        attempt = self.taken.get(ref, 0)
        self.taken[ref] = attempt + 1
        mock = self.mocks[ref].pop(0)
        check_mock_attempt(mock, ref, attempt, workflow=workflow)
        return dict(mock)

    def unused(self, prefix: str = "") -> Dict[str, int]:
        out = {prefix + ref: len(lst) for ref, lst in self.mocks.items() if lst}
        for ref, sub in self.subs.items():
            out.update(sub.unused(f"{prefix}{ref}/"))
        return out


def run_workflow_test(engine: Engine, request: Dict[str, Any]) -> RunOutcome:
    """Start the workflow with a random ``*`` domain and apply the mocks like the server.

    ``request`` is one ``Engine.check_test_request`` read (null ``taskToDomain`` and mock map
    already refused there).
    """
    req = dict(request)
    task_to_domain = dict(req.get("taskToDomain") or {})
    task_to_domain["*"] = engine.ids.generate()
    req["taskToDomain"] = task_to_domain
    settler = WorkflowTestSettler(_TestRequest(req))
    with gc_paused():  # only engine code and mocks run here
        run = engine.start_run(req, settler)
        return Drive(engine, run, settler).run()


class WorkflowTestSettler(Settler):
    """The settle step of ``POST /workflow/test``: one step is one iteration of the server's loop."""

    moves_clock = False

    def __init__(self, state: _TestRequest) -> None:
        super().__init__()
        self.state = state
        self._loop: Optional[_ServerLoop] = None
        self._answer: Optional[Dict[str, Any]] = None

    def claims(self, run: RunState, task: TaskDict) -> bool:
        # the server's system-task workers never see the test run's tasks (they are queued in the
        # test's random domain): every async task waits for its mock or the background sweep
        return True

    def for_started(self, failure_workflow: bool) -> Settler:
        # a failure workflow or START_WORKFLOW run inherits the test's random domain on the
        # server, so its async tasks are never picked up either
        return self

    def finished(self, drive: Drive) -> bool:
        return self._answer is not None

    def step(self, drive: Drive) -> bool:
        if self._loop is None:
            self._loop = _ServerLoop(drive.engine, drive.root, self.state)
        self._answer = self._loop.iterate()
        return self._answer is None

    def result(self, drive: Drive) -> DeferredSnapshot:
        if self._answer is not None:
            return DeferredSnapshot(self._answer)
        return drive.engine.deferred_snapshot(drive.root)

    def why_blocked(self, engine: Engine, run: RunState, task: TaskDict) -> str:
        if task["taskType"] not in OPERATORS and task["referenceTaskName"] not in self.state.mocks:
            return "the test endpoint stops at a task without a mock; " + default_block_reason(engine, task)
        return default_block_reason(engine, task)

    def unused(self) -> Dict[str, int]:
        return self.state.unused()


class _ServerLoop:
    """WorkflowTestService's loop over one (sub-)workflow and its mock state."""

    def __init__(self, engine: Engine, run: RunState, state: _TestRequest) -> None:
        self.engine = engine
        self.run = run
        self.state = state
        self.loops = 0

    def to_end(self) -> Dict[str, Any]:
        while True:
            answer = self.iterate()
            if answer is not None:
                return answer

    def iterate(self) -> Optional[Dict[str, Any]]:
        """One iteration; the workflow the endpoint answers with when the loop ends, else None."""
        engine, run, mocks = self.engine, self.run, self.state.mocks
        self.loops += 1
        if self.loops > MAX_LOOPS:
            return engine.workflow_snapshot(run)
        if self.loops > 1:
            _background_sweep(engine, run)
        open_tasks = run.non_terminal()
        terminal_at_fetch = run.is_terminal()
        for t in open_tasks:
            if t["taskType"] not in OPERATORS and t["referenceTaskName"] not in mocks:
                return engine.workflow_snapshot(run)
        snapshot: Optional[Dict[str, Any]] = None
        if _may_empty(open_tasks, mocks):
            snapshot = engine.workflow_snapshot(run)
        # task id -> output of a mock applied as a TaskResult in this iteration (see _fetched)
        result_outputs: Dict[str, Dict[str, Any]] = {}
        for t in open_tasks:
            ref = t["referenceTaskName"]
            if t["taskType"] == "SUB_WORKFLOW":
                child_id = t.get("subWorkflowId")
                sub = self.state.subs.get(ref)
                if child_id and sub is not None and child_id in engine.store.runs:
                    _ServerLoop(engine, engine.store.runs[child_id], sub).to_end()
            lst = mocks.get(ref)
            if not lst or t["taskType"] in OPERATORS:
                mocks.pop(ref, None)
                engine.decider.decide(run)
                continue
            mock = self.state.take(ref, str(run.wf.get("workflowName")))
            if goes_through_task_result(mock):
                result_outputs.setdefault(t["taskId"], {}).update(json_copy(mock.get("output") or {}))
            apply_mock(engine, run, t, mock)
        if terminal_at_fetch or not mocks:
            fetched = snapshot if snapshot is not None else engine.workflow_snapshot(run)
            return _with_result_outputs(fetched, result_outputs)
        return None


def _with_result_outputs(fetched: Dict[str, Any], outputs: Dict[str, Dict[str, Any]]) -> Dict[str, Any]:
    """The workflow the endpoint returns, as the loop left it: ``new TaskResult(task)`` shares
    the fetched task's outputData map, so the output of every mock applied as a TaskResult in
    the last iteration shows on that task, even when the update was ignored (the workflow had
    ended) and whatever its status (WorkflowTestService.testWorkflow, TaskResult(Task))."""
    for task in fetched.get("tasks") or []:
        output = outputs.get(task.get("taskId"))
        if output:
            task.setdefault("outputData", {}).update(output)
    return fetched


def _background_sweep(engine: Engine, root: RunState) -> None:
    """What the server's system-task worker does between two iterations: due JOIN/SUB_WORKFLOW."""
    runs = [root]
    i = 0
    while i < len(runs):
        run = runs[i]
        i += 1
        if run.is_terminal():
            continue
        for t in run.non_terminal():
            if t["taskType"] not in _BACKGROUND_TYPES:
                continue
            handler = engine.system_handlers.get(t["taskType"])
            if handler is None:
                continue
            if t["taskType"] == "SUB_WORKFLOW" and t.get("subWorkflowId") in engine.store.runs:
                runs.append(engine.store.runs[t["subWorkflowId"]])
            if t["status"] in TERMINAL:
                continue
            due = async_due_ms(handler, t, engine.env_for(run))
            if due is not None and due <= engine.clock.now_ms():
                if engine.decider.evaluate_async(run, t):
                    # each finished async task is followed by a decide before the next one
                    engine.decider.decide(run)
            if run.is_terminal():
                break


def _may_empty(open_tasks: List[Dict[str, Any]], mocks: Dict[str, List[Any]]) -> bool:
    """Whether this iteration can remove every mock key (then its fetch is what is returned)."""
    if not mocks:
        return True
    removable = {
        t["referenceTaskName"]
        for t in open_tasks
        if t["taskType"] in OPERATORS or not mocks.get(t["referenceTaskName"])
    }
    return all(k in removable for k in mocks)
