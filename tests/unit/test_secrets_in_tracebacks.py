"""No credential in a repr, a str, or a traceback printed with its local variables (``pytest -l``).

The failing tests run through ``pytester`` against a loopback HTTP server that exchanges the key
for a token: the secret and the token are then locals (or inside locals) of the test function
and of the client's frames, and the printed output must show neither.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Iterator

import pytest

from conductor_testkit.client import ApiClient, AuthenticationSettings, Configuration
from conductor_testkit.client.auth import TokenAuth
from conductor_testkit.client.http_transport import HttpTransport
from conductor_testkit.client.redaction import RedactedHeaders
from conductor_testkit.client.transport import TransportRequest, TransportResponse
from conductor_testkit.client.urllib3_transport import Urllib3Transport

pytest_plugins = ["pytester"]

SECRET = "s3cr3t-in-a-traceback"
TOKEN = "t0ken-in-a-traceback"


class _TokenServer(BaseHTTPRequestHandler):
    """``POST /api/token`` gives TOKEN for the key ``app`` and 401 for any other; the rest 200 (401 without
    the token)."""

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"null")
        if self.path == "/api/token":
            ok = isinstance(body, dict) and body.get("keyId") == "app" and body.get("keySecret") == SECRET
            self._answer(200 if ok else 401, {"token": TOKEN} if ok else {"message": "Invalid key"})
        else:
            self._answer(200, {})

    def do_GET(self) -> None:
        self._answer(200 if self.headers.get("X-Authorization") == TOKEN else 401, [])

    def _answer(self, status: int, body: object) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def token_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _TokenServer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/api"
    server.shutdown()
    server.server_close()


FAILING_TESTS = """
import pytest
from conductor_testkit.client import ApiClient, AuthenticationSettings, Configuration
from conductor_testkit.client.redaction import RedactedHeaders
from conductor_testkit.client.http_transport import HttpTransport
from conductor_testkit.client.transport import TransportRequest, TransportResponse
from conductor_testkit.client.urllib3_transport import Urllib3Transport
from conductor_testkit.models import TaskResult
from conductor_testkit.worker import TaskRunner, Worker

URL = {url!r}
SECRET = {secret!r}
TOKEN = {token!r}


def configuration(key="app", url=URL):
    return Configuration(server_api_url=url, authentication_settings=AuthenticationSettings(key, SECRET))


def test_request_and_response_with_credentials_as_locals():
    request = TransportRequest(
        "POST", "/token", json_body={{"keyId": "app", "keySecret": SECRET}},
        headers={{"X-Authorization": TOKEN}},
    )
    response = TransportResponse(200, '{{"token": "%s"}}' % TOKEN)
    headers = RedactedHeaders({{"X-Authorization": TOKEN}})
    settings = AuthenticationSettings("app", SECRET)
    assert request.method == "GET"


def test_refused_key_fails_inside_the_token_exchange():
    client = ApiClient(configuration(key="someone-else"))
    client.get_json("/metadata/taskdefs")


def test_unreachable_server_fails_inside_the_token_exchange():
    client = ApiClient(configuration(url="http://127.0.0.1:9/api"))
    client.get_json("/metadata/taskdefs")


def test_body_that_is_not_json_fails_with_the_token_in_the_headers():
    client = ApiClient(configuration())
    client.get_json("/metadata/taskdefs")  # a token is now held
    client.call_json("POST", "/workflow", json_body={{"input": object()}})


@pytest.mark.parametrize("transport", [HttpTransport, Urllib3Transport])
def test_unreachable_server_fails_inside_the_token_exchange_of_each_transport(transport):
    transport.from_configuration(configuration(url="http://127.0.0.1:9/api")).handle(
        TransportRequest("GET", "/metadata/taskdefs")
    )


@pytest.mark.parametrize("transport", [HttpTransport, Urllib3Transport])
def test_refused_key_fails_inside_the_token_exchange_of_each_transport(transport):
    transport.from_configuration(configuration(key="someone-else")).handle(
        TransportRequest("GET", "/metadata/taskdefs")
    )


