"""Worker throughput against the server's ceiling: a bare load generator, our TaskHandler and the
official SDK's (conductor-python 2.0.0), on the same real server.

The workload, the same for every variant: N one-task workflows (one no-op SIMPLE task each, a
task type of their own) are started before the workers, so the queue is full when they start
(``--settle-seconds`` later, so that no variant meets the server still busy with the starts).
Each variant runs in a driver process of its own (this script with ``--drive``), so everything a
variant costs on the client is counted, supervisor threads included:

- ``ceiling``: the least a client can do. ``--threads`` threads of plain ``requests``, each
  polling one task, then reporting it with ``POST /tasks/update-v2``, which hands back the next
  task: one HTTP call per task, no models, no metrics, nothing else;
- ``ours``: conductor-testkit's TaskHandler, one worker process with ``thread_count=--threads``;
- ``official``: the official SDK's TaskHandler, the same worker, with its default settings.

Measured per run, in the steady state (from the first task polled to the last completed):

- tasks/s: completed tasks over the time from the first task's ``startTime`` to the last task's
  ``endTime`` (the server's clock);
- server busy cores: the server's CPU per task times tasks/s. The server's CPU is read from
  ``/proc/<pid>/stat`` of its process (found by its listening port, or ``--server-pid``) when
  the first task is polled and when the last workflow has ended;
- client CPU ms per task: user + system CPU of the driver process and all its descendants
  (worker processes, logger processes), read from /proc over the same window;
- HTTP calls per task: the server's own count of the task API calls (``/api/tasks...``:
  polls, updates, lease extensions; not the queue-size checks of this script), from its
  Prometheus endpoint, over the whole run, divided by the tasks;
- start-up s: from the driver calling ``start_processes()`` (the ceiling: starting its threads)
  to the first task polled.

The machine is usually shared and noisy, so the variants are interleaved over ``--rounds``
rounds (the order rotates from round to round) after an uncounted warm-up round, and the load
average is printed with every run. Printed: per variant the median and the range of each figure,
and the per-round ratios (each round's runs are back to back, so drift in the machine's load
cancels out of the ratio better than out of the medians) to the ceiling and to the official SDK.

``--thread-dumps N`` instead looks at what the server's request threads do during a run of
``ours``: first it samples their state from ``/proc/<pid>/task`` every 2 ms for
``--sample-seconds`` (on a CPU, in disk I/O, asleep in SQLite's busy handler waiting for the write
lock, parked), then takes N thread dumps (``jstack`` of a JDK, e.g. the Temurin one under
/usr/lib/jvm) and counts the busy threads by endpoint and those inside SQLite: whether the
server's single SQLite writer is what limits the throughput.

Usage::

    CONDUCTOR_SERVER_URL=http://127.0.0.1:8080/api python benchmarks/worker_throughput.py \\
        --tasks 300 --rounds 7 --threads 4
    python benchmarks/worker_throughput.py --variants ceiling,ours --threads-sweep 1,2,4,8,16
    python benchmarks/worker_throughput.py --thread-dumps 8

Without CONDUCTOR_SERVER_URL a server is started with conductor_testkit.testing.server.
"""

from __future__ import annotations

import argparse
import glob
import logging
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple
from urllib.parse import urlsplit

import requests

from conductor_testkit.client import Configuration, MetadataClient, TaskClient, WorkflowClient
from conductor_testkit.errors import ServerError
from conductor_testkit.models import StartWorkflowRequest, TaskDef

_CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
_SETUP_THREADS = 4  # concurrent starts and checks: setup time is not measured
_START_ATTEMPTS = 5
_SETTLE_SECONDS = 3.0
_VARIANTS = ("ceiling", "ours", "official")


def noop() -> Dict[str, Any]:
    return {}


# -- CPU from /proc -----------------------------------------------------------------------------------


