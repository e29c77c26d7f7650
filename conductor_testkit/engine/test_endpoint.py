"""``POST /workflow/test`` on the engine (WorkflowTestService, CONDUCTOR_SEMANTICS.md §6).

The loop is the server's, step for step, including its quirks: mocks are consumed one per
running attempt, a non-operator task without a mock key stops the run (RUNNING, no error), an
empty mock map ends after one pass, and the workflow returned is the one fetched at the start of
the last iteration (so possibly one step stale). The virtual clock does not move.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Dict, List, Optional

from conductor_testkit.engine.decider import async_due_ms
from conductor_testkit.engine.errors import EngineIllegalState
from conductor_testkit.engine.gc_pause import gc_paused
from conductor_testkit.engine.run import TERMINAL, WorkflowRun, json_copy

if TYPE_CHECKING:  # pragma: no cover
    from conductor_testkit.engine.engine import Engine

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
MAX_LOOPS = 20_000
# async system tasks the server's background worker finishes without a mock during a test run
TEST_ASYNC_TYPES = frozenset({"JOIN", "SUB_WORKFLOW"})


class _TestRequest:
    """The mutable mock state of one (sub-)workflow test request."""

    def __init__(self, request: Dict[str, Any]) -> None:
        raw = request.get("taskRefToMockOutput") or {}
        self.mocks: Dict[str, List[Dict[str, Any]]] = {
            str(ref): [dict(m or {}) for m in (lst or [])] for ref, lst in raw.items()
        }
        self.subs: Dict[str, _TestRequest] = {
            str(ref): _TestRequest(dict(sub or {}))
            for ref, sub in (request.get("subWorkflowTestRequest") or {}).items()
        }


def test_workflow(engine: Engine, request: Dict[str, Any]) -> Dict[str, Any]:
    """Start the workflow with a random ``*`` domain and apply the mocks like the server."""
    req = dict(request)
    if "taskToDomain" in req and req["taskToDomain"] is None:
        raise EngineIllegalState("taskToDomain must not be null in a workflow test request")
    task_to_domain = dict(req.get("taskToDomain") or {})
    task_to_domain["*"] = engine.ids.generate()
    req["taskToDomain"] = task_to_domain
    state = _TestRequest(req)
    saved = engine.async_types
    # the server's background worker finishes JOIN / SUB_WORKFLOW between the loop's iterations
    engine.async_types = frozenset()
    try:
        with gc_paused():  # only engine code and mocks run here
            workflow_id = engine.start_workflow(req)
            return _loop(engine, engine.store.run(workflow_id), state)
    finally:
        engine.async_types = saved


def _loop(engine: Engine, run: WorkflowRun, state: _TestRequest) -> Dict[str, Any]:
    mocks = state.mocks
    loops = 0
    while True:
        loops += 1
        if loops > MAX_LOOPS:
            return engine.workflow_snapshot(run)
        if loops > 1:
            _background_sweep(engine, run)
        open_tasks = run.non_terminal()
        terminal_at_fetch = run.is_terminal()
        for t in open_tasks:
            if t["taskType"] not in OPERATORS and t["referenceTaskName"] not in mocks:
                return engine.workflow_snapshot(run)
        snapshot: Optional[Dict[str, Any]] = None
        if _may_empty(open_tasks, mocks):
            snapshot = engine.workflow_snapshot(run)
        for t in open_tasks:
            ref = t["referenceTaskName"]
            if t["taskType"] == "SUB_WORKFLOW":
                child_id = t.get("subWorkflowId")
                sub = state.subs.get(ref)
                if child_id and sub is not None and child_id in engine.store.runs:
                    _loop(engine, engine.store.runs[child_id], sub)
            lst = mocks.get(ref)
            if not lst or t["taskType"] in OPERATORS:
                mocks.pop(ref, None)
                engine.decider.decide(run)
                continue
            apply_mock(engine, run, t, lst.pop(0))
        if terminal_at_fetch or not mocks:
            return snapshot if snapshot is not None else engine.workflow_snapshot(run)


def _background_sweep(engine: Engine, root: WorkflowRun) -> None:
    """What the server's system-task worker does between two iterations: due JOIN/SUB_WORKFLOW."""
    runs = [root]
    i = 0
    while i < len(runs):
        run = runs[i]
        i += 1
        if run.is_terminal():
            continue
        for t in run.non_terminal():
            if t["taskType"] not in TEST_ASYNC_TYPES:
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


def _may_empty(open_tasks: List[Dict[str, Any]], mocks: Dict[str, List[Dict[str, Any]]]) -> bool:
    """Whether this iteration can remove every mock key (then its fetch is what is returned)."""
    if not mocks:
        return True
    removable = {
        t["referenceTaskName"]
        for t in open_tasks
        if t["taskType"] in OPERATORS or not mocks.get(t["referenceTaskName"])
    }
    return all(k in removable for k in mocks)


def apply_mock(engine: Engine, run: WorkflowRun, task: Dict[str, Any], mock: Dict[str, Any]) -> None:
    """Settle ``task`` with one TaskMock the way the server's test endpoint does (§6).

    With ``executionTime``/``queueWaitTime`` the stored task is edited directly and a decide
    follows; otherwise a TaskResult built from the task goes through the normal update path.
    The harness (conductor_testkit.testing.local) settles its mocks with this too.
    """
    status = str(mock.get("status") or "COMPLETED")
    output = mock.get("output")
    if output is None and "output" in mock:
        raise EngineIllegalState(f"mock for task {task['referenceTaskName']!r} has a null output")
    output = dict(output or {})
    execution_time = int(mock.get("executionTime") or 0)
    queue_wait = int(mock.get("queueWaitTime") or 0)
    now = engine.clock.now_ms()
    if execution_time > 0 or queue_wait > 0:
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
