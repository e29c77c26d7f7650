"""Worker code sees the virtual time through names bound before the run (``from time import time``),
in every run, and in modules loaded between runs; after a run those names give the real time."""

from __future__ import annotations

import sys
import types
from datetime import datetime, timedelta, timezone
from typing import Any, Dict, Iterator

import pytest

from conductor_testkit.engine import Engine, VirtualClock

START = datetime(2031, 3, 14, 9, 0, tzinfo=timezone.utc)
AFTER_WAIT = (START + timedelta(hours=2)).timestamp()


def _module_binding_time(name: str) -> types.ModuleType:
    """A loaded module that bound ``time.time`` by name, as ``from time import time`` does."""
    module = types.ModuleType(name)
    exec("from time import time as now\ndef stamp():\n    return {'epoch': now()}\n", vars(module))
    sys.modules[name] = module
    return module


@pytest.fixture
def early() -> Iterator[types.ModuleType]:
    module = _module_binding_time("worker_time_early")
    yield module
    del sys.modules["worker_time_early"]


def _stamp_after_a_wait(worker: Any) -> float:
    definition: Dict[str, Any] = {
        "name": "worker_time_stamp",
        "version": 1,
        "schemaVersion": 2,
        "tasks": [
            {
                "name": "wait",
                "taskReferenceName": "wait",
                "type": "WAIT",
                "inputParameters": {"duration": "2 hours"},
            },
            {"name": "wt_stamp", "taskReferenceName": "stamp", "type": "SIMPLE"},
        ],
    }
    engine = Engine(clock=VirtualClock(START), workers={"wt_stamp": worker})
    workflow = engine.execute({"workflowDef": definition})
    assert workflow["status"] == "COMPLETED"
    return float(workflow["tasks"][1]["outputData"]["epoch"])


def test_a_name_bound_before_the_runs_sees_the_virtual_time_in_every_run(early: types.ModuleType) -> None:
    for _ in range(3):  # the later runs search only the modules known to bind a time function
        assert AFTER_WAIT <= _stamp_after_a_wait(early.stamp) < AFTER_WAIT + 1
        assert early.now() < START.timestamp()  # real time again once the run is over


def test_a_module_loaded_between_runs_sees_the_virtual_time(early: types.ModuleType) -> None:
    assert AFTER_WAIT <= _stamp_after_a_wait(early.stamp) < AFTER_WAIT + 1
    late = _module_binding_time("worker_time_late")
    try:
        assert AFTER_WAIT <= _stamp_after_a_wait(late.stamp) < AFTER_WAIT + 1
        assert late.now() < START.timestamp()
    finally:
        del sys.modules["worker_time_late"]
