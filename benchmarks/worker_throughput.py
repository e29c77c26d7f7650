"""Worker throughput: conductor-testkit's TaskHandler versus the official SDK's, on a real server.

The workload, identical for both SDKs: N one-task workflows (one no-op SIMPLE task each, a task
type of their own) are all started before the workers, so the queue is full when the
TaskHandler starts (``--settle-seconds`` later, so that neither SDK meets the server still busy
with the starts); one worker process per SDK with the same ``thread_count`` and default poll
settings. A run ends when the server lists no RUNNING workflow of that name any more.

Measured per run, in the steady state (from the first task polled to the last completed, by
the server's clock):

- tasks/s: completed tasks divided by the time from the first task's ``startTime`` to the last
  task's ``endTime``;
- CPU s / 1,000 tasks: user + system CPU, read from /proc (Linux), of every process the
  TaskHandler runs (worker, logger and metrics processes: all descendants of this script,
  including their reaped children). This script's own CPU (starting workflows, waiting) is not
  counted;
- turnaround ms: the median over the tasks of ``endTime - startTime``, from the server handing a
  task out to it recording the result: the part of a task's life the SDK (and the server's
  update) takes;

and, from ``start_processes()`` (startup included): tasks/s end-to-end (completed tasks over the
time to the last ``endTime``), CPU per 1,000 tasks over the whole run, and the startup itself
(seconds to the first task polled: the official SDK starts its worker processes with the
``spawn`` method, a fresh interpreter that imports everything again).

A workflow that the loaded server fails to start ("Error scheduling tasks") has no task to
poll: it is reported and left out. A task that was polled and did not complete stops the
benchmark (a lost result).

The machine is usually shared and noisy, so the SDKs are interleaved over ``--rounds`` rounds
(the first SDK of a round alternates: A B, B A, A B, ...) after a smaller warm-up round that is
not counted. Printed: per SDK the median and the range of each figure over the rounds, and the
median of the per-round ratios (each round's pair ran back to back, so drift in the machine's
load cancels out of the ratio better than out of the medians).

Usage::

    CONDUCTOR_SERVER_URL=http://127.0.0.1:8080/api python benchmarks/worker_throughput.py \
        --tasks 300 --rounds 5 --threads 4

Without CONDUCTOR_SERVER_URL a server is started with conductor_testkit.testing.server.
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from conductor_testkit.client import Configuration, MetadataClient, TaskClient, WorkflowClient
from conductor_testkit.models import StartWorkflowRequest, TaskDef

_CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
_SETUP_THREADS = 8  # concurrent starts and checks: setup time is not measured
_SETTLE_SECONDS = 3.0


def noop() -> Dict[str, Any]:
    return {}


# -- CPU of this script's descendants ---------------------------------------------------------------


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


def descendants_cpu_seconds(root: int) -> Dict[int, float]:
    """{pid: CPU seconds} of every live descendant of ``root``."""
    stats = _proc_stats()
    children: Dict[int, List[int]] = {}
    for pid, (parent, _) in stats.items():
        children.setdefault(parent, []).append(pid)
    out: Dict[int, float] = {}
    stack = list(children.get(root, []))
    while stack:
        pid = stack.pop()
        out[pid] = stats[pid][1]
        stack.extend(children.get(pid, []))
    return out


# -- the two handlers ---------------------------------------------------------------------------------


def ours(url: str, task: str, threads: int) -> Any:
    from conductor_testkit.worker import TaskHandler, Worker

    return TaskHandler(
        workers=[Worker(task, noop, thread_count=threads)],
        configuration=Configuration(server_api_url=url),
        scan_for_annotated_workers=False,
        handle_signals=False,
    )


def official(url: str, task: str, threads: int) -> Any:
    from conductor.client.automator.task_handler import TaskHandler
    from conductor.client.configuration.configuration import Configuration as OfficialConfiguration
    from conductor.client.worker.worker import Worker

    return TaskHandler(
        workers=[Worker(task, noop, thread_count=threads)],
        configuration=OfficialConfiguration(server_api_url=url),
        scan_for_annotated_workers=False,
        monitor_processes=False,
    )


SDKS: Dict[str, Callable[[str, str, int], Any]] = {"conductor-testkit": ours, "official 2.0.0": official}


# -- one run --------------------------------------------------------------------------------------------


class Workload:
    """N started one-task workflows of a fresh task type, ready for a TaskHandler."""

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
        return self.workflows.start_workflow(
            StartWorkflowRequest(name=self.task, version=1, input={"i": index})
        )

    def queued(self) -> int:
        """Tasks waiting in the queue (a workflow the server failed to start has none)."""
        return self.task_client.get_queue_size_for_task(self.task)

    def wait_for_first_poll(self, queued: int, timeout_seconds: float) -> None:
        """Return once the workers took a first task (the queue got shorter than ``queued``)."""
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
        """What the server recorded: completed tasks, first poll, last completion, turnarounds.

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
            "turnaround_ms": statistics.median((t.end_time or 0) - (t.start_time or 0) for t in done),
        }


