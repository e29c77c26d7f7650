"""Both network transports against a real HTTP server on loopback: the same requests on the wire,
the same answers, the same retries and the same errors, word for word.

``HttpTransport`` (requests) and ``Urllib3Transport`` share their rules (http_base); what differs
is the library underneath, so each test runs over a socket against ``http.server``, never a mock.
"""

from __future__ import annotations

import gzip
import json
import shutil
import socket
import ssl
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple, Type

import pytest
import urllib3

from conductor_testkit.client import AuthenticationSettings
from conductor_testkit.client.http_base import BaseHttpTransport
from conductor_testkit.client.http_transport import HttpTransport
from conductor_testkit.client.transport import TransportRequest
from conductor_testkit.client.urllib3_transport import Urllib3Transport
from conductor_testkit.errors import ConductorConnectionError, ModelValidationError

TRANSPORTS = [HttpTransport, Urllib3Transport]
Answer = Callable[["_Handler"], None]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the Conductor server
    server: _Server

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        self.server.seen.append(
            {"method": self.command, "path": self.path, "headers": dict(self.headers), "body": body}
        )
        answers = self.server.answers.get(self.path.split("?")[0], [])
        answer = answers.pop(0) if len(answers) > 1 else answers[0] if answers else json_answer(404, {})
        answer(self)

    do_GET = do_POST = do_PUT = do_DELETE = _serve

    def log_message(self, *args: object) -> None:
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.seen: List[Dict[str, Any]] = []
        self.answers: Dict[str, List[Answer]] = {}
        self.release = threading.Event()  # ends the answers that hang

    @property
    def url(self) -> str:
        scheme = "https" if isinstance(self.socket, ssl.SSLSocket) else "http"
        return f"{scheme}://127.0.0.1:{self.server_address[1]}/api"

    def on(self, path: str, *answers: Answer) -> None:
        """Answer ``/api<path>`` with these, in turn (the last one from then on)."""
        self.answers[f"/api{path}"] = list(answers)


def json_answer(status: int, body: Any, headers: Optional[Dict[str, str]] = None) -> Answer:
    return raw_answer(
        status, json.dumps(body).encode(), {"Content-Type": "application/json", **(headers or {})}
    )


def raw_answer(status: int, data: bytes, headers: Dict[str, str]) -> Answer:
    def answer(handler: _Handler) -> None:
        handler.send_response(status)
        for name, value in headers.items():
            handler.send_header(name, value)
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)

    return answer


def drop(handler: _Handler) -> None:
    """Close the connection without answering."""
    handler.close_connection = True
    handler.connection.shutdown(socket.SHUT_RDWR)


def cut_off(handler: _Handler) -> None:
    """Promise 100 bytes, send 10, close."""
    handler.send_response(200)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", "100")
    handler.end_headers()
    handler.wfile.write(b'{"a": "bcd')
    handler.wfile.flush()
    handler.close_connection = True
    handler.connection.shutdown(socket.SHUT_RDWR)


def hang(handler: _Handler) -> None:
    """Answer only when the test is over."""
    handler.server.release.wait(30)
    json_answer(200, {})(handler)


def redirect(status: int, location: str) -> Answer:
    return raw_answer(status, b"", {"Location": location})


@pytest.fixture
def server() -> Iterator[_Server]:
    server = _Server()
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield server
    server.release.set()
    server.shutdown()
    server.server_close()


def make(cls: Type[BaseHttpTransport], url: str, sleeps: Optional[List[float]] = None, **options: Any) -> Any:
    return cls(
        url, connect_timeout_seconds=3.0, sleep=(sleeps if sleeps is not None else []).append, **options
    )


def error_of(action: Callable[[], Any]) -> str:
    with pytest.raises(ConductorConnectionError) as info:
        action()
    return str(info.value)


def get(path: str = "/workflow/w1", **fields: Any) -> TransportRequest:
    return TransportRequest("GET", path, idempotent=True, **fields)


@pytest.mark.parametrize("cls", TRANSPORTS)
def test_a_misspelt_option_is_refused(cls: Type[BaseHttpTransport]) -> None:
    with pytest.raises(TypeError, match=r"unexpected keyword argument\(s\): max_retry$"):
        cls("http://127.0.0.1:9/api", max_retry=1)  # type: ignore[call-arg]


# -- the request on the wire ---------------------------------------------------------------------


