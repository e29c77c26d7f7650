"""Virtual time on the engine: long waits, back-offs and timeouts pass on the clock, not in real time.

Each test drives a workflow with in-process workers through the engine's run driver
(``Engine.execute`` / ``run_until_blocked``) and reads time only from the engine's clock and from
what the worker functions saw. Nothing here patches ``time.sleep`` or measures wall-clock time:
a run that covered hours of virtual time while the test made only engine API calls cannot have
slept through them (the real-time figures are in ``benchmarks/virtual_time.py``).
"""

from __future__ import annotations

import sys
import time
import types
from datetime import datetime, timedelta, timezone
from typing import Any, Dict, Iterator, List, Tuple

import pytest

from conductor_testkit.engine import Engine, VirtualClock
from conductor_testkit.models import Task
from conductor_testkit.worker import TaskInProgress

START = datetime(2031, 3, 14, 9, 0, tzinfo=timezone.utc)
SIX_HOURS = timedelta(hours=6)
DAY_SECONDS = 24 * 3600
RETRY_DELAY_SECONDS = 600
EXPONENTIAL_DELAYS = [600, 1200, 2400, 4800, 9600]  # 600 x 2^retryCount for the 5 retries


def _wait_then_stamp_definition(duration: str) -> Dict[str, Any]:
    return {
        "name": "vt_wait_then_stamp",
        "version": 1,
        "schemaVersion": 2,
        "tasks": [
            {
                "name": "wait",
                "taskReferenceName": "wait",
                "type": "WAIT",
                "inputParameters": {"duration": duration},
            },
            {"name": "vt_stamp", "taskReferenceName": "stamp", "type": "SIMPLE"},
        ],
    }


def _retrying_definition() -> Dict[str, Any]:
    return {
        "name": "vt_exponential_retries",
        "version": 1,
        "schemaVersion": 2,
        "timeoutSeconds": DAY_SECONDS,
        "timeoutPolicy": "TIME_OUT_WF",
        "tasks": [{"name": "vt_flaky", "taskReferenceName": "flaky", "type": "SIMPLE"}],
    }


def _retrying_task_def(retry_count: int = 5) -> Dict[str, Any]:
    return {
        "name": "vt_flaky",
        "retryCount": retry_count,
        "retryLogic": "EXPONENTIAL_BACKOFF",
        "retryDelaySeconds": RETRY_DELAY_SECONDS,
        "timeoutSeconds": DAY_SECONDS,
        "timeoutPolicy": "TIME_OUT_WF",
        "responseTimeoutSeconds": 3600,
    }


class _Stamper:
    """A worker that records what ``datetime.now()`` and ``time.time()`` say when it runs."""

    def __init__(self) -> None:
        self.now: List[datetime] = []
        self.epoch: List[float] = []

    def __call__(self) -> Dict[str, Any]:
        self.now.append(datetime.now(timezone.utc))
        self.epoch.append(time.time())
        return {"at": self.now[-1].isoformat()}


