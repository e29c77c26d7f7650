"""Poll limits: concurrentExecLimit (every server) and task rate limits (opt-in, as on Redis)."""

from __future__ import annotations

from typing import Any, Dict, List

import pytest

from conductor_testkit.engine import Engine, VirtualClock
from conductor_testkit.models import Task, TaskResult
from conductor_testkit.worker.context import TaskInProgress


def _engine(task_def: Dict[str, Any], *, rate_limits: bool = False) -> Engine:
    engine = Engine(task_rate_limits=rate_limits)
    engine.register_task_def({"name": "limited", "retryCount": 0, **task_def})
    engine.register_workflow_def(
        {
            "name": "wf",
            "version": 1,
            "tasks": [
                {
                    "name": "limited",
                    "taskReferenceName": "t",
                    "type": "SIMPLE",
                    "inputParameters": {"n": "${workflow.input.n}"},
                }
            ],
        }
    )
    return engine


def _start(engine: Engine, count: int) -> List[str]:
    return [engine.start_workflow({"name": "wf", "version": 1, "input": {"n": i}}) for i in range(count)]


def _complete(engine: Engine, task: Dict[str, Any]) -> None:
    engine.update_task(
        {"taskId": task["taskId"], "workflowInstanceId": task["workflowInstanceId"], "status": "COMPLETED"}
    )


def test_concurrent_exec_limit_hands_out_the_oldest_and_postpones_the_rest() -> None:
    engine = _engine({"concurrentExecLimit": 2})
    _start(engine, 3)
    first = engine.poll("limited", count=3)
    assert [t["inputData"]["n"] for t in first] == [0, 1]
    assert engine.poll("limited", count=3) == []
    _complete(engine, first[0])
    # the freed slot makes the first queued task due at once
    assert [t["inputData"]["n"] for t in engine.poll("limited", count=3)] == [2]


def test_a_held_back_task_waits_the_postpone_when_no_slot_frees() -> None:
    engine = _engine({"concurrentExecLimit": 1})
    _start(engine, 2)
    assert len(engine.poll("limited", count=2)) == 1
    engine.clock.advance(59)
    assert engine.poll("limited") == []
    engine.clock.advance(2)
    assert engine.poll("limited") == []  # due again, but the slot is still taken: postponed again


def test_rate_limits_are_not_applied_by_default_like_the_sql_backed_servers() -> None:
    engine = _engine({"rateLimitPerFrequency": 1, "rateLimitFrequencyInSeconds": 60})
    _start(engine, 2)
    assert len(engine.poll("limited", count=2)) == 2


def test_rate_limits_when_enabled_count_tasks_handed_out_per_window() -> None:
    engine = _engine({"rateLimitPerFrequency": 1, "rateLimitFrequencyInSeconds": 60}, rate_limits=True)
    _start(engine, 2)
    first = engine.poll("limited", count=2)
    assert len(first) == 1
    _complete(engine, first[0])
    assert engine.poll("limited") == []
    engine.clock.advance(61)
    assert len(engine.poll("limited")) == 1


# -- in-process workers and mock functions poll too ------------------------------------------------


def _forked_pair(limit: int) -> Dict[str, Any]:
    """Two forked tasks of the TaskDef ``limited`` (references a, b) under ``concurrentExecLimit``."""
    task_def = {"name": "limited", "retryCount": 0, "concurrentExecLimit": limit}
    branch = [
        {"name": "limited", "taskReferenceName": ref, "type": "SIMPLE", "taskDefinition": task_def}
        for ref in ("a", "b")
    ]
    return {
        "name": "limited_pair",
        "version": 1,
        "tasks": [
            {
                "name": "fork",
                "taskReferenceName": "fork",
                "type": "FORK_JOIN",
                "forkTasks": [[t] for t in branch],
            },
            {"name": "join", "taskReferenceName": "join", "type": "JOIN", "joinOn": ["a", "b"]},
        ],
    }


def _slow_then_done(polls: List[Any], engine: Engine) -> Any:
    """A worker that asks to be called back in 10 s once, then completes; records each poll."""

    def work(task: Task) -> Any:
        ref = task.reference_task_name
        polls.append((ref, engine.clock.now_ms()))
        if polls == [("a", 0)]:  # a's first poll
            return TaskInProgress(callback_after_seconds=10)
        return {"done": ref}

    return work


@pytest.mark.parametrize("limit", [1, 0])
def test_in_process_workers_are_held_to_the_concurrent_exec_limit(limit: int) -> None:
    engine = Engine(clock=VirtualClock(0))
    polls: List[Any] = []
    engine.add_workers({"limited": _slow_then_done(polls, engine)})
    out = engine.execute({"workflowDef": _forked_pair(limit)})
    assert out["status"] == "COMPLETED"
    if limit:
        # b is not among the first 1 open task of 'limited' while a waits for its callback; a's
        # completion frees the slot and makes b due at once (not after the 60 s postpone)
        assert polls == [("a", 0), ("a", 10_000), ("b", 10_000)]
    else:
        assert polls == [("a", 0), ("b", 0), ("a", 10_000)]


def test_mock_functions_are_held_to_the_limit_and_wire_mocks_are_not() -> None:
    engine = Engine(clock=VirtualClock(0))
    calls: List[Any] = []

    def function_of(ref: str) -> Any:
        def call(task_input: Dict[str, Any]) -> Any:
            calls.append((ref, engine.clock.now_ms()))
            if ref == "a" and len(calls) == 1:
                return TaskResult(status="IN_PROGRESS", callback_after_seconds=10)
            return {"ref": ref}

        return call

    functions = engine.run_workflow(
        {"workflowDef": _forked_pair(1)}, mocks={"a": function_of("a"), "b": function_of("b")}
    )
    assert functions.status == "COMPLETED"
    assert calls == [("a", 0), ("a", 10_000), ("b", 10_000)]
    # a wire mock is applied as the test endpoint applies it, with no poll: no limit
    wire = engine.run_workflow(
        {"workflowDef": _forked_pair(1)},
        mocks={"a": [{"status": "IN_PROGRESS", "output": {}}, {"output": {}}], "b": {"output": {}}},
    )
    assert wire.status == "COMPLETED"
    # b, not among the first open task of 'limited' while a is open again, is settled at once:
    # the clock stays where the first run left it (a postpone would have moved it 60 s)
    ended = {t["referenceTaskName"]: t["endTime"] for t in wire.workflow["tasks"]}
    assert ended["a"] == ended["b"] == engine.clock.now_ms() == 10_000


def test_a_drive_stops_on_a_task_held_back_by_a_slot_nothing_in_it_frees() -> None:
    engine = _engine({"concurrentExecLimit": 1})
    engine.add_workers({"limited": lambda task: {"done": True}})
    _start(engine, 1)
    taken = engine.poll("limited")  # an outside worker holds the only slot
    assert len(taken) == 1
    outcome = engine.run_workflow({"name": "wf", "version": 1, "input": {"n": 1}})
    assert outcome.status == "RUNNING"
    (blocker,) = outcome.blocked
    assert "held back by the concurrentExecLimit (1) of task definition 'limited'" in str(blocker)
    _complete(engine, taken[0])  # the slot frees: the engine's worker takes the held-back task
    assert engine.get_workflow(outcome.workflow_id)["status"] == "RUNNING"
    assert engine.run_until_blocked(outcome.workflow_id).status == "COMPLETED"