def _sent(cls: Type[BaseHttpTransport], server: _Server, request: TransportRequest) -> Dict[str, Any]:
    server.seen.clear()
    server.on(request.path.split("?")[0], json_answer(200, {}))
    make(cls, server.url).handle(request)
    (seen,) = server.seen
    headers = seen["headers"]
    return {
        "method": seen["method"],
        "path": seen["path"],
        "body": seen["body"],
        "headers": {name: headers.get(name) for name in ("Accept", "Content-Type", "Accept-Encoding")},
    }


@pytest.mark.parametrize(
    "request_",
    [
        TransportRequest(
            "POST",
            "/workflow/a%20b/correlated",
            params={"includeClosed": True, "ids": ["x", "y z"], "none": None, "name": "ü&="},
            json_body={"name": "é", "n": [1, None]},
        ),
        TransportRequest("POST", "/tasks/t1/log", text_body="a line, ü"),
        TransportRequest("DELETE", "/workflow/w1/remove", params={"archiveWorkflow": False}),
        TransportRequest("PUT", "/workflow/w1/resume", idempotent=True),
        TransportRequest("GET", "/workflow/w1", params={"includeTasks": 0}),
    ],
    ids=["json", "text", "delete", "put", "get"],
)
def test_both_transports_send_the_same_request(server: _Server, request_: TransportRequest) -> None:
    sent = [_sent(cls, server, request_) for cls in TRANSPORTS]
    assert sent[0] == sent[1]


def test_what_is_sent(server: _Server) -> None:
    request = TransportRequest(
        "POST",
        "/workflow/x/correlated",
        params={"includeClosed": True, "ids": ["a", "b c"], "none": None},
        json_body=["c1"],
    )
    for cls in TRANSPORTS:
        sent = _sent(cls, server, request)
        assert sent["path"] == "/api/workflow/x/correlated?includeClosed=true&ids=a&ids=b+c"
        assert sent["headers"]["Content-Type"] == "application/json"
        assert sent["headers"]["Accept"] == "application/json, text/plain, */*"
        assert json.loads(sent["body"]) == ["c1"]


@pytest.mark.parametrize("cls", TRANSPORTS)
def test_a_connection_is_reused(server: _Server, cls: Type[BaseHttpTransport]) -> None:
    ports: List[int] = []

    def answer(handler: _Handler) -> None:
        ports.append(handler.client_address[1])
        json_answer(200, {})(handler)

    server.on("/x", answer)
    transport = make(cls, server.url)
    for _ in range(3):
        transport.handle(get("/x"))
    assert len(set(ports)) == 1


# -- the answer ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "answer",
    [
        json_answer(200, {"name": "ü€", "n": 1}),
        raw_answer(200, "wf-ü".encode(), {"Content-Type": "text/plain;charset=UTF-8"}),
        raw_answer(200, "wf-ü".encode("latin-1"), {"Content-Type": "text/plain"}),
        raw_answer(
            200,
            gzip.compress(b'{"big": true}'),
            {"Content-Encoding": "gzip", "Content-Type": "application/json"},
        ),
        raw_answer(204, b"", {}),
        json_answer(404, {"status": 404, "message": "no such workflow"}),
    ],
    ids=["json", "text-utf8", "text-latin1", "gzip", "empty", "error"],
)
def test_both_transports_read_the_same_answer(server: _Server, answer: Answer) -> None:
    server.on("/x", answer)
    responses = [make(cls, server.url).handle(get("/x")) for cls in TRANSPORTS]
    assert [(r.status, r.text, r.json()) for r in responses][0] == [
        (r.status, r.text, r.json()) for r in responses
    ][1]
    assert responses[1].headers.get("Content-Type") == responses[0].headers.get("Content-Type")


@pytest.mark.parametrize("cls", TRANSPORTS)
def test_a_redirect_is_followed(server: _Server, cls: Type[BaseHttpTransport]) -> None:
    server.on("/old", redirect(302, "/api/new"))
    server.on("/new", json_answer(200, {"moved": True}))
    assert make(cls, server.url).handle(get("/old")).json() == {"moved": True}


