"""HttpTransport over HTTP mocked with ``responses``: timeouts, retries, connection errors."""

from __future__ import annotations

import json
import socket
from typing import List

import pytest
import requests

from conductor_testkit.client.http_transport import HttpTransport
from conductor_testkit.client.transport import TransportRequest
from conductor_testkit.errors import ConductorConnectionError

BASE = "http://conductor.test/api"


@pytest.fixture
def sleeps() -> List[float]:
    return []


@pytest.fixture
def transport(sleeps: List[float]) -> HttpTransport:
    return HttpTransport(
        BASE,
        connect_timeout_seconds=3.0,
        read_timeout_seconds=7.0,
        max_retries=3,
        retry_backoff_seconds=0.5,
        sleep=sleeps.append,
    )


def get(path: str = "/workflow/w1") -> TransportRequest:
    return TransportRequest("GET", path, idempotent=True)


def test_every_request_carries_connect_and_read_timeouts(mocked, transport) -> None:
    mocked.get(f"{BASE}/workflow/w1", json={})
    transport.handle(get())
    assert mocked.calls[0].request.req_kwargs["timeout"] == (3.0, 7.0)


def test_a_long_poll_extends_the_read_timeout(mocked, transport) -> None:
    mocked.get(f"{BASE}/tasks/poll/batch/t", json=[])
    transport.handle(TransportRequest("GET", "/tasks/poll/batch/t", read_timeout_seconds=30.0))
    assert mocked.calls[0].request.req_kwargs["timeout"] == (3.0, 30.0)


def test_json_body_and_lowercase_boolean_params_are_sent(mocked, transport) -> None:
    mocked.post(f"{BASE}/workflow/x/correlated", json={})
    transport.handle(
        TransportRequest("POST", "/workflow/x/correlated", params={"includeClosed": True}, json_body=["c1"])
    )
    sent = mocked.calls[0].request
    assert sent.url == f"{BASE}/workflow/x/correlated?includeClosed=true"
    assert sent.headers["Content-Type"] == "application/json"
    assert json.loads(sent.body) == ["c1"]


def test_text_body_is_sent_as_plain_text(mocked, transport) -> None:
    mocked.post(f"{BASE}/tasks/t1/log", body="")
    transport.handle(TransportRequest("POST", "/tasks/t1/log", text_body="a line"))
    sent = mocked.calls[0].request
    assert sent.headers["Content-Type"] == "text/plain"
    assert sent.body == b"a line"


def test_idempotent_request_is_retried_on_503_with_exponential_backoff(mocked, transport, sleeps) -> None:
    url = f"{BASE}/workflow/w1"
    mocked.get(url, status=503)
    mocked.get(url, status=503)
    mocked.get(url, status=503)
    mocked.get(url, json={"workflowId": "w1"})
    response = transport.handle(get())
    assert response.status == 200
    assert len(mocked.calls) == 4
    assert sleeps == [0.5, 1.0, 2.0]


def test_retries_stop_after_the_configured_count(mocked, transport) -> None:
    mocked.get(f"{BASE}/workflow/w1", status=502)
    response = transport.handle(get())
    assert response.status == 502
    assert len(mocked.calls) == 4  # one attempt and three retries


def test_non_idempotent_request_is_not_retried_on_503(mocked, transport, sleeps) -> None:
    mocked.post(f"{BASE}/workflow", status=503)
    response = transport.handle(TransportRequest("POST", "/workflow", json_body={"name": "x"}))
    assert response.status == 503
    assert len(mocked.calls) == 1
    assert sleeps == []


def test_a_500_the_server_marks_not_retryable_is_returned_at_once(mocked, transport) -> None:
    mocked.put(
        f"{BASE}/workflow/w1/resume",
        status=500,
        json={"status": 500, "message": "The workflow w1 is not PAUSED", "retryable": False},
    )
    response = transport.handle(TransportRequest("PUT", "/workflow/w1/resume", idempotent=True))
    assert response.status == 500
    assert len(mocked.calls) == 1


def test_a_500_the_server_marks_retryable_is_retried(mocked, transport) -> None:
    url = f"{BASE}/workflow/w1"
    mocked.get(url, status=500, json={"status": 500, "message": "db hiccup", "retryable": True})
    mocked.get(url, json={})
    assert transport.handle(get()).status == 200
    assert len(mocked.calls) == 2


def test_client_errors_are_not_retried(mocked, transport) -> None:
    mocked.get(f"{BASE}/workflow/w1", status=404, json={"status": 404, "message": "nope"})
    assert transport.handle(get()).status == 404
    assert len(mocked.calls) == 1


def test_connection_error_on_idempotent_request_is_retried(mocked, transport, sleeps) -> None:
    url = f"{BASE}/workflow/w1"
    mocked.get(url, body=requests.ConnectionError("reset"))
    mocked.get(url, json={"workflowId": "w1"})
    assert transport.handle(get()).status == 200
    assert sleeps == [0.5]


def test_backoff_is_capped(mocked, sleeps) -> None:
    transport = HttpTransport(
        BASE, max_retries=4, retry_backoff_seconds=3.0, max_backoff_seconds=5.0, sleep=sleeps.append
    )
    mocked.get(f"{BASE}/workflow/w1", status=503)
    transport.handle(get())
    assert sleeps == [3.0, 5.0, 5.0, 5.0]


def test_connection_error_after_retries_names_the_url_and_how_to_start_a_server(mocked, transport) -> None:
    mocked.get(f"{BASE}/workflow/w1", body=requests.ConnectionError("refused"))
    with pytest.raises(ConductorConnectionError) as info:
        transport.handle(get())
    message = str(info.value)
    assert f"{BASE}/workflow/w1" in message
    assert "python -m conductor_testkit.testing.server run" in message
    assert len(mocked.calls) == 4


def test_timeout_is_reported_as_a_connection_error_with_the_limits(mocked, transport) -> None:
    mocked.get(f"{BASE}/workflow/w1", body=requests.ReadTimeout("slow"))
    with pytest.raises(ConductorConnectionError, match=r"no answer within 3s \(connect\) / 7s \(read\)"):
        transport.handle(get())


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_a_real_refused_connection_raises_conductor_connection_error() -> None:
    base = f"http://127.0.0.1:{_closed_port()}/api"
    transport = HttpTransport(base, max_retries=1, retry_backoff_seconds=0.0, sleep=lambda s: None)
    with pytest.raises(ConductorConnectionError, match="connection refused") as info:
        transport.handle(get())
    assert base in str(info.value)
