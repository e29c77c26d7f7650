"""Finished runs leave memory (archived) and stay readable; polling does not walk history."""

from __future__ import annotations

import gc
from typing import Any, Dict, List

from _engine_helpers import simple, wf

from conductor_testkit.engine import Engine
from conductor_testkit.engine.rest import RestRequest, RestRouter

DEFINITION = wf(
    "archive_flow",
    [
        simple("work", name="work"),
        {
            "name": "note",
            "taskReferenceName": "note",
            "type": "SET_VARIABLE",
            "inputParameters": {"seen": "${work.output.value}"},
        },
    ],
)


def _finish(engine: Engine, count: int, correlation: str = "c") -> List[str]:
    ids = []
    for i in range(count):
        workflow_id = engine.start_workflow(
            {"name": "archive_flow", "input": {"i": i}, "correlationId": f"{correlation}{i % 3}"}
        )
        (task,) = engine.poll("work", "w1")
        engine.update_task(
            {
                "taskId": task["taskId"],
                "workflowInstanceId": workflow_id,
                "status": "COMPLETED",
                "outputData": {"value": i},
            }
        )
        ids.append(workflow_id)
    return ids


def _engine(finished_in_memory: int = 3) -> Engine:
    engine = Engine(finished_runs_in_memory=finished_in_memory)
    engine.register_workflow_def(DEFINITION)
    return engine


def test_finished_runs_beyond_the_bound_leave_memory() -> None:
    engine = _engine()
    _finish(engine, 600)
    assert engine.store.archived_count > 300
    assert len(engine.store.runs) < 300  # archived every few hundred starts, down to 3 finished


def test_an_archived_run_reads_back_exactly_as_before() -> None:
    engine = _engine()
    first = _finish(engine, 1)[0]
    before = engine.get_workflow(first)
    task_id = before["tasks"][0]["taskId"]
    task_before = engine.get_task(task_id)
    _finish(engine, 600)
    assert first not in engine.store.runs.keys()  # archived
    assert first in engine.store.runs
    assert engine.get_workflow(first) == before
    assert engine.get_task(task_id) == task_before
    assert first in engine.store.runs.keys()  # back in memory


def test_an_archived_run_can_be_restarted_and_polled_again() -> None:
    engine = _engine()
    first = _finish(engine, 1)[0]
    _finish(engine, 600)
    engine.restart_workflow(first)
    (task,) = engine.poll("work", "w2")
    assert task["workflowInstanceId"] == first
    assert engine.get_workflow(first)["status"] == "RUNNING"


def test_a_run_still_held_comes_back_as_the_same_object() -> None:
    engine = _engine()
    first = _finish(engine, 1)[0]
    held = engine.store.run(first)
    _finish(engine, 600)
    assert engine.store.run(first) is held


def test_runs_left_unfinished_are_never_archived() -> None:
    engine = _engine(finished_in_memory=0)
    waiting = engine.start_workflow({"name": "archive_flow", "input": {}})
    (held,) = engine.poll("work", "slow-worker")  # IN_PROGRESS while others finish
    _finish(engine, 600)
    assert waiting in engine.store.runs.keys()
    engine.update_task({"taskId": held["taskId"], "workflowInstanceId": waiting, "status": "COMPLETED"})
    assert engine.get_workflow(waiting)["status"] == "COMPLETED"


def test_polling_walks_only_runs_that_may_hold_work() -> None:
    engine = _engine(finished_in_memory=None)  # nothing archived: history stays in memory
    _finish(engine, 300)
    assert len(engine.store.runs) == 300
    assert engine.store.pollable_runs() == []
    assert engine.poll("work", "w1") == []


def test_search_and_correlation_include_archived_runs() -> None:
    engine = _engine()
    ids = _finish(engine, 600)
    router = RestRouter(engine)
    found = router.handle(
        RestRequest(
            "GET", "/workflow/search", {"query": ["workflowType IN (archive_flow)"], "size": ["1000"]}
        )
    ).json()
    assert found["totalHits"] == 600
    assert [r["workflowId"] for r in found["results"]] == ids  # creation order
    correlated = router.handle(
        RestRequest("GET", "/workflow/archive_flow/correlated/c0", {"includeClosed": ["true"]})
    ).json()
    assert len(correlated) == 200


def test_removing_an_archived_run_forgets_it() -> None:
    engine = _engine()
    first = _finish(engine, 1)[0]
    _finish(engine, 600)
    engine.remove_workflow(first)
    assert first not in engine.store.runs


def test_without_a_bound_every_run_stays_in_memory() -> None:
    engine = _engine(finished_in_memory=None)
    _finish(engine, 300)
    assert engine.store.archived_count == 0


def test_a_run_holding_objects_that_cannot_be_pickled_stays_in_memory() -> None:
    engine = _engine(finished_in_memory=0)
    workflow_id = engine.start_workflow({"name": "archive_flow", "input": {}})
    (task,) = engine.poll("work", "w1")
    output: Dict[str, Any] = {"lock": __import__("threading").Lock()}
    engine.update_task(
        {
            "taskId": task["taskId"],
            "workflowInstanceId": workflow_id,
            "status": "COMPLETED",
            "outputData": output,
        }
    )
    _finish(engine, 300)
    gc.collect()
    assert workflow_id in engine.store.runs.keys()
