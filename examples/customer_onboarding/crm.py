"""A fake CRM for the onboarding tests, reachable however the backend makes its HTTP calls.

The local backend makes the HTTP task's call in this process, so ``responses`` answers it; a
server (remote and live backends) makes it itself, so the same fake is served on a loopback port.
"""

from __future__ import annotations

import json
import re
import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, Iterator, List, Tuple


class FakeCrm:
    """``POST /customers`` records the customer and answers its CRM id (503 while ``down``)."""

    def __init__(self) -> None:
        self.url = ""
        self.customers: List[Dict[str, Any]] = []
        self.down = False
        self._lock = threading.Lock()

    def handle(self, method: str, path: str, body: bytes) -> Tuple[int, Dict[str, Any]]:
        if self.down:
            return 503, {"error": "the CRM is down for maintenance"}
        if (method, path) != ("POST", "/customers"):
            return 404, {"error": f"no route {method} {path}"}
        customer = json.loads(body or b"{}")
        with self._lock:
            self.customers.append(customer)
        return 201, {"crmId": f"crm-{customer.get('accountId')}"}


def _headers(body: bytes) -> Dict[str, str]:
    """The headers of every answer, wherever it is served: the HTTP task's output shows them."""
    return {"Content-Type": "application/json", "Content-Length": str(len(body))}


@contextmanager
def in_process(crm: FakeCrm) -> Iterator[FakeCrm]:
    """Answer the calls made in this process to the CRM's URL (``http://crm.example.test`` unless
    it is served elsewhere too) with ``responses``."""
    import responses

    crm.url = crm.url or "http://crm.example.test"

    def callback(request: Any) -> Tuple[int, Dict[str, str], str]:
        path = request.path_url.split("?")[0]
        body = request.body.encode() if isinstance(request.body, str) else request.body
        status, answer = crm.handle(request.method, path, body or b"")
        data = json.dumps(answer)
        return status, _headers(data.encode()), data

    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add_callback(responses.POST, re.compile(re.escape(crm.url) + r"/.*"), callback=callback)
        yield crm


@contextmanager
def on_loopback(crm: FakeCrm) -> Iterator[FakeCrm]:
    """Serve ``crm`` on ``http://127.0.0.1:<free port>`` (what a server on this machine can call)."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self._body()
            status, answer = crm.handle("POST", self.path.split("?")[0], body)
            data = json.dumps(answer).encode()
            self.send_response_only(status)  # no Date or Server header: the answer is the same each time
            for name, value in _headers(data).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def _body(self) -> bytes:
            if self.headers.get("Transfer-Encoding", "").lower() != "chunked":
                return self.rfile.read(int(self.headers.get("Content-Length") or 0))
            chunks = []  # the server's HTTP client streams the body in chunks
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                chunk = self.rfile.read(size + 2)[:size]  # each chunk ends with CRLF
                if not size:
                    return b"".join(chunks)
                chunks.append(chunk)

        def log_message(self, *args: Any) -> None:  # keep the test output quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, name="fake-crm", daemon=True)
    thread.start()
    crm.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield crm
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