def _cpu_between(before: Dict[int, float], after: Dict[int, float]) -> float:
    return sum(seconds - before.get(pid, 0.0) for pid, seconds in after.items())


def run_once(
    url: str,
    label: str,
    make_handler: Callable[[str, str, int], Any],
    tasks: int,
    threads: int,
    settle_seconds: float = _SETTLE_SECONDS,
) -> Dict[str, float]:
    """One measured run.

    Returns ``tasks_per_second`` and ``cpu_per_1000`` (steady state: from the first task polled
    to the last one completed), ``end_to_end_tasks_per_second`` and ``run_cpu_per_1000`` (from
    ``start_processes()``: startup included), ``turnaround_ms`` (median per task of endTime -
    startTime: from the server handing the task out to it recording the result) and
    ``startup_seconds`` (from ``start_processes()`` to the first task polled).
    """
    workload = Workload(url, label, tasks)
    # starting N workflows leaves the server work to finish (indexing, writes): let it, or the
    # SDK that polls first (ours: 0.03 s; the official: ~1 s) is measured against that backlog
    time.sleep(settle_seconds)
    queued = workload.queued()
    handler = make_handler(url, workload.task, threads)
    pid = os.getpid()
    before = descendants_cpu_seconds(pid)  # the official handler starts its logger process early
    started_ms = time.time() * 1000
    handler.start_processes()
    try:
        workload.wait_for_first_poll(queued, timeout_seconds=60.0)
        at_first_poll = descendants_cpu_seconds(pid)
        workload.wait_until_done(timeout_seconds=max(120.0, tasks / 2.0))
        after = descendants_cpu_seconds(pid)
    finally:
        handler.stop_processes()
    seen = workload.outcome()
    if seen["not_started"]:
        print(
            f"  ({seen['not_started']} workflow(s) failed to start on the server: not counted)",
            file=sys.stderr,
        )
    completed = seen["completed"]
    steady_seconds = max(seen["last_end_ms"] - seen["first_poll_ms"], 1) / 1000.0
    steady_cpu = _cpu_between({**before, **at_first_poll}, after)
    run_cpu = _cpu_between(before, after)
    return {
        "tasks_per_second": completed / steady_seconds,
        "end_to_end_tasks_per_second": completed / max((seen["last_end_ms"] - started_ms) / 1000.0, 0.001),
        "cpu_per_1000": steady_cpu * 1000.0 / completed,
        "run_cpu_per_1000": run_cpu * 1000.0 / completed,
        "turnaround_ms": seen["turnaround_ms"],
        "startup_seconds": (seen["first_poll_ms"] - started_ms) / 1000.0,
    }


# -- report ---------------------------------------------------------------------------------------------


def _spread(values: Sequence[float], digits: int) -> str:
    return f"{statistics.median(values):.{digits}f} ({min(values):.{digits}f}-{max(values):.{digits}f})"


_COLUMNS = (  # (result key, heading, decimals)
    ("tasks_per_second", "tasks/s", 1),
    ("end_to_end_tasks_per_second", "tasks/s end-to-end", 1),
    ("cpu_per_1000", "CPU s/1000 tasks", 2),
    ("run_cpu_per_1000", "incl. startup", 2),
    ("turnaround_ms", "turnaround ms", 1),
    ("startup_seconds", "startup s", 2),
)


