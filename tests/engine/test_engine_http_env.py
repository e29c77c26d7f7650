"""The engine's HTTP access for HTTP tasks: through requests (so `responses` mocks it), offline by default."""

from __future__ import annotations

import responses
from _engine_helpers import wf

from conductor_testkit.engine import Engine


def http_task(uri: str) -> dict:
    return {
        "name": "call",
        "taskReferenceName": "call",
        "type": "HTTP",
        "inputParameters": {"http_request": {"uri": uri, "method": "GET"}},
    }


@responses.activate
def test_http_task_goes_through_requests_so_responses_mocks_it() -> None:
    responses.add(responses.GET, "http://svc.example/ping", json={"pong": True})
    out = Engine().execute({"workflowDef": wf("h", [http_task("http://svc.example/ping")])})
    assert out["status"] == "COMPLETED"
    assert out["output"]["response"]["body"] == {"pong": True}


def test_network_is_off_by_default_and_the_failure_names_the_url() -> None:
    out = Engine().execute({"workflowDef": wf("h", [http_task("http://svc.example/ping")])})
    assert out["status"] == "FAILED"
    assert "http://svc.example/ping" in out["tasks"][0]["reasonForIncompletion"]
    assert "network access is off" in out["tasks"][0]["reasonForIncompletion"]