class _FailsFirst:
    """A worker that raises on its first ``failures`` calls, recording the virtual time of each call."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.calls: List[datetime] = []
        self.retry_counts: List[int] = []

    def __call__(self, task: Task) -> Dict[str, Any]:
        self.calls.append(datetime.now(timezone.utc))
        self.retry_counts.append(task.retry_count or 0)
        if len(self.calls) <= self.failures:
            raise RuntimeError(f"attempt {len(self.calls)} fails")
        return {"attempts": len(self.calls)}


def _run_stamp_after_wait(duration: str) -> Tuple[Engine, _Stamper, Dict[str, Any]]:
    stamper = _Stamper()
    engine = Engine(clock=VirtualClock(START), workers={"vt_stamp": stamper})
    workflow = engine.execute({"workflowDef": _wait_then_stamp_definition(duration)})
    return engine, stamper, workflow


def test_worker_datetime_now_sees_the_virtual_time_after_a_six_hour_wait() -> None:
    _, stamper, workflow = _run_stamp_after_wait("6 hours")
    assert workflow["status"] == "COMPLETED"
    assert len(stamper.now) == 1
    assert START + SIX_HOURS <= stamper.now[0] < START + SIX_HOURS + timedelta(seconds=1)


def test_worker_time_time_sees_the_virtual_time_after_a_six_hour_wait() -> None:
    _, stamper, _ = _run_stamp_after_wait("6 hours")
    expected = (START + SIX_HOURS).timestamp()
    assert expected <= stamper.epoch[0] < expected + 1


def test_six_hour_wait_moves_the_engine_clock_by_six_hours() -> None:
    engine, _, workflow = _run_stamp_after_wait("6 hours")
    wait_task = workflow["tasks"][0]
    assert wait_task["status"] == "COMPLETED"
    assert wait_task["endTime"] - wait_task["startTime"] >= SIX_HOURS.total_seconds() * 1000
    assert engine.clock.now_ms() - int(START.timestamp() * 1000) >= SIX_HOURS.total_seconds() * 1000


def test_worker_clock_is_released_after_the_run() -> None:
    _run_stamp_after_wait("6 hours")
    # START lies years ahead of the real date: a freezer left running would still say 2031.
    assert time.time() < START.timestamp()


def test_five_exponential_retries_advance_the_clock_by_the_sum_of_the_back_offs() -> None:
    worker = _FailsFirst(failures=5)
    engine = Engine(clock=VirtualClock(START), workers={"vt_flaky": worker})
    engine.register_task_def(_retrying_task_def())
    workflow = engine.execute({"workflowDef": _retrying_definition()})
    assert workflow["status"] == "COMPLETED"
    assert workflow["output"] == {"attempts": 6}
    elapsed_ms = engine.clock.now_ms() - int(START.timestamp() * 1000)
    assert elapsed_ms == sum(EXPONENTIAL_DELAYS) * 1000  # 18,600 s = 5 h 10 min of virtual time


def test_each_retry_runs_when_its_exponential_back_off_is_due() -> None:
    worker = _FailsFirst(failures=5)
    engine = Engine(clock=VirtualClock(START), workers={"vt_flaky": worker})
    engine.register_task_def(_retrying_task_def())
    engine.execute({"workflowDef": _retrying_definition()})
    gaps = [(later - earlier).total_seconds() for earlier, later in zip(worker.calls, worker.calls[1:])]
    assert gaps == EXPONENTIAL_DELAYS
    assert worker.retry_counts == [0, 1, 2, 3, 4, 5]


def test_retry_attempts_carry_the_exponential_start_delays() -> None:
    worker = _FailsFirst(failures=5)
    engine = Engine(clock=VirtualClock(START), workers={"vt_flaky": worker})
    engine.register_task_def(_retrying_task_def())
    workflow = engine.execute({"workflowDef": _retrying_definition()})
    delays = [t["startDelayInSeconds"] for t in workflow["tasks"]]
    assert delays == [0] + EXPONENTIAL_DELAYS
    assert [t["status"] for t in workflow["tasks"]] == ["FAILED"] * 5 + ["COMPLETED"]


def test_exhausted_exponential_retries_fail_the_workflow_after_the_same_virtual_time() -> None:
    worker = _FailsFirst(failures=100)
    engine = Engine(clock=VirtualClock(START), workers={"vt_flaky": worker})
    engine.register_task_def(_retrying_task_def())
    workflow = engine.execute({"workflowDef": _retrying_definition()})
    assert workflow["status"] == "FAILED"
    assert len(worker.calls) == 6
    assert engine.clock.now_ms() - int(START.timestamp() * 1000) == sum(EXPONENTIAL_DELAYS) * 1000


def test_twenty_four_hour_workflow_timeout_fires_on_the_virtual_clock() -> None:
    engine = Engine(clock=VirtualClock(START))  # no worker: the task is never polled
    workflow_id = engine.start_workflow({"workflowDef": _retrying_definition()})
    outcome = engine.run_until_blocked(workflow_id, fire_timeouts=True)
    assert outcome.status == "TIMED_OUT"
    assert outcome.workflow["reasonForIncompletion"].startswith(
        f"Workflow timed out after {DAY_SECONDS} seconds."
    )
    assert engine.clock.now_ms() - int(START.timestamp() * 1000) == DAY_SECONDS * 1000


def test_clock_does_not_move_while_nothing_is_due() -> None:
    engine = Engine(clock=VirtualClock(START))
    workflow_id = engine.start_workflow({"workflowDef": _retrying_definition()})
    outcome = engine.run_until_blocked(workflow_id)  # timeouts not fired: blocked on the worker task
    assert outcome.status == "RUNNING"
    assert [b.reference_task_name for b in outcome.blocked] == ["flaky"]
    assert engine.clock.now_ms() == int(START.timestamp() * 1000)


class _AlwaysInProgress:
    """A worker that reports IN_PROGRESS with an hour's callback, recording the virtual time of each call."""

    def __init__(self) -> None:
        self.calls: List[datetime] = []

    def __call__(self) -> TaskInProgress:
        self.calls.append(datetime.now(timezone.utc))
        return TaskInProgress(callback_after_seconds=3600, output={"polls": len(self.calls)})