def report(
    runs: Dict[str, List[Dict[str, float]]], tasks: int, threads: int, warmup_tasks: int, url: str
) -> str:
    """The side-by-side table: medians and ranges over the rounds, and the paired ratios."""
    names = list(runs)
    rounds = len(runs[names[0]])
    width = 21
    lines = [
        f"{tasks} no-op tasks per run, 1 worker process with thread_count={threads}, "
        f"{rounds} interleaved round(s)"
        + (f" after a warm-up round of {warmup_tasks} tasks" if warmup_tasks > 0 else "")
        + f", server {url}",
        "median (min-max) over the rounds. tasks/s and CPU: steady state, first task polled to last "
        "completed; end-to-end and incl. startup: from start_processes(); turnaround: median "
        "endTime - startTime of a task; startup: start_processes() to the first task polled",
        "",
        f"{'':19}" + "".join(f"{heading:>{width}}" for _, heading, _ in _COLUMNS),
    ]
    for name in names:
        results = runs[name]
        cells = (_spread([r[key] for r in results], digits) for key, _, digits in _COLUMNS)
        lines.append(f"{name:19}" + "".join(f"{cell:>{width}}" for cell in cells))
    lines.append("")
    for name in names:
        each = ", ".join(f"{r['tasks_per_second']:.1f}" for r in runs[name])
        lines.append(f"{name:19}steady tasks/s per round: {each}")
    if len(names) == 2:
        a, b = (runs[n] for n in names)

        def ratios(key: str) -> str:
            values = [x[key] / y[key] for x, y in zip(a, b) if y[key] > 0]
            return f"x{_spread(values, 2)}" if values else "n/a"

        lines.append("")
        lines.append(
            f"{names[0]} / {names[1]}, paired per round: tasks/s {ratios('tasks_per_second')}, "
            f"end-to-end tasks/s {ratios('end_to_end_tasks_per_second')}, "
            f"CPU per task {ratios('cpu_per_1000')}"
        )
    return "\n".join(lines)


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--tasks", type=int, default=300, help="tasks per measured run (default 300)")
    parser.add_argument("--threads", type=int, default=4, help="thread_count of the worker (default 4)")
    parser.add_argument(
        "--rounds", type=int, default=5, help="measured rounds, each runs both SDKs (default 5)"
    )
    parser.add_argument(
        "--warmup-tasks", type=int, default=100, help="tasks per SDK in the uncounted warm-up round (0: none)"
    )
    parser.add_argument(
        "--settle-seconds",
        type=float,
        default=_SETTLE_SECONDS,
        help=f"pause between starting the workflows and the workers (default {_SETTLE_SECONDS:g})",
    )
    parser.add_argument("--only", choices=sorted(SDKS), help="run one SDK only (profiling)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)

    server = None
    url = os.environ.get("CONDUCTOR_SERVER_URL")
    if not url:
        from conductor_testkit.testing.server import ConductorServer

        server = ConductorServer().start()
        url = server.api_url
    chosen = {name: make for name, make in SDKS.items() if args.only in (None, name)}
    labels = {name: name.split()[0].replace("-", "_") for name in chosen}
    runs: Dict[str, List[Dict[str, float]]] = {name: [] for name in chosen}
    try:
        if args.warmup_tasks > 0:
            for name, make in chosen.items():
                run_once(url, labels[name], make, args.warmup_tasks, args.threads, args.settle_seconds)
        for round_number in range(args.rounds):
            order = list(chosen.items())
            if round_number % 2:  # alternate who goes first: load drifts within a round too
                order.reverse()
            for name, make in order:
                result = run_once(url, labels[name], make, args.tasks, args.threads, args.settle_seconds)
                runs[name].append(result)
                print(
                    f"round {round_number + 1} {name}: {result['tasks_per_second']:.1f} tasks/s, "
                    f"{result['end_to_end_tasks_per_second']:.1f} end-to-end, "
                    f"{result['cpu_per_1000']:.2f} CPU s / 1,000 tasks, "
                    f"turnaround {result['turnaround_ms']:.1f} ms, "
                    f"first task polled after {result['startup_seconds']:.2f}s",
                    file=sys.stderr,
                )
    finally:
        if server is not None:
            server.stop()
    print()
    print(report(runs, args.tasks, args.threads, args.warmup_tasks, url))
    return 0


if __name__ == "__main__":
    sys.exit(main())