@pytest.mark.parametrize("cls", TRANSPORTS)
def test_a_307_redirect_keeps_the_method_and_body(server: _Server, cls: Type[BaseHttpTransport]) -> None:
    server.on("/old", redirect(307, "/api/new"))
    server.on("/new", json_answer(200, {}))
    make(cls, server.url).handle(TransportRequest("POST", "/old", json_body={"a": 1}))
    assert [(s["method"], s["path"], s["body"]) for s in server.seen] == [
        ("POST", "/api/old", b'{"a": 1}'),
        ("POST", "/api/new", b'{"a": 1}'),
    ]


# -- retries -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("cls", TRANSPORTS)
def test_an_idempotent_request_is_retried_on_503_with_backoff(
    server: _Server, cls: Type[BaseHttpTransport]
) -> None:
    busy = json_answer(503, {})
    server.on("/x", busy, busy, busy, json_answer(200, {"ok": 1}))
    sleeps: List[float] = []
    response = make(cls, server.url, sleeps).handle(get("/x"))
    assert (response.status, len(server.seen), sleeps) == (200, 4, [0.5, 1.0, 2.0])


@pytest.mark.parametrize("cls", TRANSPORTS)
def test_which_500s_are_retried(server: _Server, cls: Type[BaseHttpTransport]) -> None:
    server.on("/flaky", json_answer(500, {"message": "db hiccup", "retryable": True}), json_answer(200, {}))
    server.on("/wrong", json_answer(500, {"message": "not PAUSED", "retryable": False}))
    transport = make(cls, server.url)
    assert transport.handle(get("/flaky")).status == 200
    assert transport.handle(get("/wrong")).status == 500
    assert [s["path"] for s in server.seen] == ["/api/flaky", "/api/flaky", "/api/wrong"]


@pytest.mark.parametrize("cls", TRANSPORTS)
def test_a_post_is_not_retried(server: _Server, cls: Type[BaseHttpTransport]) -> None:
    server.on("/workflow", json_answer(503, {}))
    sleeps: List[float] = []
    assert (
        make(cls, server.url, sleeps).handle(TransportRequest("POST", "/workflow", json_body={})).status
        == 503
    )
    assert (len(server.seen), sleeps) == (1, [])


@pytest.mark.parametrize("cls", TRANSPORTS)
def test_a_dropped_connection_is_retried_when_idempotent(
    server: _Server, cls: Type[BaseHttpTransport]
) -> None:
    server.on("/x", drop, json_answer(200, {"ok": 1}))
    sleeps: List[float] = []
    assert make(cls, server.url, sleeps).handle(get("/x")).json() == {"ok": 1}
    assert sleeps == [0.5]


# -- errors, word for word ---------------------------------------------------------------------------


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _both(failing: Callable[[Type[BaseHttpTransport]], Any]) -> str:
    messages = [error_of(lambda cls=cls: failing(cls)) for cls in TRANSPORTS]
    assert messages[0] == messages[1]
    return messages[0]


def test_a_refused_connection(server: _Server) -> None:
    base = f"http://127.0.0.1:{_closed_port()}/api"
    message = _both(lambda cls: make(cls, base, max_retries=1).handle(get()))
    assert message == (
        f"cannot reach the Conductor server at {base} (GET {base}/workflow/w1): connection refused or host "
        "unreachable; start a server with `python -m conductor_testkit.testing.server run` (or point "
        "CONDUCTOR_SERVER_URL at a running one)"
    )


def test_no_answer_in_time(server: _Server) -> None:
    server.on("/slow", hang)
    message = _both(
        lambda cls: make(cls, server.url, max_retries=0, read_timeout_seconds=0.2).handle(get("/slow"))
    )
    assert message.startswith(
        f"cannot reach the Conductor server at {server.url} (GET {server.url}/slow): "
        "no answer within 3s (connect) / 0.2s (read); start a server"
    )


def test_a_long_poll_waits_longer_than_the_read_timeout(server: _Server) -> None:
    server.on("/slow", hang)
    request = get("/slow", read_timeout_seconds=0.3)
    message = _both(
        lambda cls: make(cls, server.url, max_retries=0, read_timeout_seconds=0.1).handle(request)
    )
    assert "no answer within 3s (connect) / 0.3s (read)" in message


def test_a_connection_dropped_before_the_answer(server: _Server) -> None:
    server.on("/workflow", drop)
    message = _both(
        lambda cls: make(cls, server.url).handle(TransportRequest("POST", "/workflow", json_body={}))
    )
    assert "(POST " in message and "connection refused or host unreachable" in message
    assert len(server.seen) == 2  # once per transport: a POST is not retried