@pytest.mark.parametrize("transport", [HttpTransport, Urllib3Transport])
def test_header_that_cannot_be_sent_with_a_secret_in_the_body(transport):
    sender = transport.from_configuration(configuration())
    sender.handle(TransportRequest("GET", "/metadata/taskdefs"))  # a token is now held
    sender.handle(
        TransportRequest("POST", "/x", json_body={{"password": SECRET}}, headers={{"X-Trace": "a\\nb"}})
    )


def test_worker_report_with_credentials():
    runner = TaskRunner(Worker("t", lambda: None), configuration(), update_retry_window_seconds=0)
    runner.report(TaskResult(task_id="x", workflow_instance_id="y", status="COMPLETED"))
    assert False, "fail after a report, with the runner and its clients as locals"
"""


@pytest.mark.parametrize("options", [["-l"], ["--tb=long", "--showlocals"]], ids=["auto", "long"])
def test_tracebacks_with_locals_show_no_secret_and_no_token(
    pytester: pytest.Pytester, token_server: str, options: list
) -> None:
    pytester.makepyfile(FAILING_TESTS.format(url=token_server, secret=SECRET, token=TOKEN))
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", *options)
    result.assert_outcomes(failed=11)
    output = result.stdout.str() + result.stderr.str()
    # the locals were printed (or this test could not fail) ...
    assert "request    = TransportRequest('POST', '/token'" in output
    assert "'keySecret': '***'" in output and "'X-Authorization': '***'" in output
    assert "AuthenticationError" in output and "ConductorConnectionError" in output
    assert "failed: InvalidHeader" in output and "Urllib3Transport('http://127.0.0.1:" in output
    assert "ModelValidationError" in output
    # ... and the credentials are not among them
    assert SECRET not in output
    assert TOKEN not in output


def test_the_traceback_check_sees_a_secret_in_a_plain_local(pytester: pytest.Pytester) -> None:
    # the control for the test above: an unmasked local does show up
    pytester.makepyfile(f"def test_leak():\n    leaked = {SECRET!r}\n    assert not leaked\n")
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "-l")
    assert SECRET in result.stdout.str()


def test_every_object_that_holds_a_credential_masks_it_in_repr_and_str(token_server: str) -> None:
    settings = AuthenticationSettings("app", SECRET)
    configuration = Configuration(server_api_url=token_server, authentication_settings=settings)
    transport = HttpTransport.from_configuration(configuration)
    transport.handle(TransportRequest("GET", "/metadata/taskdefs"))  # exchanges the key for a token
    worker_transport = Urllib3Transport.from_configuration(configuration)
    worker_transport.handle(TransportRequest("GET", "/metadata/taskdefs"))
    auth = TokenAuth(settings, 60.0)
    auth.headers(transport._send_with_retries_plain)
    holders = [
        settings,
        configuration,
        transport,
        worker_transport,
        auth,
        ApiClient(configuration, transport=transport),
        TransportRequest("POST", "/token", json_body={"keyId": "app", "keySecret": SECRET}),
        TransportRequest("GET", "/x", headers={"X-Authorization": TOKEN, "Authorization": f"Bearer {TOKEN}"}),
        TransportRequest("POST", "/x", json_body={"nested": [{"password": SECRET, "client_secret": SECRET}]}),
        TransportResponse(200, json.dumps({"token": TOKEN})),
        RedactedHeaders({"X-Authorization": TOKEN}),
        auth.headers(transport._send_with_retries_plain),
    ]
    for holder in holders:
        for text in (repr(holder), str(holder), f"{holder}"):
            assert SECRET not in text and TOKEN not in text, text
    # what is not a credential stays readable
    assert "app" in repr(settings)
    assert "'keyId': 'app'" in repr(holders[6])
    assert auth.headers(transport._send_with_retries_plain)["X-Authorization"] == TOKEN