def _proc_stats() -> Dict[int, Tuple[int, float]]:
    """{pid: (parent pid, CPU seconds of the process and of its reaped children)} from /proc."""
    stats: Dict[int, Tuple[int, float]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                text = handle.read()
        except OSError:  # exited meanwhile
            continue
        fields = text[text.rindex(")") + 2 :].split()  # after "pid (comm) "
        parent = int(fields[1])
        utime, stime, cutime, cstime = (int(value) for value in fields[11:15])
        stats[int(entry)] = (parent, (utime + stime + cutime + cstime) / _CLOCK_TICKS)
    return stats


def tree_cpu_seconds(root: int) -> Dict[int, float]:
    """{pid: CPU seconds} of ``root`` and every live descendant of it."""
    stats = _proc_stats()
    children: Dict[int, List[int]] = {}
    for pid, (parent, _) in stats.items():
        children.setdefault(parent, []).append(pid)
    out: Dict[int, float] = {}
    stack = [root] if root in stats else []
    while stack:
        pid = stack.pop()
        out[pid] = stats[pid][1]
        stack.extend(children.get(pid, []))
    return out


def _cpu_between(before: Dict[int, float], after: Dict[int, float]) -> float:
    return sum(seconds - before.get(pid, 0.0) for pid, seconds in after.items())


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of one process (all its threads)."""
    with open(f"/proc/{pid}/stat") as handle:
        text = handle.read()
    fields = text[text.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / _CLOCK_TICKS


def listening_pid(port: int) -> Optional[int]:
    """The process listening on a TCP port of this machine (from /proc/net/tcp*), or None."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            parts = line.split()
            if parts[3] == "0A" and int(parts[1].rsplit(":", 1)[1], 16) == port:  # 0A: LISTEN
                inodes.add(parts[9])
    for fd in glob.glob("/proc/[0-9]*/fd/*"):
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:[") and target[8:-1] in inodes:
            return int(fd.split("/")[2])
    return None


# -- the server's own count of task API calls ---------------------------------------------------------

_REQUESTS_LINE = re.compile(
    r"^http_server_requests_seconds_count\{(?P<labels>[^}]*)\} (?P<value>[0-9.eE+]+)$"
)


def task_api_calls(url: str) -> float:
    """How many task API calls (polls, updates, lease extensions) the server has answered."""
    root = url[: -len("/api")] if url.endswith("/api") else url
    text = requests.get(f"{root}/actuator/prometheus", timeout=30).text
    total = 0.0
    for line in text.splitlines():
        match = _REQUESTS_LINE.match(line)
        if not match:
            continue
        uri = re.search(r'uri="([^"]*)"', match.group("labels"))
        method = re.search(r'method="([^"]*)"', match.group("labels"))
        path = uri.group(1) if uri else ""
        if not path.startswith("/api/tasks") or path.startswith("/api/tasks/queue"):
            continue
        if method and method.group(1) == "GET" and path == "/api/tasks/{taskId}":
            continue
        total += float(match.group("value"))
    return total


# -- the variants, each run by a driver process ----------------------------------------------------


class Ceiling:
    """The bare load generator: threads of plain ``requests``, poll then update-v2 chained."""

    def __init__(self, url: str, task: str, threads: int) -> None:
        self.url, self.task, self.threads = url, task, threads
        self._stop = threading.Event()
        self._threads: List[threading.Thread] = []

    def start_processes(self) -> None:
        for number in range(self.threads):
            thread = threading.Thread(target=self._work, args=(f"ceiling-{number}",), daemon=True)
            self._threads.append(thread)
            thread.start()

    def stop_processes(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=30)

    def _work(self, worker_id: str) -> None:
        session = requests.Session()
        poll_url = f"{self.url}/tasks/poll/batch/{self.task}"
        update_url = f"{self.url}/tasks/update-v2"
        task: Optional[Dict[str, Any]] = None
        while not self._stop.is_set():
            if task is None:
                polled = session.get(
                    poll_url, params={"count": 1, "timeout": 100, "workerid": worker_id}, timeout=30
                ).json()
                if not polled:
                    continue
                task = polled[0]
            result = {
                "taskId": task["taskId"],
                "workflowInstanceId": task["workflowInstanceId"],
                "workerId": worker_id,
                "status": "COMPLETED",
                "outputData": {},
            }
            answer = session.post(update_url, json=result, timeout=30)
            task = answer.json() if answer.status_code == 200 and answer.content else None


def _ours(url: str, task: str, threads: int) -> Any:
    from conductor_testkit.worker import TaskHandler, Worker

    return TaskHandler(
        workers=[Worker(task, noop, thread_count=threads)],
        configuration=Configuration(server_api_url=url),
        scan_for_annotated_workers=False,
        handle_signals=False,
    )


def _official(url: str, task: str, threads: int) -> Any:
    from conductor.client.automator.task_handler import TaskHandler
    from conductor.client.configuration.configuration import Configuration as OfficialConfiguration
    from conductor.client.worker.worker import Worker

    return TaskHandler(
        workers=[Worker(task, noop, thread_count=threads)],
        configuration=OfficialConfiguration(server_api_url=url),
        scan_for_annotated_workers=False,
    )


_MAKERS: Dict[str, Callable[[str, str, int], Any]] = {
    "ceiling": Ceiling,
    "ours": _ours,
    "official": _official,
}


def drive(variant: str, url: str, task: str, threads: int, ready_file: str) -> int:
    """The driver process: start the variant, say when, run until stdin closes, stop it."""
    logging.basicConfig(level=logging.WARNING)
    handler = _MAKERS[variant](url, task, threads)
    Path(ready_file).write_text(f"{time.time() * 1000:.0f}")
    handler.start_processes()
    sys.stdin.read()  # the measuring process closes it when the run is over
    handler.stop_processes()
    return 0


# -- one run --------------------------------------------------------------------------------------


class Workload:
    """N started one-task workflows of a fresh task type, ready for a worker."""

    def __init__(self, url: str, label: str, tasks: int) -> None:
        configuration = Configuration(server_api_url=url)
        self.size = tasks
        self.workflows = WorkflowClient(configuration)
        self.task_client = TaskClient(configuration)
        self.task = f"bench_{label}_{uuid.uuid4().hex[:8]}"
        metadata = MetadataClient(configuration)
        metadata.register_task_def(
            TaskDef(
                name=self.task, retry_count=0, response_timeout_seconds=300, owner_email="bench@example.com"
            )
        )
        metadata.register_workflow_def(
            {
                "name": self.task,
                "version": 1,
                "schemaVersion": 2,
                "ownerEmail": "bench@example.com",
                "tasks": [{"name": self.task, "taskReferenceName": "noop", "type": "SIMPLE"}],
            },
            overwrite=True,
        )
        with ThreadPoolExecutor(_SETUP_THREADS) as pool:
            self.ids = list(pool.map(self._start, range(tasks)))

    def _start(self, index: int) -> str:
        request = StartWorkflowRequest(name=self.task, version=1, input={"i": index})
        for attempt in range(_START_ATTEMPTS):
            try:
                return self.workflows.start_workflow(request)
            except ServerError as exc:  # SQLITE_BUSY on a loaded machine: the start was rolled back
                if attempt == _START_ATTEMPTS - 1 or "SQLITE_BUSY" not in str(exc):
                    raise
                time.sleep(1.0)
        raise AssertionError("unreachable")

    def queued(self) -> int:
        """Tasks waiting in the queue (a workflow the server failed to start has none)."""
        return self.task_client.get_queue_size_for_task(self.task)

    def wait_for_first_poll(self, queued: int, timeout_seconds: float) -> None:
        """Return once a worker took a first task (the queue got shorter than ``queued``)."""
        deadline = time.monotonic() + timeout_seconds
        while self.queued() >= queued:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{self.task}: no task polled within {timeout_seconds:.0f}s")
            time.sleep(0.02)

    def wait_until_done(self, timeout_seconds: float) -> None:
        # one cheap request every 0.2 s: the check itself must not load the server being measured
        deadline = time.monotonic() + timeout_seconds
        while self.workflows.get_running_workflows(self.task, version=1):
            if time.monotonic() > deadline:
                raise RuntimeError(f"{self.task}: workflows still RUNNING after {timeout_seconds:.0f}s")
            time.sleep(0.2)

    def outcome(self) -> Dict[str, Any]:
        """What the server recorded: completed tasks, first poll, last completion.

        Raises when a task a worker polled did not complete (a lost or failed result). A
        workflow the loaded server failed to start ("Error scheduling tasks": its task was
        never polled) is left out and counted in ``not_started``.
        """
        with ThreadPoolExecutor(_SETUP_THREADS) as pool:
            workflows = list(pool.map(lambda i: self.workflows.get_workflow(i, include_tasks=True), self.ids))
        done = []
        not_started = 0
        for workflow in workflows:
            polled = [t for t in workflow.tasks if t.start_time]
            if str(workflow.status) == "COMPLETED" and polled:
                done.extend(polled)
            elif not polled:
                not_started += 1
            else:
                raise RuntimeError(
                    f"{self.task}: workflow {workflow.workflow_id} ended {workflow.status} "
                    f"({workflow.reason_for_incompletion}) after its task was polled"
                )
        if not done:
            raise RuntimeError(f"{self.task}: no task completed")
        return {
            "completed": len(done),
            "not_started": not_started,
            "first_poll_ms": min(t.start_time or 0 for t in done),
            "last_end_ms": max(t.end_time or 0 for t in done),
        }


class Driver:
    """A variant running in a driver process (this script with ``--drive``)."""

    def __init__(self, variant: str, url: str, task: str, threads: int) -> None:
        self._dir = tempfile.mkdtemp(prefix="worker-bench-")
        self.ready_file = os.path.join(self._dir, "started")
        self.log_path = os.path.join(self._dir, "driver.log")
        command = [
            sys.executable, os.path.abspath(__file__), "--drive", variant, "--url", url,
            "--task", task, "--threads", str(threads), "--ready-file", self.ready_file,
        ]  # fmt: skip
        self._log = open(self.log_path, "wb")
        self.process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=self._log, stderr=subprocess.STDOUT
        )

    def started_ms(self, timeout_seconds: float = 120.0) -> float:
        """When the driver called ``start_processes()`` (epoch ms)."""
        deadline = time.monotonic() + timeout_seconds
        while not (os.path.exists(self.ready_file) and Path(self.ready_file).read_text()):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the driver did not start; its log:\n{self.log_tail()}")
            time.sleep(0.005)
        return float(Path(self.ready_file).read_text())

    def stop(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        try:
            self.process.wait(timeout=90)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=30)
        self._log.close()

    def log_tail(self, lines: int = 30) -> str:
        return "\n".join(Path(self.log_path).read_text(errors="replace").splitlines()[-lines:])


def run_once(
    url: str,
    server_pid: int,
    variant: str,
    tasks: int,
    threads: int,
    settle_seconds: float = _SETTLE_SECONDS,
    during: Optional[Callable[[], None]] = None,
) -> Dict[str, float]:
    """One measured run of ``variant`` (see the module docstring for the figures)."""
    workload = Workload(url, variant, tasks)
    time.sleep(settle_seconds)  # the starts leave the server work to finish: let it
    queued = workload.queued()
    calls_before = task_api_calls(url)
    load = os.getloadavg()[0]
    driver = Driver(variant, url, workload.task, threads)
    try:
        started_ms = driver.started_ms()
        workload.wait_for_first_poll(queued, timeout_seconds=60.0)
        client_first, server_first = tree_cpu_seconds(driver.process.pid), process_cpu_seconds(server_pid)
        if during is not None:
            during()
        workload.wait_until_done(timeout_seconds=max(120.0, tasks / 2.0))
        client_done, server_done = tree_cpu_seconds(driver.process.pid), process_cpu_seconds(server_pid)
        calls = task_api_calls(url) - calls_before
    finally:
        driver.stop()
    seen = workload.outcome()
    if seen["not_started"]:
        print(
            f"  ({seen['not_started']} workflow(s) failed to start on the server: not counted)",
            file=sys.stderr,
        )
    completed = seen["completed"]
    tasks_per_second = completed / (max(seen["last_end_ms"] - seen["first_poll_ms"], 1) / 1000.0)
    server_cpu_per_task = (server_done - server_first) / completed
    return {
        "tasks_per_second": tasks_per_second,
        "server_cores": server_cpu_per_task * tasks_per_second,
        "server_ms_per_task": server_cpu_per_task * 1000.0,
        "client_ms_per_task": _cpu_between(client_first, client_done) * 1000.0 / completed,
        "calls_per_task": calls / completed,
        "startup_seconds": (seen["first_poll_ms"] - started_ms) / 1000.0,
        "load": load,
    }


# -- report ---------------------------------------------------------------------------------------------

_COLUMNS = (  # (result key, heading, decimals)
    ("tasks_per_second", "tasks/s", 1),
    ("server_cores", "server cores", 2),
    ("server_ms_per_task", "server ms/task", 1),
    ("client_ms_per_task", "client ms/task", 2),
    ("calls_per_task", "calls/task", 3),
    ("startup_seconds", "start-up s", 2),
    ("load", "load avg", 1),
)


def _spread(values: Sequence[float], digits: int) -> str:
    return f"{statistics.median(values):.{digits}f} ({min(values):.{digits}f}-{max(values):.{digits}f})"


def _ratios(runs: Dict[str, List[Dict[str, float]]], a: str, b: str, key: str) -> str:
    values = [x[key] / y[key] for x, y in zip(runs[a], runs[b]) if y[key] > 0]
    return f"x{_spread(values, 2)}" if values else "n/a"


def report(runs: Dict[str, List[Dict[str, float]]], header: str) -> str:
    """The side-by-side table: medians and ranges over the rounds, and the paired ratios."""
    names = list(runs)
    width = 20
    label = max(len(name) for name in names) + 2
    lines = [
        header,
        "median (min-max) over the rounds; steady state (first task polled to last completed), "
        "except calls/task (whole run) and start-up (start_processes() to the first task polled)",
        "",
        f"{'':{label}}" + "".join(f"{heading:>{width}}" for _, heading, _ in _COLUMNS),
    ]
    for name in names:
        cells = (_spread([r[key] for r in runs[name]], digits) for key, _, digits in _COLUMNS)
        lines.append(f"{name:{label}}" + "".join(f"{cell:>{width}}" for cell in cells))
    lines.append("")
    for name in names:
        each = ", ".join(f"{r['tasks_per_second']:.1f}" for r in runs[name])
        lines.append(f"{name:{label}}tasks/s per round: {each}")
    lines.append("")
    pairs = [(a, b) for a in names for b in ("ceiling", "official") if b in runs and a != b]
    for a, b in pairs:
        lines.append(
            f"{a} / {b}, paired per round: tasks/s {_ratios(runs, a, b, 'tasks_per_second')}, "
            f"client CPU per task {_ratios(runs, a, b, 'client_ms_per_task')}, "
            f"server CPU per task {_ratios(runs, a, b, 'server_ms_per_task')}"
        )
    return "\n".join(lines)


# -- thread dumps ---------------------------------------------------------------------------------------


def find_jstack() -> str:
    """A ``jstack`` of JDK 21 or newer (the server's JVM)."""
    for candidate in sorted(glob.glob("/usr/lib/jvm/*/bin/jstack"), reverse=True):
        if "temurin" in candidate:
            return candidate
    candidates = glob.glob("/usr/lib/jvm/*/bin/jstack")
    if not candidates:
        raise RuntimeError("no jstack under /usr/lib/jvm; install a JDK 21+")
    return sorted(candidates)[-1]


_ENDPOINTS = {  # a frame of the server's REST layer -> the endpoint it serves
    "TaskResource.updateTaskV2": "POST /tasks/update-v2",
    "TaskResource.updateTask": "POST /tasks",
    "TaskResource.batchPoll": "GET /tasks/poll/batch",
    "TaskResource.poll": "GET /tasks/poll",
    "TaskResource.size": "GET /tasks/queue/sizes",
    "WorkflowResource": "/workflow/...",
}


_CONDUCTOR_FRAME = re.compile(r"at com\.netflix\.conductor\.[\w.]*?\.(\w+\.[\w$]+)\(")


def summarise_dump(text: str, counts: Counter) -> None:
    """Count the busy request threads of one dump by endpoint, and those inside SQLite."""
    for block in text.split("\n\n"):
        if not block.startswith('"http-nio-') or "com.netflix.conductor" not in block:
            continue  # an idle request thread waits in Tomcat's pool, with no Conductor frame
        endpoint = next((name for frame, name in _ENDPOINTS.items() if frame in block), "other")
        counts["busy"] += 1
        counts[f"busy {endpoint}"] += 1
        if "NativeDB.step" in block:  # executing, or waiting for SQLite's write lock (busy_timeout)
            counts["in SQLite step"] += 1
            counts[f"in SQLite step {endpoint}"] += 1
            caller = _CONDUCTOR_FRAME.search(block)  # the innermost Conductor frame: which DAO call
            counts[f"in SQLite step, called from {caller.group(1) if caller else '?'}"] += 1


_NID = re.compile(r'^"http-nio-[^"]*-exec-\d+".* nid=(0x[0-9a-f]+|\d+)', re.MULTILINE)


def request_thread_ids(text: str) -> List[int]:
    """The Linux thread ids (``nid``) of the server's request threads in a thread dump."""
    return [int(nid, 16) if nid.startswith("0x") else int(nid) for nid in _NID.findall(text)]


def _thread_state(server_pid: int, tid: int) -> str:
    """What a server thread is doing now, from /proc: its state and where it sleeps."""
    base = f"/proc/{server_pid}/task/{tid}"
    try:
        with open(f"{base}/stat") as handle:
            stat = handle.read()
        with open(f"{base}/wchan") as handle:
            wchan = handle.read().strip()
    except OSError:
        return "gone"
    state = stat[stat.rindex(")") + 2]
    if state == "R":
        return "on a CPU or waiting for one"
    if state == "D":
        return "in disk I/O (SQLite's writes and syncs)"
    if "nanosleep" in wchan:
        return "asleep in SQLite's busy handler (waiting for the write lock)"
    if "futex" in wchan:
        return "parked (idle in the pool, or waiting for a Java lock)"
    return f"waiting ({wchan or state})"


def sample_request_threads(server_pid: int, tids: List[int], seconds: float) -> Counter:
    """How many request threads were in each state, summed over samples every 2 ms."""
    samples: Counter = Counter()
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        samples["samples"] += 1
        for tid in tids:
            samples[_thread_state(server_pid, tid)] += 1
        time.sleep(0.002)
    return samples


def thread_dumps(
    url: str, server_pid: int, tasks: int, threads: int, dumps: int, sample_seconds: float
) -> str:
    """A run of ours during which the server's request threads are sampled, then dumped."""
    jstack = find_jstack()
    counts: Counter = Counter()
    samples: Counter = Counter()

    def jstack_text() -> str:
        return subprocess.run([jstack, str(server_pid)], capture_output=True, text=True, timeout=60).stdout

    def diagnose() -> None:
        tids = request_thread_ids(jstack_text())
        samples.update(sample_request_threads(server_pid, tids, sample_seconds))
        samples["threads"] = len(tids)
        for _ in range(dumps):
            counts["dumps"] += 1
            summarise_dump(jstack_text(), counts)
            time.sleep(0.5)

    result = run_once(url, server_pid, "ours", tasks, threads, during=diagnose)
    seen = max(samples["samples"], 1)
    lines = [
        f"During a run of ours with {threads} worker threads ({result['tasks_per_second']:.1f} tasks/s, "
        f"server busy cores {result['server_cores']:.2f}, load average {result['load']:.1f}):",
        f"  the server's {samples['threads']} request threads, sampled every 2 ms for {sample_seconds:g} s "
        "(average number of threads in each state):",
    ]
    for state, value in samples.most_common():
        if state not in ("samples", "threads"):
            lines.append(f"    {value / seen:5.2f}  {state}")
    lines += [
        f"  {counts['dumps']} thread dumps ({jstack}): busy request threads {counts['busy']}, "
        f"of which inside SQLite's step: {counts['in SQLite step']}",
    ]
    for key, value in sorted(counts.items()):
        if key.startswith(("busy ", "in SQLite step")):
            lines.append(f"    {key}: {value}")
    return "\n".join(lines)


# -- main -------------------------------------------------------------------------------------------------


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--tasks", type=int, default=300, help="tasks per measured run (default 300)")
    parser.add_argument("--threads", type=int, default=4, help="worker threads (default 4)")
    parser.add_argument("--rounds", type=int, default=7, help="measured rounds (default 7)")
    parser.add_argument(
        "--variants",
        default=",".join(_VARIANTS),
        help=f"which to run, in order (default {','.join(_VARIANTS)})",
    )
    parser.add_argument(
        "--warmup-tasks", type=int, default=100, help="tasks per variant in the warm-up round"
    )
    parser.add_argument("--settle-seconds", type=float, default=_SETTLE_SECONDS)
    parser.add_argument("--threads-sweep", help="thread counts to run instead of --threads, e.g. 1,2,4,8,16")
    parser.add_argument(
        "--thread-dumps", type=int, default=0, help="sample the server's request threads, then take N dumps"
    )
    parser.add_argument(
        "--sample-seconds", type=float, default=5.0, help="how long to sample them (default 5)"
    )
    parser.add_argument("--server-pid", type=int, help="the server's process (default: found by its port)")
    parser.add_argument("--drive", choices=sorted(_MAKERS), help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--task", help=argparse.SUPPRESS)
    parser.add_argument("--ready-file", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.drive:
        return drive(args.drive, args.url, args.task, args.threads, args.ready_file)
    logging.basicConfig(level=logging.WARNING)

    server = None
    url = os.environ.get("CONDUCTOR_SERVER_URL")
    if not url:
        from conductor_testkit.testing.server import ConductorServer

        server = ConductorServer().start()
        url = server.api_url
    url = url.rstrip("/")
    server_pid = args.server_pid or listening_pid(urlsplit(url).port or 80)
    if server_pid is None:
        parser.error(f"cannot find the process listening at {url}; pass --server-pid")
    variants = [v.strip() for v in args.variants.split(",") if v.strip()]
    thread_counts = [int(t) for t in args.threads_sweep.split(",")] if args.threads_sweep else [args.threads]
    machine = f"{os.cpu_count()} cores, {os.uname().machine}, server pid {server_pid} at {url}"
    try:
        if args.thread_dumps:
            print(
                thread_dumps(
                    url, server_pid, args.tasks, args.threads, args.thread_dumps, args.sample_seconds
                )
            )
            return 0
        if args.warmup_tasks > 0:
            for variant in variants:
                run_once(url, server_pid, variant, args.warmup_tasks, thread_counts[0], args.settle_seconds)
        runs: Dict[str, List[Dict[str, float]]] = {
            f"{v}/{t}" if len(thread_counts) > 1 else v: [] for t in thread_counts for v in variants
        }
        for round_number in range(args.rounds):
            cells = [(v, t) for t in thread_counts for v in variants]
            shift = round_number % len(cells)  # rotate the order: load drifts within a round too
            for variant, threads in cells[shift:] + cells[:shift]:
                result = run_once(url, server_pid, variant, args.tasks, threads, args.settle_seconds)
                name = f"{variant}/{threads}" if len(thread_counts) > 1 else variant
                runs[name].append(result)
                print(
                    f"round {round_number + 1} {name}: "
                    + ", ".join(f"{heading} {result[key]:.{digits}f}" for key, heading, digits in _COLUMNS),
                    file=sys.stderr,
                )
    finally:
        if server is not None:
            server.stop()
    header = (
        f"{time.strftime('%Y-%m-%d %H:%M')}, {machine}; {args.tasks} no-op tasks per run, "
        f"{'threads ' + args.threads_sweep if args.threads_sweep else f'{args.threads} worker threads'}, "
        f"{args.rounds} interleaved round(s)"
        + (f" after a warm-up round of {args.warmup_tasks} tasks" if args.warmup_tasks > 0 else "")
    )
    print()
    print(report(runs, header))
    return 0


if __name__ == "__main__":
    sys.exit(main())