@pytest.mark.skipif(
    urllib3.__version__ < "2", reason="requests over urllib3 1.26 returns a cut-off body as if it were whole"
)
def test_an_answer_cut_off(server: _Server) -> None:
    server.on("/x", cut_off)
    message = _both(lambda cls: make(cls, server.url).handle(get("/x")))
    assert message.startswith(f"GET {server.url}/x failed: ChunkedEncodingError: ")
    assert "IncompleteRead" in message


def test_an_invalid_header_value_is_not_sent_nor_shown(server: _Server) -> None:
    request = get(headers={"X-Authorization": "tok\r\nInjected: yes"})
    message = _both(lambda cls: make(cls, server.url).handle(request))
    assert message == f"GET {server.url}/workflow/w1 failed: InvalidHeader"
    assert server.seen == []


def test_a_body_that_is_not_json(server: _Server) -> None:
    messages = []
    for cls in TRANSPORTS:
        with pytest.raises(ModelValidationError) as info:
            make(cls, server.url).handle(TransportRequest("POST", "/workflow", json_body={"x": object()}))
        messages.append(str(info.value))
    assert messages[0] == messages[1]
    assert messages[0].startswith("POST /workflow: the request body cannot be sent as JSON (TypeError: ")


def test_endless_redirects(server: _Server) -> None:
    server.on("/loop", redirect(302, "/api/loop"))
    message = _both(lambda cls: make(cls, server.url).handle(get("/loop")))
    assert message == f"GET {server.url}/loop failed: TooManyRedirects: Exceeded 30 redirects."


def test_the_traceback_holds_no_exception_of_the_library(server: _Server) -> None:
    # the library's exceptions and frames hold the encoded body and the headers
    base = f"http://127.0.0.1:{_closed_port()}/api"
    for cls in TRANSPORTS:
        with pytest.raises(ConductorConnectionError) as info:
            make(cls, base, max_retries=0).handle(get())
        assert info.value.__cause__ is None and info.value.__suppress_context__


# -- authentication --------------------------------------------------------------------------------------


@pytest.mark.parametrize("cls", TRANSPORTS)
def test_a_401_exchanges_the_key_again_and_sends_once_more(
    server: _Server, cls: Type[BaseHttpTransport]
) -> None:
    tokens = iter(["tok-1", "tok-2"])

    def exchange(handler: _Handler) -> None:
        json_answer(200, {"token": next(tokens)})(handler)

    def guarded(handler: _Handler) -> None:
        ok = handler.headers.get("X-Authorization") == "tok-2"
        json_answer(200 if ok else 401, {} if ok else {"message": "expired"})(handler)

    server.on("/token", exchange)
    server.on("/x", guarded)
    transport = make(cls, server.url, authentication_settings=AuthenticationSettings("app", "s3cret"))
    assert transport.handle(get("/x")).status == 200
    assert [(s["path"], s["headers"].get("X-Authorization")) for s in server.seen] == [
        ("/api/token", None),
        ("/api/x", "tok-1"),
        ("/api/token", None),
        ("/api/x", "tok-2"),
    ]
    assert json.loads(server.seen[0]["body"]) == {"keyId": "app", "keySecret": "s3cret"}
    assert "s3cret" not in repr(transport) and "tok-2" not in repr(transport)


# -- TLS ---------------------------------------------------------------------------------------------------


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[Tuple[_Server, Path]]:
    if shutil.which("openssl") is None:
        pytest.skip("no openssl command to make a certificate with")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    server = _Server()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    server.on("/x", json_answer(200, {"tls": True}))
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield server, cert
    server.shutdown()
    server.server_close()


def test_an_unknown_certificate_is_refused(
    tls_server: Tuple[_Server, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    server, _ = tls_server
    for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        monkeypatch.delenv(name, raising=False)
    message = _both(lambda cls: make(cls, server.url, max_retries=0).handle(get("/x")))
    assert "connection refused or host unreachable" in message


@pytest.mark.parametrize("cls", TRANSPORTS)
def test_the_ca_bundle_of_the_environment_is_trusted(
    tls_server: Tuple[_Server, Path], monkeypatch: pytest.MonkeyPatch, cls: Type[BaseHttpTransport]
) -> None:
    server, cert = tls_server
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(cert))
    assert make(cls, server.url).handle(get("/x")).json() == {"tls": True}
