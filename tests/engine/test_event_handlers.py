"""Event handlers run on conductor-queue messages (engine/event_handlers.py)."""

from __future__ import annotations

from typing import Any, Dict, List

from conductor_testkit.engine import Engine
from conductor_testkit.engine.event_handlers import deliver_events


def _publisher(engine: Engine, *, async_complete: bool = False) -> str:
    event: Dict[str, Any] = {
        "name": "ev",
        "taskReferenceName": "ev",
        "type": "EVENT",
        "sink": "conductor:q",
        "inputParameters": {"p": "${workflow.input.p}"},
    }
    if async_complete:
        event["asyncComplete"] = True
    engine.register_workflow_def(
        {
            "name": "pub",
            "version": 1,
            "tasks": [event, {"name": "w", "taskReferenceName": "wait", "type": "WAIT"}],
        }
    )
    return engine.start_workflow({"name": "pub", "version": 1, "input": {"p": "x"}})


def _complete_wait(active: bool = True) -> List[Dict[str, Any]]:
    return [
        {
            "name": "h",
            "event": "conductor:pub:q",
            "active": active,
            "actions": [
                {
                    "action": "complete_task",
                    "complete_task": {
                        "workflowId": "${workflowInstanceId}",
                        "taskRefName": "wait",
                        "output": {"got": "${p}"},
                    },
                }
            ],
        }
    ]


def test_a_message_waits_until_an_active_handler_listens() -> None:
    engine = Engine()
    workflow_id = _publisher(engine)
    assert deliver_events(engine, _complete_wait(active=False)) == []
    assert engine.get_workflow(workflow_id)["status"] == "RUNNING"
    (execution,) = deliver_events(engine, _complete_wait())
    assert execution.status == "COMPLETED" and execution.action == "complete_task"
    workflow = engine.get_workflow(workflow_id)
    assert workflow["status"] == "COMPLETED"
    assert workflow["tasks"][-1]["outputData"]["got"] == "x"
    assert deliver_events(engine, _complete_wait()) == []  # consumed once


def test_cancelling_an_async_complete_event_task_withdraws_its_message() -> None:
    engine = Engine()
    workflow_id = _publisher(engine, async_complete=True)
    assert len(engine.conductor_queues.waiting()) == 1
    engine.terminate_workflow(workflow_id, "stop")
    assert engine.conductor_queues.waiting() == []


def test_an_action_on_a_missing_task_reports_it_without_raising() -> None:
    engine = Engine()
    _publisher(engine)
    handlers = _complete_wait()
    handlers[0]["actions"][0]["complete_task"]["taskRefName"] = "nope"
    (execution,) = deliver_events(engine, handlers)
    assert execution.status == "COMPLETED"
    assert execution.output["error"].startswith("No task found with taskId: null, reference name: nope")
