"""Shared helpers of the system-task handler tests: a small real SystemTaskEnv and task builders.

Not a test module by content (pytest collects nothing here); the other test_system_tasks_*
modules import it.
"""

from __future__ import annotations

import json
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Dict, List, Optional, Tuple

import requests

from conductor_testkit.engine.javascript import JavaScriptEvaluator
from conductor_testkit.engine.jq_transform import JqEvaluator
from conductor_testkit.engine.system_tasks import run_async_task
from conductor_testkit.engine.system_tasks.base import SystemTaskHandler, is_terminal
from conductor_testkit.testing.server import free_port  # noqa: F401  (re-exported to the tests)

NOW_MS = 1_767_225_600_000  # 2026-01-01T00:00:00Z


class RecordingEnv:
    """A plain SystemTaskEnv: a settable clock, real QuickJS, real ``requests``, recorded events."""

    def __init__(
        self,
        now_ms: int = NOW_MS,
        workflow: Optional[Dict[str, Any]] = None,
        js: Optional[JavaScriptEvaluator] = None,
        host_name: str = "test-host",
        jq: Optional[JqEvaluator] = None,
    ) -> None:
        self.clock_ms = now_ms
        self._js = js or JavaScriptEvaluator()
        self._jq = jq or JqEvaluator()
        self._workflow = workflow or {
            "workflowId": "wf-1",
            "workflowName": "wf_name",
            "workflowVersion": 3,
            "correlationId": "corr-1",
            "taskToDomain": {},
        }
        self._host_name = host_name
        self.events: List[Tuple[str, str, Dict[str, Any]]] = []
        self.withdrawn: List[str] = []
        self.kafka: List[Dict[str, Any]] = []
        self.requests: List[Dict[str, Any]] = []

    def now_ms(self) -> int:
        return self.clock_ms

    @property
    def js(self) -> JavaScriptEvaluator:
        return self._js

    @property
    def jq(self) -> JqEvaluator:
        return self._jq

    @property
    def workflow(self) -> Dict[str, Any]:
        return self._workflow

    @property
    def host_name(self) -> str:
        return self._host_name

    def http_request(
        self,
        method: str,
        url: str,
        headers: Dict[str, str],
        body: Any,
        connect_timeout_s: float,
        read_timeout_s: float,
    ) -> requests.Response:
        self.requests.append({"method": method, "url": url, "headers": dict(headers), "body": body})
        return requests.request(
            method, url, headers=headers, data=body, timeout=(connect_timeout_s, read_timeout_s)
        )

    def record_event(self, sink: str, queue: str, payload: Dict[str, Any], message_id: str = "") -> None:
        self.events.append((sink, queue, payload))

    def withdraw_event(self, message_id: str) -> None:
        self.withdrawn.append(message_id)

    def record_kafka(self, request: Dict[str, Any]) -> None:
        self.kafka.append(request)


def new_task(
    task_type: str,
    input_data: Optional[Dict[str, Any]] = None,
    workflow_task: Optional[Dict[str, Any]] = None,
    *,
    env: Optional[RecordingEnv] = None,
) -> Tuple[Dict[str, Any], Dict[str, Any]]:
    """A task dict as the engine creates it before ``prepare`` (input already resolved)."""
    wt = workflow_task or {}
    wt.setdefault("name", task_type.lower())
    wt.setdefault("taskReferenceName", task_type.lower() + "_ref")
    wt.setdefault("type", task_type)
    wt.setdefault("inputParameters", dict(input_data or {}))
    task = {
        "taskType": task_type,
        "taskDefName": wt["name"],
        "referenceTaskName": wt["taskReferenceName"],
        "taskId": str(uuid.uuid4()),
        "workflowInstanceId": (env.workflow["workflowId"] if env else "wf-1"),
        "inputData": json.loads(json.dumps(input_data or {})),
        "outputData": {},
        "status": None,
        "scheduledTime": env.now_ms() if env else NOW_MS,
        "startTime": 0,
        "endTime": 0,
        "pollCount": 0,
        "callbackAfterSeconds": 0,
        "workflowTask": wt,
    }
    return task, wt


def run_sync(handler: SystemTaskHandler, task: Dict[str, Any], env: RecordingEnv) -> None:
    """What the decide does to a synchronous system task: start, then execute while running."""
    handler.start(task, env)
    if not is_terminal(task["status"]):
        handler.execute(task, env)


def run_handler(
    handler: SystemTaskHandler,
    input_data: Optional[Dict[str, Any]] = None,
    workflow_task: Optional[Dict[str, Any]] = None,
    env: Optional[RecordingEnv] = None,
) -> Dict[str, Any]:
    """Create, prepare and run a task to where the server would leave it after one decide
    (sync) or one system-task-worker evaluation (async)."""
    env = env or RecordingEnv()
    task, wt = new_task(handler.task_type, input_data, workflow_task, env=env)
    handler.prepare(task, wt, env)
    if is_terminal(task["status"]):
        return task
    if handler.is_async:
        run_async_task(handler, task, env)
    else:
        run_sync(handler, task, env)
    return task


# ------------------------------------------------------------------------------ local HTTP

Route = Callable[[BaseHTTPRequestHandler, bytes], None]


class LocalHttpServer:
    """A real HTTP server on 127.0.0.1 (a free port) answering with per-path routes."""

    def __init__(self, routes: Dict[str, Route]) -> None:
        self.routes = routes
        self.received: List[Dict[str, Any]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _body(self) -> bytes:
                if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                    data = b""
                    while True:
                        size = int(self.rfile.readline().strip(), 16)
                        if size == 0:
                            self.rfile.readline()
                            return data
                        data += self.rfile.read(size)
                        self.rfile.readline()
                length = int(self.headers.get("Content-Length") or 0)
                return self.rfile.read(length) if length else b""

            def _handle(self) -> None:
                body = self._body()
                path = self.path.split("?", 1)[0]
                outer.received.append(
                    {"method": self.command, "path": self.path, "headers": dict(self.headers), "body": body}
                )
                route = outer.routes.get(path)
                if route is None:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                route(self, body)

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _handle

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def __enter__(self) -> LocalHttpServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._server.shutdown()
        self._server.server_close()


def reply(status: int, body: bytes = b"", headers: Optional[List[Tuple[str, str]]] = None) -> Route:
    """A route answering ``status`` with ``body`` and the given header lines."""

    def route(handler: BaseHTTPRequestHandler, _body: bytes) -> None:
        handler.send_response(status)
        for name, value in headers or []:
            handler.send_header(name, value)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    return route


