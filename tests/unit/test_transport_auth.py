"""Token authentication of HttpTransport: exchange, expiry, refresh on 401, secrets hidden."""

from __future__ import annotations

import json
import logging
from typing import List

import pytest
import responses

from conductor_testkit.client import ApiClient, AuthenticationSettings, Configuration
from conductor_testkit.client.auth import TokenAuth
from conductor_testkit.client.http_transport import HttpTransport
from conductor_testkit.client.transport import TransportRequest
from conductor_testkit.errors import AuthenticationError

BASE = "http://conductor.test/api"
SECRET = "s3cr3t-value-never-shown"


def make_transport(ttl_seconds: float = 2700.0) -> HttpTransport:
    return HttpTransport(
        BASE,
        authentication_settings=AuthenticationSettings(key_id="app-key", key_secret=SECRET),
        auth_token_ttl_seconds=ttl_seconds,
        sleep=lambda s: None,
    )


def get() -> TransportRequest:
    return TransportRequest("GET", "/workflow/w1", idempotent=True)


def token_calls(mocked: responses.RequestsMock) -> List[responses.Call]:
    return [c for c in mocked.calls if c.request.url == f"{BASE}/token"]


def test_key_and_secret_are_exchanged_for_a_token_sent_as_x_authorization(mocked) -> None:
    mocked.post(f"{BASE}/token", json={"token": "tok-1"})
    mocked.get(f"{BASE}/workflow/w1", json={})
    make_transport().handle(get())
    exchange = mocked.calls[0].request
    assert json.loads(exchange.body) == {"keyId": "app-key", "keySecret": SECRET}
    assert mocked.calls[1].request.headers["X-Authorization"] == "tok-1"


def test_the_token_is_reused_while_it_is_fresh(mocked) -> None:
    mocked.post(f"{BASE}/token", json={"token": "tok-1"})
    mocked.get(f"{BASE}/workflow/w1", json={})
    transport = make_transport()
    transport.handle(get())
    transport.handle(get())
    assert len(token_calls(mocked)) == 1


def test_no_token_is_requested_without_a_key(mocked) -> None:
    mocked.get(f"{BASE}/workflow/w1", json={})
    HttpTransport(BASE).handle(get())
    assert len(mocked.calls) == 1
    assert "X-Authorization" not in mocked.calls[0].request.headers


def test_a_401_refreshes_the_token_and_retries_once(mocked) -> None:
    mocked.post(f"{BASE}/token", json={"token": "old"})
    mocked.post(f"{BASE}/token", json={"token": "new"})
    mocked.get(f"{BASE}/workflow/w1", status=401, json={"message": "expired"})
    mocked.get(f"{BASE}/workflow/w1", json={"workflowId": "w1"})
    response = make_transport().handle(get())
    assert response.status == 200
    sent = [c.request.headers.get("X-Authorization") for c in mocked.calls if "/workflow/" in c.request.url]
    assert sent == ["old", "new"]


def test_a_second_401_is_returned_not_looped(mocked) -> None:
    mocked.post(f"{BASE}/token", json={"token": "tok"})
    mocked.get(f"{BASE}/workflow/w1", status=401, json={"message": "denied"})
    response = make_transport().handle(get())
    assert response.status == 401
    assert len(token_calls(mocked)) == 2


def test_an_expired_token_is_exchanged_again() -> None:
    now = [1000.0]
    auth = TokenAuth(AuthenticationSettings("k", SECRET), ttl_seconds=60.0, clock=lambda: now[0])
    issued: List[str] = []

    def send(request: TransportRequest):
        from conductor_testkit.client.transport import TransportResponse

        issued.append(f"tok-{len(issued)}")
        return TransportResponse(200, json.dumps({"token": issued[-1]}))

    assert auth.headers(send) == {"X-Authorization": "tok-0"}
    now[0] += 59.0
    assert auth.headers(send) == {"X-Authorization": "tok-0"}
    now[0] += 2.0
    assert auth.headers(send) == {"X-Authorization": "tok-1"}


def test_a_failed_exchange_raises_authentication_error_without_the_secret(mocked) -> None:
    mocked.post(f"{BASE}/token", status=401, json={"message": "Invalid key"})
    with pytest.raises(AuthenticationError) as info:
        make_transport().handle(get())
    message = str(info.value)
    assert "app-key" in message and "Invalid key" in message
    assert SECRET not in message
    assert SECRET not in repr(info.value.body)


def test_secrets_are_absent_from_reprs() -> None:
    settings = AuthenticationSettings(key_id="app-key", key_secret=SECRET)
    configuration = Configuration(server_api_url=BASE, authentication_settings=settings)
    for text in (repr(settings), repr(configuration), repr(make_transport()), repr(ApiClient(configuration))):
        assert SECRET not in text


def test_secrets_are_absent_from_debug_logs(mocked, caplog: pytest.LogCaptureFixture) -> None:
    mocked.post(f"{BASE}/token", json={"token": "tok-visible-only-on-the-wire"})
    mocked.get(f"{BASE}/workflow/w1", json={})
    transport = HttpTransport(BASE, authentication_settings=AuthenticationSettings("k", SECRET), debug=True)
    with caplog.at_level(logging.DEBUG, logger="conductor_testkit"):
        transport.handle(get())
    assert caplog.records, "debug logging should log the requests"
    assert SECRET not in caplog.text
    assert "tok-visible-only-on-the-wire" not in caplog.text
