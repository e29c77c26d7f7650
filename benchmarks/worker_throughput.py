"""Worker throughput: conductor-testkit's TaskHandler versus the official SDK's, on a real server.

Both run the same no-op worker (one worker process, ``--threads`` execution threads each, default
poll settings) for N one-task workflows that are started before the workers (a full queue).
Printed side by side:

- tasks/s: N divided by the time from ``start_processes()`` to the last task's ``endTime``
  (server clock; same machine);
- CPU s / 1,000 tasks: user + system CPU of the TaskHandler's processes (every descendant of
  this script: worker, logger and metrics processes) while the tasks ran, read from /proc
  (Linux only); this script's own CPU (starting workflows, waiting) is not counted.

Usage::

    CONDUCTOR_SERVER_URL=http://127.0.0.1:8080/api python benchmarks/worker_throughput.py --tasks 300

Without CONDUCTOR_SERVER_URL a server is started with conductor_testkit.testing.server. The
machine's load skews both columns; compare runs made back to back.
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import time
import uuid
from typing import Any, Callable, Dict, List, Optional, Tuple

from conductor_testkit.client import Configuration, MetadataClient, WorkflowClient
from conductor_testkit.models import StartWorkflowRequest, TaskDef

_CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def noop() -> Dict[str, Any]:
    return {}


# -- CPU of this script's descendants ---------------------------------------------------------------


def _proc_stats() -> Dict[int, Tuple[int, float]]:
    """{pid: (parent pid, user+system CPU seconds)} of every process visible in /proc."""
    stats: Dict[int, Tuple[int, float]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                text = handle.read()
        except OSError:
            continue
        fields = text[text.rindex(")") + 2 :].split()  # after "pid (comm) "
        parent, utime, stime = int(fields[1]), int(fields[11]), int(fields[12])
        stats[int(entry)] = (parent, (utime + stime) / _CLOCK_TICKS)
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


def run_once(
    url: str, name: str, make_handler: Callable[[str, str, int], Any], tasks: int, threads: int
) -> Dict[str, float]:
    configuration = Configuration(server_api_url=url)
    metadata, workflows = MetadataClient(configuration), WorkflowClient(configuration)
    task = f"bench_{name.split()[0].replace('-', '_')}_{uuid.uuid4().hex[:8]}"
    metadata.register_task_def(
        TaskDef(name=task, retry_count=0, response_timeout_seconds=300, owner_email="bench@example.com")
    )
    metadata.register_workflow_def(
        {
            "name": task,
            "version": 1,
            "schemaVersion": 2,
            "ownerEmail": "bench@example.com",
            "tasks": [{"name": task, "taskReferenceName": "noop", "type": "SIMPLE"}],
        },
        overwrite=True,
    )
    ids = [
        workflows.start_workflow(StartWorkflowRequest(name=task, version=1, input={"i": i}))
        for i in range(tasks)
    ]

    handler = make_handler(url, task, threads)
    before = descendants_cpu_seconds(os.getpid())
    started_ms = time.time() * 1000
    handler.start_processes()
    end_times: List[int] = []
    try:
        for workflow_id in ids:  # wait in start order; the measurement uses server timestamps
            while True:
                workflow = workflows.get_workflow(workflow_id, include_tasks=True)
                if str(workflow.status) != "RUNNING":
                    break
                time.sleep(0.05)
            if str(workflow.status) != "COMPLETED":
                raise RuntimeError(f"{name}: workflow {workflow_id} ended {workflow.status}")
            end_times.append(max(t.end_time or 0 for t in workflow.tasks))
        after = descendants_cpu_seconds(os.getpid())
    finally:
        handler.stop_processes()
    cpu = sum(seconds - before.get(pid, 0.0) for pid, seconds in after.items())
    elapsed = (max(end_times) - started_ms) / 1000.0
    return {"tasks_per_second": tasks / elapsed, "cpu_per_1000": cpu * 1000.0 / tasks, "seconds": elapsed}


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tasks", type=int, default=300, help="tasks per SDK (default 300)")
    parser.add_argument("--threads", type=int, default=4, help="thread_count of the worker (default 4)")
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="alternate the SDKs this many times; medians are printed (default 1)",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)

    server = None
    url = os.environ.get("CONDUCTOR_SERVER_URL")
    if not url:
        from conductor_testkit.testing.server import ConductorServer

        server = ConductorServer().start()
        url = server.api_url
    runs: Dict[str, List[Dict[str, float]]] = {name: [] for name in SDKS}
    try:
        for round_number in range(args.rounds):
            order = list(SDKS.items())
            if round_number % 2:  # alternate who goes first: the server warms up and load drifts
                order.reverse()
            for name, make in order:
                runs[name].append(run_once(url, name, make, args.tasks, args.threads))
    finally:
        if server is not None:
            server.stop()

    print(
        f"\n{args.tasks} no-op tasks, 1 worker process with thread_count={args.threads}, "
        f"{args.rounds} round(s) (medians), server {url}\n"
    )
    print(f"{'':26}{'tasks/s':>10}{'CPU s / 1,000 tasks':>22}{'wall s':>9}   tasks/s per round")
    for name, results in runs.items():
        speed = statistics.median(r["tasks_per_second"] for r in results)
        cpu = statistics.median(r["cpu_per_1000"] for r in results)
        wall = statistics.median(r["seconds"] for r in results)
        each = ", ".join(f"{r['tasks_per_second']:.1f}" for r in results)
        print(f"{name:26}{speed:>10.1f}{cpu:>22.2f}{wall:>9.2f}   {each}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
