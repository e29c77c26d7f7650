"""The engine's performance budgets, measured, and the same workflows on the server's test endpoint.

    python benchmarks/engine_budgets.py                 # engine only
    python benchmarks/engine_budgets.py --server   # also the real server

--server uses CONDUCTOR_SERVER_URL when it answers, else starts the pinned server.

Prints one table: workload, size, engine time per run, peak memory of the engine run, the server's
time for the same request through POST /api/workflow/test, and the ratio. Figures only: nothing
here asserts a time (machines are shared and noisy).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
import tracemalloc
import urllib.request
from typing import Any, Callable, Dict, List, Optional, Tuple

from conductor_testkit.engine import Engine


def sequential_request(n_tasks: int = 10) -> Dict[str, Any]:
    tasks = [
        {
            "name": f"bench_step_{i}",
            "taskReferenceName": f"step_{i}",
            "type": "SIMPLE",
            "inputParameters": {
                "previous": f"${{step_{i - 1}.output.value}}" if i else "${workflow.input.seed}"
            },
        }
        for i in range(n_tasks)
    ]
    mocks = {f"step_{i}": [{"status": "COMPLETED", "output": {"value": i}}] for i in range(n_tasks)}
    return _request("bench_sequential", tasks, mocks)


def do_while_request(iterations: int) -> Dict[str, Any]:
    loop = {
        "name": "bench_loop",
        "taskReferenceName": "loop",
        "type": "DO_WHILE",
        "inputParameters": {"limit": iterations},
        "loopCondition": "$.loop['iteration'] < $.limit",
        "loopOver": [
            {
                "name": "bench_body",
                "taskReferenceName": "body",
                "type": "SIMPLE",
                "inputParameters": {"i": "${loop.output.iteration}"},
            }
        ],
    }
    mocks = {f"body__{i}": [{"status": "COMPLETED", "output": {"n": i}}] for i in range(1, iterations + 1)}
    return _request("bench_do_while", [loop], mocks)


def dynamic_fork_request(branches: int) -> Dict[str, Any]:
    fork = {
        "name": "bench_fork",
        "taskReferenceName": "fork",
        "type": "FORK_JOIN_DYNAMIC",
        "inputParameters": {
            "forkTaskName": "bench_branch",
            "forkTaskInputs": [{"n": i} for i in range(branches)],
        },
    }
    join = {"name": "bench_join", "taskReferenceName": "join", "type": "JOIN"}
    mocks = {f"_bench_branch_{i}": [{"status": "COMPLETED", "output": {"n": i}}] for i in range(branches)}
    return _request("bench_dynamic_fork", [fork, join], mocks)


def _request(name: str, tasks: List[Dict[str, Any]], mocks: Dict[str, Any]) -> Dict[str, Any]:
    return {
        "name": name,
        "version": 1,
        "input": {"seed": 1},
        "workflowDef": {"name": name, "version": 1, "schemaVersion": 2, "tasks": tasks},
        "taskRefToMockOutput": mocks,
    }


def time_engine(request: Dict[str, Any], runs: int) -> Tuple[float, int, str]:
    """Median seconds per run, peak traced memory of one run (bytes), final status."""
    durations = []
    status = ""
    for _ in range(runs):
        engine = Engine()
        started = time.perf_counter()
        workflow = engine.test_workflow(request)
        durations.append(time.perf_counter() - started)
        status = workflow["status"]
    tracemalloc.start()
    Engine().test_workflow(request)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return statistics.median(durations), peak, status


def time_server(api_url: str, request: Dict[str, Any], runs: int) -> Tuple[float, str]:
    body = json.dumps(request).encode()
    durations = []
    status = ""
    for _ in range(runs):
        req = urllib.request.Request(
            api_url.rstrip("/") + "/workflow/test", data=body, headers={"Content-Type": "application/json"}
        )
        started = time.perf_counter()
        with urllib.request.urlopen(req, timeout=600) as resp:
            status = json.loads(resp.read())["status"]
        durations.append(time.perf_counter() - started)
    return statistics.median(durations), status


def _fmt_seconds(seconds: Optional[float]) -> str:
    if seconds is None:
        return "-"
    if seconds < 0.01:
        return f"{seconds * 1000:.3f} ms"
    if seconds < 10:
        return f"{seconds * 1000:.0f} ms"
    return f"{seconds:.1f} s"


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--server", action="store_true", help="also time the real server's test endpoint")
    parser.add_argument("--quick", action="store_true", help="smaller sizes and fewer runs")
    args = parser.parse_args(argv)

    loop_sizes = [1000, 5000] if args.quick else [1000, 2500, 5000, 10000]
    fork_sizes = [250, 1000] if args.quick else [250, 500, 1000]
    workloads: List[Tuple[str, int, Callable[[], Dict[str, Any]], int, int]] = [
        ("sequential SIMPLE (mocked)", 10, lambda: sequential_request(10), 200 if args.quick else 2000, 20),
    ]
    workloads += [
        ("DO_WHILE", n, (lambda n=n: do_while_request(n)), 1 if args.quick else 3, 1) for n in loop_sizes
    ]
    workloads += [
        ("FORK_JOIN_DYNAMIC", n, (lambda n=n: dynamic_fork_request(n)), 1 if args.quick else 3, 1)
        for n in fork_sizes
    ]

    server = None
    api_url = None
    if args.server:
        from conductor_testkit.testing import server as server_mod

        api_url = os.environ.get("CONDUCTOR_SERVER_URL")
        if not (api_url and server_mod.is_reachable(api_url)):
            server = server_mod.ConductorServer().start()
            api_url = server.api_url

    header = (
        f"{'workload':<28}{'size':>7}{'engine/run':>14}{'peak mem':>11}{'server/run':>14}{'ratio':>9}  status"
    )
    print(header)
    print("-" * len(header))
    try:
        for label, size, build, engine_runs, server_runs in workloads:
            request = build()
            engine_s, peak, status = time_engine(request, engine_runs)
            server_s: Optional[float] = None
            if api_url and size <= 1000:  # larger server runs take minutes; the ratio is shown up to 1,000
                server_s, server_status = time_server(api_url, request, server_runs)
                status = f"{status}/{server_status}"
            ratio = f"{server_s / engine_s:,.0f}x" if server_s else "-"
            print(
                f"{label:<28}{size:>7}{_fmt_seconds(engine_s):>14}{peak / 1e6:>9.1f}MB"
                f"{_fmt_seconds(server_s):>14}{ratio:>9}  {status}",
                flush=True,
            )
    finally:
        if server is not None:
            server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