def _heartbeating_engine() -> Tuple[Engine, _AlwaysInProgress, Dict[str, Any]]:
    worker = _AlwaysInProgress()
    engine = Engine(clock=VirtualClock(START), workers={"vt_forever": worker})
    engine.register_task_def(
        {
            "name": "vt_forever",
            "retryCount": 0,
            "timeoutSeconds": DAY_SECONDS,
            "timeoutPolicy": "TIME_OUT_WF",
            "responseTimeoutSeconds": 3600,
        }
    )
    definition = {
        "name": "vt_day_long_task",
        "version": 1,
        "schemaVersion": 2,
        "tasks": [{"name": "vt_forever", "taskReferenceName": "forever", "type": "SIMPLE"}],
    }
    workflow = engine.execute({"workflowDef": definition}, fire_timeouts=True)
    return engine, worker, workflow


def test_twenty_four_hour_task_timeout_ends_a_heartbeating_task_on_the_virtual_clock() -> None:
    engine, _, workflow = _heartbeating_engine()
    assert workflow["status"] == "TIMED_OUT"
    assert workflow["tasks"][0]["status"] == "TIMED_OUT"
    assert workflow["reasonForIncompletion"].startswith(f"Task timed out after {DAY_SECONDS} seconds.")
    assert engine.clock.now_ms() - int(START.timestamp() * 1000) == DAY_SECONDS * 1000


def test_heartbeats_arrive_every_virtual_hour() -> None:
    _, worker, _ = _heartbeating_engine()
    gaps = {(later - earlier).total_seconds() for earlier, later in zip(worker.calls, worker.calls[1:])}
    assert gaps == {3600.0}
    # The 25th heartbeat falls due exactly at the 24 h deadline; either may be handled first.
    assert len(worker.calls) in (24, 25)


# names bound before a run (``from time import time``): the freezer rebinds them for worker code


def _module_binding_time(name: str) -> types.ModuleType:
    """A loaded module that bound ``time.time`` by name, as ``from time import time`` does."""
    module = types.ModuleType(name)
    exec("from time import time as now\ndef stamp():\n    return {'epoch': now()}\n", vars(module))
    sys.modules[name] = module
    return module


@pytest.fixture
def early_module() -> Iterator[types.ModuleType]:
    yield _module_binding_time("vt_early_module")
    del sys.modules["vt_early_module"]


def _epoch_seen_after_two_hours(worker: Any) -> float:
    engine = Engine(clock=VirtualClock(START), workers={"vt_stamp": worker})
    workflow = engine.execute({"workflowDef": _wait_then_stamp_definition("2 hours")})
    assert workflow["status"] == "COMPLETED"
    return float(workflow["tasks"][1]["outputData"]["epoch"])


AFTER_TWO_HOURS = (START + timedelta(hours=2)).timestamp()


def test_a_name_bound_before_the_runs_sees_the_virtual_time_in_every_run(
    early_module: types.ModuleType,
) -> None:
    for _ in range(3):  # the later runs search only the modules known to bind a time function
        assert AFTER_TWO_HOURS <= _epoch_seen_after_two_hours(early_module.stamp) < AFTER_TWO_HOURS + 1
        assert early_module.now() < START.timestamp()  # real time again once the run is over


def test_a_module_loaded_between_runs_sees_the_virtual_time(early_module: types.ModuleType) -> None:
    assert AFTER_TWO_HOURS <= _epoch_seen_after_two_hours(early_module.stamp) < AFTER_TWO_HOURS + 1
    late = _module_binding_time("vt_late_module")
    try:
        assert AFTER_TWO_HOURS <= _epoch_seen_after_two_hours(late.stamp) < AFTER_TWO_HOURS + 1
        assert late.now() < START.timestamp()
    finally:
        del sys.modules["vt_late_module"]
