"""Each system task type end to end through the in-memory Engine (start -> run -> result)."""

from __future__ import annotations

from typing import Any, Dict, List, Optional

import pytest
import responses

from conductor_testkit.engine.engine import Engine
from conductor_testkit.engine.errors import EngineBadRequest


def request(tasks: List[Dict[str, Any]], workflow_input: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
    return {
        "name": "st_e2e",
        "version": 1,
        "input": workflow_input or {},
        "workflowDef": {"name": "st_e2e", "version": 1, "schemaVersion": 2, "tasks": tasks},
    }


def task_of(workflow: Dict[str, Any], ref: str) -> Dict[str, Any]:
    return next(t for t in workflow["tasks"] if t["referenceTaskName"] == ref)


def test_inline_result_feeds_the_next_task_and_the_workflow_output() -> None:
    wf = Engine().execute(
        request(
            [
                {
                    "name": "i",
                    "taskReferenceName": "i",
                    "type": "INLINE",
                    "inputParameters": {"expression": "$.n * 2", "n": "${workflow.input.n}"},
                },
                {
                    "name": "j",
                    "taskReferenceName": "j",
                    "type": "JSON_JQ_TRANSFORM",
                    "inputParameters": {"queryExpression": ".v + 1", "v": "${i.output.result}"},
                },
            ],
            {"n": 4},
        )
    )
    assert wf["status"] == "COMPLETED"
    assert task_of(wf, "i")["outputData"] == {"result": 8}
    assert wf["output"] == {"result": 9, "resultList": [9]}


def test_inline_script_error_fails_the_workflow_with_the_task_reason() -> None:
    wf = Engine().execute(
        request(
            [
                {
                    "name": "i",
                    "taskReferenceName": "i",
                    "type": "INLINE",
                    "inputParameters": {"expression": "$.a.b.c"},
                }
            ]
        )
    )
    task = task_of(wf, "i")
    assert task["status"] == "FAILED_WITH_TERMINAL_ERROR"
    assert wf["status"] == "FAILED"
    assert task["reasonForIncompletion"] in wf["reasonForIncompletion"]


def test_lambda_and_noop_complete_in_one_run() -> None:
    wf = Engine().execute(
        request(
            [
                {
                    "name": "l",
                    "taskReferenceName": "l",
                    "type": "LAMBDA",
                    "inputParameters": {"scriptExpression": "return $.x + 1", "x": 1},
                },
                {"name": "n", "taskReferenceName": "n", "type": "NOOP", "inputParameters": {"ignored": 1}},
            ]
        )
    )
    assert wf["status"] == "COMPLETED"
    assert task_of(wf, "l")["outputData"] == {"result": 2}
    assert task_of(wf, "n")["inputData"] == {}


def test_event_is_published_to_the_engine_record() -> None:
    engine = Engine()
    wf = engine.execute(
        request(
            [
                {
                    "name": "e",
                    "taskReferenceName": "e",
                    "type": "EVENT",
                    "sink": "conductor:${workflow.input.q}",
                    "inputParameters": {"a": 1},
                }
            ],
            {"q": "orders"},
        )
    )
    assert wf["status"] == "COMPLETED"
    (event,) = engine.published_events
    assert event["queue"] == "conductor:st_e2e:orders"
    assert event["payload"]["a"] == 1


def test_wait_duration_completes_when_the_virtual_clock_passes_the_deadline() -> None:
    wf = Engine().execute(
        request(
            [{"name": "w", "taskReferenceName": "w", "type": "WAIT", "inputParameters": {"duration": "10m"}}]
        )
    )
    wait = task_of(wf, "w")
    assert wf["status"] == "COMPLETED"
    assert wait["endTime"] > wait["startTime"] + 600_000
    assert "_waitTimeout" not in wait


def test_wait_without_inputs_blocks_until_signalled() -> None:
    engine = Engine()
    workflow_id = engine.start_workflow(
        request([{"name": "w", "taskReferenceName": "w", "type": "WAIT", "inputParameters": {}}])
    )
    assert engine.run_until_blocked(workflow_id).status == "RUNNING"
    engine.update_task_by_ref_name(workflow_id, "w", "COMPLETED", {"ok": True})
    wf = engine.get_workflow(workflow_id)
    assert wf["status"] == "COMPLETED"
    assert task_of(wf, "w")["outputData"] == {"ok": True}


def test_wait_invalid_duration_rejects_the_start_like_the_server() -> None:
    with pytest.raises(EngineBadRequest, match="Not valid duration: 5"):
        Engine().start_workflow(
            request(
                [
                    {
                        "name": "w",
                        "taskReferenceName": "w",
                        "type": "WAIT",
                        "inputParameters": {"duration": "${workflow.input.d}"},
                    }
                ],
                {"d": "5"},
            )
        )


def test_human_task_waits_for_an_update() -> None:
    engine = Engine()
    workflow_id = engine.start_workflow(
        request([{"name": "h", "taskReferenceName": "h", "type": "HUMAN", "inputParameters": {"who": "x"}}])
    )
    outcome = engine.run_until_blocked(workflow_id)
    assert task_of(outcome.workflow, "h")["status"] == "IN_PROGRESS"
    engine.update_task_by_ref_name(workflow_id, "h", "COMPLETED", {"approved": True})
    assert engine.get_workflow(workflow_id)["status"] == "COMPLETED"


@responses.activate
def test_http_task_calls_through_requests_so_responses_mocks_it() -> None:
    responses.add(responses.POST, "http://svc.test/orders", json={"id": 7}, status=201)
    wf = Engine().execute(
        request(
            [
                {
                    "name": "h",
                    "taskReferenceName": "h",
                    "type": "HTTP",
                    "inputParameters": {
                        "http_request": {"uri": "http://svc.test/orders", "method": "POST", "body": {"n": 1}}
                    },
                }
            ]
        )
    )
    http = task_of(wf, "h")
    assert wf["status"] == "COMPLETED"
    assert http["outputData"]["response"]["body"] == {"id": 7}
    assert http["outputData"]["response"]["statusCode"] == 201
    assert responses.calls[0].request.body == b'{"n":1}'


def test_http_without_network_fails_the_task_naming_the_url() -> None:
    wf = Engine().execute(
        request(
            [
                {
                    "name": "h",
                    "taskReferenceName": "h",
                    "type": "HTTP",
                    "inputParameters": {"uri": "http://svc.test/x", "method": "GET"},
                }
            ]
        )
    )
    http = task_of(wf, "h")
    assert http["status"] == "FAILED"
    assert "http://svc.test/x" in http["reasonForIncompletion"]


def test_kafka_publish_is_recorded_not_sent() -> None:
    engine = Engine()
    wf = engine.execute(
        request(
            [
                {
                    "name": "k",
                    "taskReferenceName": "k",
                    "type": "KAFKA_PUBLISH",
                    "inputParameters": {
                        "kafka_request": {"bootStrapServers": "b:9092", "topic": "t", "value": {"v": 1}}
                    },
                }
            ]
        )
    )
    assert wf["status"] == "COMPLETED"
    assert engine.kafka_messages[0]["request"]["topic"] == "t"
