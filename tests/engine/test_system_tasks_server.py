"""The system-task handlers against the real server: the same task runs on Conductor (through
``POST /workflow/test`` with an inline definition) and through the handler fed the server's
resolved input; status, output and reason must be equal.

HTTP cases call a real HTTP server the test starts on 127.0.0.1, so both sides talk to the same
endpoint (the Conductor server must run on this machine for those).
"""

from __future__ import annotations

import copy
import gzip
import time
import uuid
from typing import Any, Dict, Optional, Tuple
from urllib.parse import urlparse

import pytest
import requests
from test_system_tasks_support import (
    LocalHttpServer,
    RecordingEnv,
    free_port,
    new_task,
    reply,
    run_sync,
)

from conductor_testkit.engine.system_tasks import HANDLERS, run_async_task
from conductor_testkit.engine.system_tasks.base import is_terminal
from conductor_testkit.testing.server import ServerSession

pytestmark = pytest.mark.integration

HTTP = ServerSession()

Json = Dict[str, Any]


def server_post(
    base_url: str, workflow_task: Json, workflow_input: Optional[Json] = None
) -> requests.Response:
    name = f"st_server_{uuid.uuid4().hex[:10]}"
    body = {
        "name": name,
        "version": 1,
        "input": workflow_input or {},
        "taskRefToMockOutput": {},
        "workflowDef": {"name": name, "version": 1, "schemaVersion": 2, "tasks": [workflow_task]},
    }
    return HTTP.post(f"{base_url}/workflow/test", json=body, timeout=60)


def server_run(
    base_url: str, workflow_task: Json, workflow_input: Optional[Json] = None
) -> Tuple[Json, Json]:
    """The workflow and its only task after the server ran it (async tasks: until terminal)."""
    response = server_post(base_url, workflow_task, workflow_input)
    assert response.status_code == 200, response.text
    workflow = response.json()
    deadline = time.monotonic() + 30
    while workflow_task["type"] == "HTTP" and not is_terminal(workflow["tasks"][0]["status"]):
        assert time.monotonic() < deadline, f"the server's HTTP task of {workflow['workflowId']} ran over 30s"
        time.sleep(0.2)
        workflow = HTTP.get(
            f"{base_url}/workflow/{workflow['workflowId']}", params={"includeTasks": "true"}, timeout=30
        ).json()
    return workflow, workflow["tasks"][0]


def handler_run(server_workflow: Json, server_task: Json, workflow_task: Json) -> Json:
    """The same task through the engine's handler, fed the server's resolved input."""
    handler = HANDLERS[workflow_task["type"]]
    env = RecordingEnv(workflow=server_workflow, host_name=str(server_task.get("workerId") or "vm"))
    task, wt = new_task(
        workflow_task["type"], server_task["inputData"], copy.deepcopy(workflow_task), env=env
    )
    task["taskId"] = server_task["taskId"]
    handler.prepare(task, wt, env)
    if not is_terminal(task["status"]):
        if handler.is_async:
            run_async_task(handler, task, env)
        else:
            run_sync(handler, task, env)
    return task


def assert_same(workflow_task: Json, workflow_input: Optional[Json], base_url: str) -> Json:
    server_workflow, server_task = server_run(base_url, workflow_task, workflow_input)
    ours = handler_run(server_workflow, server_task, workflow_task)
    assert ours["status"] == server_task["status"]
    assert ours.get("reasonForIncompletion") == server_task.get("reasonForIncompletion")
    assert ours["outputData"] == server_task["outputData"]
    return ours


def task(task_type: str, inputs: Json, **extra: Any) -> Json:
    return {"name": "t", "taskReferenceName": "t", "type": task_type, "inputParameters": inputs, **extra}


# ---------------------------------------------------------------------------- scripts


@pytest.mark.parametrize(
    "inputs",
    [
        {"expression": "$.a + 1.5", "a": 2},
        {"expression": "$.a * 2.0", "a": 2},
        {"evaluatorType": "graaljs", "expression": "({x: [1, 'y', null], n: $.a > 1})", "a": 2},
        {"evaluatorType": "value-param", "expression": "a", "a": {"k": [1, 2]}},
        {"expression": "$.a.b.c", "a": 2},
        {"evaluatorType": "graaljs", "expression": 'throw new Error("boom")'},
        {"evaluatorType": "foo", "expression": "1"},
        {"evaluatorType": "", "expression": "1"},
        {"evaluatorType": "javascript", "expression": " "},
    ],
    ids=[
        "number",
        "integral-double",
        "object",
        "value-param",
        "type-error",
        "thrown",
        "unknown",
        "blank-type",
        "blank-expression",
    ],
)
def test_inline_matches_the_server(conductor_server_url: str, inputs: Json) -> None:
    assert_same(task("INLINE", inputs), None, conductor_server_url)


