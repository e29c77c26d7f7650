"""The worker runtime under stress: SIGTERM during a task, and the server unreachable for a while.

The shared server is never stopped: a loopback TCP proxy (below) stands between the workers and
the server, and the test cuts it to make the server unreachable for the workers only.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
import uuid
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple
from urllib.parse import urlsplit

import pytest

from conductor_testkit.client import Configuration, MetadataClient, WorkflowClient
from conductor_testkit.models import TaskDef, Workflow
from conductor_testkit.worker import InMemoryMetrics, TaskHandler, Worker

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]


def unique(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:10]}"


def register(url: str, workflow_name: str, task: str) -> None:
    metadata = MetadataClient(Configuration(server_api_url=url))
    metadata.register_task_def(
        TaskDef(name=task, retry_count=0, response_timeout_seconds=120, owner_email="test@example.com")
    )
    metadata.register_workflow_def(
        {
            "name": workflow_name,
            "version": 1,
            "schemaVersion": 2,
            "ownerEmail": "test@example.com",
            "tasks": [
                {
                    "name": task,
                    "taskReferenceName": "work",
                    "type": "SIMPLE",
                    "inputParameters": {"value": "${workflow.input.value}"},
                }
            ],
        },
        overwrite=True,
    )


def wait_until(condition: Any, what: str, deadline_seconds: float = 60) -> Any:
    deadline = time.monotonic() + deadline_seconds
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up after {deadline_seconds}s waiting for {what}")
        time.sleep(0.05)


def wait_terminal(client: WorkflowClient, workflow_id: str) -> Workflow:
    def terminal() -> Optional[Workflow]:
        workflow = client.get_workflow(workflow_id, include_tasks=True)
        return workflow if str(workflow.status) not in ("RUNNING", "PAUSED") else None

    return wait_until(terminal, f"workflow {workflow_id} to end", 90)


# -- SIGTERM ---------------------------------------------------------------------------------------

WORKER_SCRIPT = textwrap.dedent(
    """
    import logging, sys, time
    from pathlib import Path
    from conductor_testkit.client import Configuration
    from conductor_testkit.worker import TaskHandler, Worker

    url, task, marker_dir, mode = sys.argv[1:5]
    markers = Path(marker_dir)
    # the handler logs "received SIGTERM" when its signal handler runs
    logging.basicConfig(filename=str(markers / "log"), level=logging.INFO)

    def slow(value: int) -> dict:
        (markers / "started").write_text("1")
        while not (markers / "release").exists():   # in flight until the test says so
            time.sleep(0.02)
        return {"doubled": value * 2}

    handler = TaskHandler(workers=[Worker(task, slow)], configuration=Configuration(server_api_url=url),
                          scan_for_annotated_workers=False, use_threads=(mode == "threads"))
    handler.start_processes()
    (markers / "ready").write_text("1")
    handler.join_processes()
    """
)


@pytest.mark.parametrize("mode", ["processes", "threads"])
def test_sigterm_during_a_task_still_reports_its_result(
    conductor_server_url: str, tmp_path: Path, mode: str
) -> None:
    task, workflow_name = unique("sigterm"), unique("wf_sigterm")
    register(conductor_server_url, workflow_name, task)
    script = tmp_path / "worker_app.py"
    script.write_text(WORKER_SCRIPT)
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    app = subprocess.Popen(
        [sys.executable, str(script), conductor_server_url, task, str(tmp_path), mode],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_until(lambda: (tmp_path / "ready").exists() or app.poll() is not None, "the worker app to start")
        client = WorkflowClient(Configuration(server_api_url=conductor_server_url))
        workflow_id = client.start_workflow_by_name(workflow_name, {"value": 21}, version=1)
        wait_until(lambda: (tmp_path / "started").exists(), "the task to start executing")

        app.send_signal(signal.SIGTERM)
        log = tmp_path / "log"
        wait_until(lambda: "received SIGTERM" in log.read_text(), "the worker app to take the SIGTERM")
        (tmp_path / "release").write_text("1")  # the task was in flight when the signal landed
        app.wait(timeout=60)
        workflow = wait_terminal(client, workflow_id)
    finally:
        if app.poll() is None:
            app.kill()
        output = app.stdout.read().decode() if app.stdout else ""
    assert workflow.status == "COMPLETED", output
    assert workflow.tasks[0].output_data == {"doubled": 42}
    assert app.returncode == 128 + signal.SIGTERM, output


# -- the server unreachable for a while ----------------------------------------------------------


class LoopbackProxy:
    """A TCP proxy on 127.0.0.1 that can be cut (refuse and drop connections) and restored."""

    def __init__(self, target: Tuple[str, int]) -> None:
        self.target = target
        self.port = 0
        self._listener: Optional[socket.socket] = None
        self._connections: List[socket.socket] = []
        self._lock = threading.Lock()

    def start(self) -> LoopbackProxy:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self.port = listener.getsockname()[1]
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()
        return self

    def cut(self) -> None:
        """New connections are refused, open ones are dropped."""
        with self._lock:
            listener, self._listener = self._listener, None
            connections, self._connections = self._connections, []
        if listener is not None:
            listener.close()
        for conn in connections:
            _close(conn)

    def restore(self) -> None:
        self.start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # cut
            try:
                upstream = socket.create_connection(self.target)
            except OSError:
                _close(client)
                continue
            with self._lock:
                if self._listener is not listener:
                    _close(client)
                    _close(upstream)
                    return
                self._connections += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=_pump, args=(source, sink), daemon=True).start()


def _pump(source: socket.socket, sink: socket.socket) -> None:
    try:
        while True:
            data = source.recv(65536)
            if not data:
                break
            sink.sendall(data)
    except OSError:
        pass
    _close(source)
    _close(sink)


def _close(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    sock.close()


def test_results_survive_the_server_being_unreachable(conductor_server_url: str) -> None:
    task, workflow_name = unique("outage"), unique("wf_outage")
    register(conductor_server_url, workflow_name, task)
    address = urlsplit(conductor_server_url)
    proxy = LoopbackProxy((address.hostname or "127.0.0.1", address.port or 80)).start()
    proxied = Configuration(server_api_url=f"http://127.0.0.1:{proxy.port}{address.path}")
    client = WorkflowClient(Configuration(server_api_url=conductor_server_url))

    release = threading.Event()
    gated_calls: List[int] = []

    def gated(value: int) -> Dict[str, int]:
        if len(gated_calls) < 4:  # the first four tasks stay in flight until the server is cut
            gated_calls.append(value)
            release.wait(60)
        return {"doubled": value * 2}

    metrics = InMemoryMetrics()
    # five threads: four held by the gated tasks, one left polling (and failing) during the outage
    handler = TaskHandler(
        workers=[Worker(task, gated, thread_count=5)],
        configuration=proxied,
        scan_for_annotated_workers=False,
        use_threads=True,
        metrics=metrics,
    )
    workflow_ids = [client.start_workflow_by_name(workflow_name, {"value": n}, version=1) for n in range(4)]
    with handler:
        handler.start_processes()
        wait_until(lambda: len(gated_calls) >= 4, "four tasks in flight")
        proxy.cut()
        release.set()  # the four results are now due while the server is unreachable
        wait_until(lambda: metrics.count("update_retries", task) >= 4, "failed updates to be retried")
        wait_until(lambda: metrics.count("poll_errors", task) >= 1, "a failed poll")
        # A poll the server was still holding open when the proxy dropped it would take a task
        # started now and lose it with the response (it would wait for responseTimeoutSeconds):
        # start the next workflows only once such a poll has expired on the server.
        time.sleep(1)
        workflow_ids += [
            client.start_workflow_by_name(workflow_name, {"value": n}, version=1) for n in range(4, 8)
        ]
        time.sleep(1)  # stay unreachable a while longer, with work waiting
        proxy.restore()
        workflows = [wait_terminal(client, workflow_id) for workflow_id in workflow_ids]
    proxy.cut()
    assert [str(w.status) for w in workflows] == ["COMPLETED"] * 8
    assert [w.tasks[0].output_data for w in workflows] == [{"doubled": 2 * n} for n in range(8)]
    assert metrics.count("update_failures", task) == 0
