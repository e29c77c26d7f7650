"""run_until_blocked with in-process workers, the virtual clock and freezegun; test_workflow quirks."""

from __future__ import annotations

import time
from datetime import datetime, timezone
from typing import Any, Dict

from _engine_helpers import simple, system_task, wf

from conductor_testkit.engine import Engine, VirtualClock
from conductor_testkit.models import Task


def test_run_until_blocked_runs_plain_function_workers() -> None:
    def double(n: int) -> Dict[str, Any]:
        return {"doubled": n * 2}

    engine = Engine(workers={"t_a": double})
    definition = wf("w", [simple("a", inputParameters={"n": "${workflow.input.n}"})])
    out = engine.execute({"workflowDef": definition, "input": {"n": 21}})
    assert out["status"] == "COMPLETED"
    assert out["output"] == {"doubled": 42}


def test_blocked_outcome_names_task_without_worker() -> None:
    engine = Engine()
    wid = engine.start_workflow({"workflowDef": wf("w", [simple("a")])})
    outcome = engine.run_until_blocked(wid)
    assert outcome.status == "RUNNING"
    assert [(b.reference_task_name, b.task_type) for b in outcome.blocked] == [("a", "t_a")]
    assert "no mock, mock function or worker for it" in outcome.blocked[0].reason


def test_retry_delays_pass_on_the_virtual_clock() -> None:
    calls = []

    def flaky(task: Task) -> Dict[str, Any]:
        calls.append(task.retry_count)
        if len(calls) < 3:
            raise RuntimeError("not yet")
        return {"ok": True}

    engine = Engine(clock=VirtualClock(0), workers={"t_a": flaky})
    started = time.monotonic()
    out = engine.execute({"workflowDef": wf("w", [simple("a")])})
    assert out["status"] == "COMPLETED"
    assert calls == [0, 1, 2]
    assert engine.clock.now_ms() == 120_000  # two fixed 60 s retry delays
    assert time.monotonic() - started < 30  # no real sleep of 120 s happened


def test_worker_sees_virtual_time_after_six_hour_wait() -> None:
    seen = []

    def stamp() -> Dict[str, Any]:
        seen.append(datetime.now(timezone.utc))
        return {}

    start = datetime(2030, 1, 1, tzinfo=timezone.utc)
    engine = Engine(clock=VirtualClock(start), workers={"t_after": stamp})
    wait = system_task("wait", "WAIT", inputParameters={"duration": "6 hours"})
    out = engine.execute({"workflowDef": wf("w", [wait, simple("after")])})
    assert out["status"] == "COMPLETED"
    assert seen[0] >= datetime(2030, 1, 1, 6, tzinfo=timezone.utc)
    assert seen[0] < datetime(2030, 1, 1, 6, 1, tzinfo=timezone.utc)


def test_test_workflow_missing_mock_returns_running_workflow() -> None:
    out = Engine().test_workflow(
        {
            "workflowDef": wf("w", [simple("a"), simple("b")]),
            "taskRefToMockOutput": {"a": [{"status": "COMPLETED", "output": {}}]},
        }
    )
    assert out["status"] == "RUNNING"
    assert [t["referenceTaskName"] for t in out["tasks"]] == ["a", "b"]


def test_test_workflow_gives_worker_tasks_a_random_star_domain() -> None:
    out = Engine().test_workflow({"workflowDef": wf("w", [simple("a")]), "taskRefToMockOutput": {}})
    assert out["tasks"][0]["domain"] == out["taskToDomain"]["*"]


def test_failed_mock_on_ad_hoc_task_needs_a_second_mock_for_the_retry() -> None:
    out = Engine().test_workflow(
        {
            "workflowDef": wf("w", [simple("a")]),
            "taskRefToMockOutput": {
                "a": [{"status": "FAILED", "output": {}}, {"status": "COMPLETED", "output": {"v": 1}}]
            },
        }
    )
    assert out["status"] == "COMPLETED"
    assert [(t["retryCount"], t["status"]) for t in out["tasks"]] == [(0, "FAILED"), (1, "COMPLETED")]
    assert out["failedReferenceTaskNames"] == ["a"]


def _fork_order(engine: Engine) -> list:
    order = []

    def make(name: str) -> Any:
        def run() -> Dict[str, Any]:
            order.append(name)
            return {}

        return run

    for name in ("t_a", "t_b", "t_c"):
        engine.add_workers({name: make(name)})
    fork = system_task("f", "FORK_JOIN", forkTasks=[[simple("a")], [simple("b")], [simple("c")]])
    join = {"name": "j", "taskReferenceName": "j", "type": "JOIN", "joinOn": ["a", "b", "c"]}
    assert engine.execute({"workflowDef": wf("w", [fork, join])})["status"] == "COMPLETED"
    return order


def test_ready_tasks_run_in_definition_order_by_default() -> None:
    assert _fork_order(Engine()) == ["t_a", "t_b", "t_c"]


def test_shuffle_ready_explores_orders_reproducibly_per_seed() -> None:
    orders = {tuple(_fork_order(Engine(seed=s, shuffle_ready=True))) for s in range(12)}
    assert len(orders) > 1
    assert _fork_order(Engine(seed=3, shuffle_ready=True)) == _fork_order(Engine(seed=3, shuffle_ready=True))