@pytest.mark.parametrize(
    "inputs",
    [
        {"scriptExpression": "return {x: $.a * 2, y: 1.0, z: [1, 's', null, true]}", "a": 3},
        {"scriptExpression": "return $.a.b.c"},
        {"scriptExpression": 'throw "x"'},
        {"scriptExpression": ""},
    ],
    ids=["object", "type-error", "thrown-string", "blank"],
)
def test_lambda_matches_the_server(conductor_server_url: str, inputs: Json) -> None:
    assert_same(task("LAMBDA", inputs), None, conductor_server_url)


@pytest.mark.parametrize(
    "inputs",
    [
        {"queryExpression": ".a[] | . * 2", "a": [1, 2.5]},
        {"queryExpression": "empty"},
        {"queryExpression": "{n: (.a | length), s: .s}", "a": [1, 2], "s": "x"},
        {"queryExpression": "."},
        {"queryExpression": ".a + 1", "a": "s"},
        {"queryExpression": 'error("custom")'},
    ],
    ids=["stream", "empty", "object", "identity", "runtime-error", "error-builtin"],
)
def test_jq_matches_the_server(conductor_server_url: str, inputs: Json) -> None:
    assert_same(task("JSON_JQ_TRANSFORM", inputs), None, conductor_server_url)


# ---------------------------------------------------------------------------- EVENT, NOOP, WAIT


@pytest.mark.parametrize(
    "sink, extra",
    [
        ("conductor", {}),
        ("conductor:myq", {}),
        ("conductor:${workflow.input.q}", {}),
        ("conductorx", {}),
        ("sqs:abc", {}),
        ("nocolon", {}),
        ("conductor", {"asyncComplete": True}),
    ],
    ids=[
        "conductor",
        "named-queue",
        "expression-queue",
        "bad-prefix",
        "unknown-type",
        "no-type",
        "async-complete",
    ],
)
def test_event_matches_the_server(conductor_server_url: str, sink: str, extra: Json) -> None:
    assert_same(
        task("EVENT", {"a": "${workflow.input.a}"}, sink=sink, **extra),
        {"a": 5, "q": "qq"},
        conductor_server_url,
    )


def test_noop_matches_the_server(conductor_server_url: str) -> None:
    workflow_task = task("NOOP", {"a": 1})
    server_workflow, server_task = server_run(conductor_server_url, workflow_task)
    ours = handler_run(server_workflow, server_task, workflow_task)
    assert (ours["status"], ours["inputData"], ours["outputData"]) == (
        server_task["status"],
        server_task["inputData"],
        server_task["outputData"],
    )


@pytest.mark.parametrize("duration", ["5", 5, "1h1d"])
def test_wait_invalid_duration_is_rejected_with_the_server_message(
    conductor_server_url: str, duration: Any
) -> None:
    workflow_task = task("WAIT", {"duration": "${workflow.input.d}"})
    response = server_post(conductor_server_url, workflow_task, {"d": duration})
    assert response.status_code == 400
    env = RecordingEnv()
    ours, wt = new_task("WAIT", {"duration": duration}, copy.deepcopy(workflow_task), env=env)
    with pytest.raises(ValueError) as raised:
        HANDLERS["WAIT"].prepare(ours, wt, env)
    assert str(raised.value) == response.json()["message"]


def test_wait_unparsable_until_matches_the_server(conductor_server_url: str) -> None:
    assert_same(task("WAIT", {"until": "${workflow.input.u}"}), {"u": "garbage"}, conductor_server_url)


def test_wait_duration_callback_matches_the_server(conductor_server_url: str) -> None:
    workflow_task = task("WAIT", {"duration": "2 hours 30 minutes", "x": 1})
    server_workflow, server_task = server_run(conductor_server_url, workflow_task)
    env = RecordingEnv(workflow=server_workflow)
    ours, wt = new_task("WAIT", server_task["inputData"], copy.deepcopy(workflow_task), env=env)
    HANDLERS["WAIT"].prepare(ours, wt, env)
    assert (ours["status"], ours["callbackAfterSeconds"], ours["outputData"]) == (
        server_task["status"],
        server_task["callbackAfterSeconds"],
        server_task["outputData"],
    )


# ---------------------------------------------------------------------------- HTTP


