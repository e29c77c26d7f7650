"""A JSON service on a loopback port, for HTTP tasks that the server (or the engine) calls for real."""

from __future__ import annotations

import json
import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, Iterator, List


class JsonService:
    """Answers every request with ``answer`` (status ``status``); keeps the paths it was asked for."""

    def __init__(self, answer: Dict[str, Any], status: int = 200) -> None:
        self.answer = answer
        self.status = status
        self.paths: List[str] = []
        self.url = ""


@contextmanager
def serving(service: JsonService) -> Iterator[JsonService]:
    """Serve ``service`` on ``http://127.0.0.1:<free port>`` for the duration of the block."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            service.paths.append(self.path)
            data = json.dumps(service.answer).encode()
            self.send_response(service.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    service.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield service
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
