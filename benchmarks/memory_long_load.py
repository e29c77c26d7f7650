"""memory:// under long load: throughput and memory over batches of workflows, figures only.

Each batch starts 1,000 workflows (two SIMPLE tasks each) through the workflow client and
completes every task through the task client (batch polls of up to 100 tasks, one update per
task), as workers would, on one :class:`~conductor_testkit.engine.in_process.LocalConductor`
that lives across all batches; between two rounds of work, idle workers of three other task types
poll and find nothing, as a TaskHandler's do. Printed per batch: workflows completed per second
(wall clock) and the CPU time this process spent per workflow (steadier on a shared machine), the
process's resident memory after the batch (after a garbage collection), the runs held in memory
and in the archive, and what an empty poll costs then (microseconds, on the engine).

Two engines are run side by side, each in a process of its own (so that the memory figures do not
mix): the default one (finished runs beyond 1,000 archived out of memory) and one that keeps every
run in memory (``finished_runs_in_memory=None``), so the effect of archiving reads from one
table. With ``--http`` the clients go through ``LocalConductor.serve()`` (loopback HTTP) instead
of the in-process transport.

    python benchmarks/memory_long_load.py             # 10 batches of 1,000
    python benchmarks/memory_long_load.py --batches 4 --size 500 --http

Nothing here asserts a figure: machines are shared and noisy.
"""

from __future__ import annotations

import argparse
import gc
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

if __package__ in (None, ""):  # run as a plain script from anywhere
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from conductor_testkit.client.configuration import Configuration
from conductor_testkit.engine.in_process import LocalConductor

DEFINITION: Dict[str, Any] = {
    "name": "long_load",
    "version": 1,
    "tasks": [
        {
            "name": "long_load_a",
            "taskReferenceName": "a",
            "type": "SIMPLE",
            "inputParameters": {"i": "${workflow.input.i}"},
        },
        {
            "name": "long_load_b",
            "taskReferenceName": "b",
            "type": "SIMPLE",
            "inputParameters": {"v": "${a.output.v}"},
        },
    ],
}
TASK_TYPES = ("long_load_a", "long_load_b")
IDLE_TYPES = ("long_load_idle_1", "long_load_idle_2", "long_load_idle_3")


def rss_mb() -> float:
    """The resident memory of this process, in MB (Linux /proc)."""
    with open("/proc/self/status", encoding="ascii") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    return float("nan")


def empty_poll_us(conductor: LocalConductor, polls: int = 300) -> float:
    engine = conductor.engine
    started = time.perf_counter()
    for _ in range(polls):
        engine.poll("long_load_nothing", "bench")
    return (time.perf_counter() - started) / polls * 1e6


def run_batch(clients: Any, size: int, first: int) -> Tuple[float, float]:
    """Start ``size`` workflows and complete all their tasks; returns the wall and CPU seconds."""
    workflows = clients.get_workflow_client()
    tasks = clients.get_task_client()
    started, cpu_started = time.perf_counter(), time.process_time()
    for i in range(first, first + size):
        workflows.start_workflow({"name": "long_load", "version": 1, "input": {"i": i}})
    remaining = 2 * size
    while remaining:
        progressed = False
        for task_type in TASK_TYPES:
            for task in tasks.batch_poll_tasks(
                task_type, "bench-worker", count=100, timeout_in_millisecond=0
            ):
                tasks.update_task(
                    {
                        "taskId": task.task_id,
                        "workflowInstanceId": task.workflow_instance_id,
                        "status": "COMPLETED",
                        "outputData": {"v": task.input_data.get("i")},
                    }
                )
                remaining -= 1
                progressed = True
        for idle_type in IDLE_TYPES:
            tasks.batch_poll_tasks(idle_type, "idle-worker", count=10, timeout_in_millisecond=0)
        if not progressed:
            raise RuntimeError(f"{remaining} tasks left and none to poll")
    return time.perf_counter() - started, time.process_time() - cpu_started


def run(
    label: str, batches: int, size: int, http: bool, finished_in_memory: Optional[int]
) -> List[Dict[str, Any]]:
    conductor = LocalConductor(finished_runs_in_memory=finished_in_memory)
    clients = conductor.clients
    if http:
        from conductor_testkit.client.clients import OrkesClients

        clients = OrkesClients(configuration=Configuration(server_api_url=conductor.serve()))
    clients.get_metadata_client().register_workflow_def(DEFINITION, overwrite=True)
    rows = []
    try:
        for batch in range(1, batches + 1):
            seconds, cpu_seconds = run_batch(clients, size, (batch - 1) * size)
            gc.collect()
            store = conductor.engine.store
            rows.append(
                {
                    "batch": batch,
                    "wf/s": size / seconds,
                    "CPU us/wf": cpu_seconds / size * 1e6,
                    "RSS MB": rss_mb(),
                    "in memory": len(store.runs),
                    "archived": store.archived_count,
                    "empty poll us": empty_poll_us(conductor),
                }
            )
            row = rows[-1]
            print(
                f"{label:<22} {batch:>5} {row['wf/s']:>8.0f} {row['CPU us/wf']:>10.0f} {row['RSS MB']:>8.1f} "
                f"{row['in memory']:>10} {row['archived']:>9} {row['empty poll us']:>14.1f}",
                flush=True,
            )
    finally:
        conductor.close()
    return rows


MODES = {"archive": ("archive (default)", 1000), "memory": ("everything in memory", None)}


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--batches", type=int, default=10)
    parser.add_argument("--size", type=int, default=1000, help="workflows per batch")
    parser.add_argument("--http", action="store_true", help="through LocalConductor.serve() (loopback HTTP)")
    parser.add_argument("--mode", choices=sorted(MODES), help=argparse.SUPPRESS)  # one engine, this process
    args = parser.parse_args(argv)
    if args.mode:
        label, finished_in_memory = MODES[args.mode]
        rows = run(label, args.batches, args.size, args.http, finished_in_memory)
        first, last = rows[0], rows[-1]
        print(
            f"{label:<22} summary: batch 1 -> {last['batch']}: wf/s {first['wf/s']:.0f} -> "
            f"{last['wf/s']:.0f}, CPU us/wf {first['CPU us/wf']:.0f} -> {last['CPU us/wf']:.0f}, "
            f"RSS {first['RSS MB']:.0f} -> {last['RSS MB']:.0f} MB",
            flush=True,
        )
        return 0
    transport = "loopback HTTP" if args.http else "memory://"
    print(f"{transport}: {args.batches} batches of {args.size} workflows (2 SIMPLE tasks each)")
    columns = ("batch", "wf/s", "CPU us/wf", "RSS MB", "in memory", "archived", "empty poll us")
    widths = (5, 8, 10, 8, 10, 9, 14)
    print(f"{'engine':<22} " + " ".join(f"{c:>{w}}" for c, w in zip(columns, widths)))
    sys.stdout.flush()
    for mode in MODES:
        command = [
            sys.executable,
            __file__,
            "--mode",
            mode,
            "--batches",
            str(args.batches),
            "--size",
            str(args.size),
        ]
        subprocess.run(command + (["--http"] if args.http else []), check=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
