"""Real time versus virtual time on the engine, for workflows that would take hours on a server.

    python benchmarks/virtual_time.py            # 20 runs per workload
    python benchmarks/virtual_time.py --runs 50

Workloads (in-process workers, driven by ``Engine.execute``):

* ``exponential retries``: a worker that fails 5 times, TaskDef EXPONENTIAL_BACKOFF with
  retryDelaySeconds 600 (back-offs 600 + 1200 + 2400 + 4800 + 9600 s), a 24-hour task timeout
  and a 24-hour TIME_OUT_WF workflow timeout; the sixth attempt completes.
* ``6-hour WAIT``: a WAIT of 6 hours, then a worker that reads ``datetime.now()``.

Prints, per workload, the median and the fastest real time per run next to the virtual time the
run covered, and the speed-up. Figures only: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Dict, List, Tuple

if __package__ in (None, ""):  # run as a plain script from anywhere
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from conductor_testkit.engine import Engine, VirtualClock
from conductor_testkit.models import Task

START = datetime(2031, 1, 1, tzinfo=timezone.utc)
DAY_SECONDS = 24 * 3600


def _exponential_retries() -> Tuple[Engine, Dict[str, Any]]:
    def flaky(task: Task) -> Dict[str, Any]:
        attempt = (task.retry_count or 0) + 1
        if attempt <= 5:
            raise RuntimeError(f"attempt {attempt} fails")
        return {"attempts": attempt}

    engine = Engine(clock=VirtualClock(START), workers={"bench_flaky": flaky})
    engine.register_task_def(
        {
            "name": "bench_flaky",
            "retryCount": 5,
            "retryLogic": "EXPONENTIAL_BACKOFF",
            "retryDelaySeconds": 600,
            "timeoutSeconds": DAY_SECONDS,
            "timeoutPolicy": "TIME_OUT_WF",
            "responseTimeoutSeconds": 3600,
        }
    )
    definition = {
        "name": "bench_exponential_retries",
        "version": 1,
        "schemaVersion": 2,
        "timeoutSeconds": DAY_SECONDS,
        "timeoutPolicy": "TIME_OUT_WF",
        "tasks": [{"name": "bench_flaky", "taskReferenceName": "flaky", "type": "SIMPLE"}],
    }
    return engine, engine.execute({"workflowDef": definition})


def _six_hour_wait() -> Tuple[Engine, Dict[str, Any]]:
    def stamp() -> Dict[str, Any]:
        return {"seen": datetime.now(timezone.utc).isoformat()}

    engine = Engine(clock=VirtualClock(START), workers={"bench_stamp": stamp})
    definition = {
        "name": "bench_six_hour_wait",
        "version": 1,
        "schemaVersion": 2,
        "tasks": [
            {
                "name": "wait",
                "taskReferenceName": "wait",
                "type": "WAIT",
                "inputParameters": {"duration": "6 hours"},
            },
            {"name": "bench_stamp", "taskReferenceName": "stamp", "type": "SIMPLE"},
        ],
    }
    return engine, engine.execute({"workflowDef": definition})


WORKLOADS: List[Tuple[str, Callable[[], Tuple[Engine, Dict[str, Any]]]]] = [
    ("5 exponential retries + 24 h timeout", _exponential_retries),
    ("6-hour WAIT, then a worker", _six_hour_wait),
]


def measure(
    workload: Callable[[], Tuple[Engine, Dict[str, Any]]], runs: int
) -> Tuple[List[float], float, str]:
    """Real seconds per run, the virtual seconds the run covered, and the final workflow status."""
    real: List[float] = []
    virtual = 0.0
    status = ""
    for _ in range(runs):
        started = time.perf_counter()
        engine, workflow = workload()
        real.append(time.perf_counter() - started)
        virtual = (engine.clock.now_ms() - int(START.timestamp() * 1000)) / 1000.0
        status = str(workflow.get("status"))
    return real, virtual, status


def _hours(seconds: float) -> str:
    return f"{seconds:,.0f} s ({seconds / 3600:.2f} h)"


def main(argv: List[str]) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=20, help="runs per workload (default 20)")
    args = parser.parse_args(argv)
    header = (
        f"{'workload':<40} {'status':<10} {'real median':>12} {'real min':>10} "
        f"{'virtual time':>22} {'speed-up':>12}"
    )
    print(header)
    print("-" * len(header))
    for name, workload in WORKLOADS:
        real, virtual, status = measure(workload, args.runs)
        median = statistics.median(real)
        print(
            f"{name:<40} {status:<10} {median * 1000:>9.1f} ms {min(real) * 1000:>7.1f} ms "
            f"{_hours(virtual):>22} {virtual / median:>11,.0f}x"
        )
    print(f"\n{args.runs} runs per workload; real time = wall clock of Engine(...) + execute(...).")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
