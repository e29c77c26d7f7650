"""Poll limits: concurrentExecLimit (every server) and task rate limits (opt-in, as on Redis)."""

from __future__ import annotations

from typing import Any, Dict, List

from conductor_testkit.engine import Engine


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