@pytest.fixture
def local_http(conductor_server_url: str) -> Any:
    host = urlparse(conductor_server_url).hostname
    if host not in ("127.0.0.1", "localhost"):
        pytest.skip(f"the Conductor server at {host} cannot reach this machine's 127.0.0.1")
    routes = {
        "/json": reply(200, b'{"a": 1, "b": [1.5, null]}', [("Content-Type", "application/json")]),
        "/text": reply(200, b"3", [("Content-Type", "text/plain")]),
        "/latin": reply(200, "é".encode(), [("Content-Type", "text/plain")]),
        "/multi": reply(200, b"ok", [("X-Multi", "a"), ("X-Multi", "b")]),
        "/empty": reply(204),
        "/missing": reply(404, b"body of 404", [("Content-Type", "text/plain")]),
        "/broken": reply(500),
        "/lines": reply(400, b"line1\nline2\ttab", [("Content-Type", "text/plain")]),
        "/created": reply(201, b""),
        "/gzip": reply(
            200,
            gzip.compress(b'{"z": 1}'),
            [("Content-Type", "application/json"), ("Content-Encoding", "gzip")],
        ),
    }
    with LocalHttpServer(routes) as server:
        yield server


def comparable(output: Json) -> Json:
    """The HTTP output without the Date header (both sides call at slightly different times)."""
    result = copy.deepcopy(output)
    response = result.get("response")
    if isinstance(response, dict):
        response["headers"] = {k: v for k, v in (response.get("headers") or {}).items() if k != "Date"}
    return result


def assert_http_same(base_url: str, inputs: Json) -> Tuple[Json, Json]:
    workflow_task = task("HTTP", inputs)
    server_workflow, server_task = server_run(base_url, workflow_task)
    ours = handler_run(server_workflow, server_task, workflow_task)
    assert ours["status"] == server_task["status"]
    assert ours.get("reasonForIncompletion") == server_task.get("reasonForIncompletion")
    assert comparable(ours["outputData"]) == comparable(server_task["outputData"])
    assert ours["workerId"] == server_task["workerId"]
    return server_task, ours


@pytest.mark.parametrize(
    "path, extra",
    [
        ("/json", {}),
        ("/text", {}),
        ("/latin", {}),
        ("/multi", {}),
        ("/empty", {}),
        ("/missing", {}),
        ("/broken", {"method": "POST", "body": {"a": 1}}),
        ("/lines", {}),
        ("/json", {"method": "get"}),
        ("/json", {"method": "POST", "body": {"a": 1}, "contentType": "text/plain"}),
        ("/json", {"contentType": "foo"}),
        ("/gzip", {}),
        ("/json", {"accept": ["text/plain", "application/json"]}),
    ],
    ids=[
        "json",
        "number-text",
        "latin1",
        "multi-header",
        "no-content",
        "not-found",
        "server-error",
        "error-lines",
        "bad-method",
        "no-converter",
        "bad-media-type",
        "gzip",
        "accept-list",
    ],
)
def test_http_matches_the_server(
    conductor_server_url: str, local_http: LocalHttpServer, path: str, extra: Json
) -> None:
    inputs = {"http_request": {"uri": local_http.url(path), "method": "GET", **extra}}
    assert_http_same(conductor_server_url, inputs)


def test_http_connection_refused_matches_the_server(
    conductor_server_url: str, local_http: LocalHttpServer
) -> None:
    assert_http_same(conductor_server_url, {"uri": f"http://127.0.0.1:{free_port()}/x", "method": "GET"})


def test_http_missing_uri_matches_the_server(conductor_server_url: str, local_http: LocalHttpServer) -> None:
    assert_http_same(conductor_server_url, {"url": local_http.url("/json"), "method": "GET"})


@pytest.mark.parametrize(
    "extra",
    [
        {"method": "POST", "body": {"x": 1.0, "y": ["é", None, True]}},
        {"method": "PUT", "body": "plain é", "contentType": "text/plain"},
        {"method": "POST", "body": 42, "accept": ["text/plain", "application/json"]},
        {"method": "POST", "body": {"a": [1, 2]}, "contentType": "application/xml"},
        {"method": "GET", "headers": {"X-N": 5, "X-F": 1.5, "X-B": True}},
    ],
    ids=["json-body", "text-body", "number-body", "xml-body", "headers"],
)
def test_http_request_reaches_the_endpoint_like_the_servers(
    conductor_server_url: str, local_http: LocalHttpServer, extra: Json
) -> None:
    assert_http_same(conductor_server_url, {"uri": local_http.url("/created"), **extra})
    server_call, our_call = local_http.received[-2], local_http.received[-1]
    assert our_call["method"] == server_call["method"]
    assert our_call["body"] == server_call["body"]
    for name in ("Content-Type", "Accept", "X-N", "X-F", "X-B"):
        assert our_call["headers"].get(name) == server_call["headers"].get(name), name
