"""What the engine shares and skips for speed must not show: prepared definitions, quiet tasks, frozen time.

Definitions are prepared once and shared across runs and engines; waiting worker tasks are left
out of decide passes until one of their timeouts is due; worker time is frozen with a quick
module search; ids are formatted without the uuid module. Each test pins one behaviour those
shortcuts could break.
"""

from __future__ import annotations

import random
import sys
import time
import types
import uuid
from typing import Any, Dict, Iterator, List

import pytest
from _engine_helpers import simple, system_task, wf

from conductor_testkit.engine import Engine, VirtualClock
from conductor_testkit.engine.ids import IdGenerator


def _fork(*branches: str) -> List[Dict[str, Any]]:
    fork = system_task("fork", "FORK_JOIN", forkTasks=[[simple(ref)] for ref in branches])
    join = {"name": "join", "taskReferenceName": "join", "type": "JOIN", "joinOn": list(branches)}
    return [fork, join]


def _complete(engine: Engine, workflow_id: str, ref: str) -> None:
    assert engine.update_task_by_ref_name(workflow_id, ref, "COMPLETED", {}) != ""


def _task(engine: Engine, workflow_id: str, ref: str, retry_count: int = 0) -> Dict[str, Any]:
    tasks = engine.get_workflow(workflow_id)["tasks"]
    return next(t for t in tasks if t["referenceTaskName"] == ref and t["retryCount"] == retry_count)


def test_waiting_branch_poll_timeout_fires_in_a_decide_caused_by_another_branch() -> None:
    engine = Engine(clock=VirtualClock(0))
    engine.register_task_def({"name": "t_a", "pollTimeoutSeconds": 60, "retryCount": 0})
    wid = engine.start_workflow({"workflowDef": wf("w", _fork("a", "b", "c"))})
    engine.clock.advance(120)
    _complete(engine, wid, "b")
    assert _task(engine, wid, "a")["status"] == "TIMED_OUT"
    assert engine.get_workflow(wid)["status"] == "TIMED_OUT"


def test_polled_branch_response_timeout_fires_in_a_decide_caused_by_another_branch() -> None:
    engine = Engine(clock=VirtualClock(0))
    engine.register_task_def({"name": "t_a", "responseTimeoutSeconds": 30, "retryCount": 1})
    wid = engine.start_workflow({"workflowDef": wf("w", _fork("a", "b", "c"))})
    assert [t["referenceTaskName"] for t in engine.poll("t_a")] == ["a"]
    _complete(engine, wid, "b")
    engine.clock.advance(31)
    _complete(engine, wid, "c")
    assert _task(engine, wid, "a")["status"] == "TIMED_OUT"
    assert _task(engine, wid, "a", retry_count=1)["status"] == "SCHEDULED"


def test_a_definition_shared_between_engines_follows_each_engines_task_defs() -> None:
    definition = wf("w", [simple("a")])
    first = Engine().test_workflow({"workflowDef": definition, "taskRefToMockOutput": {}})
    engine = Engine()
    engine.register_task_def({"name": "t_a", "retryCount": 7})
    second = engine.test_workflow({"workflowDef": definition, "taskRefToMockOutput": {}})
    assert first["workflowDefinition"]["tasks"][0]["taskDefinition"]["retryCount"] == 3
    assert second["workflowDefinition"]["tasks"][0]["taskDefinition"]["retryCount"] == 7


def test_changing_a_returned_workflow_changes_no_other_run_or_copy() -> None:
    engine = Engine()
    definition = wf("w", [simple("a", inputParameters={"x": 1})])
    first = engine.get_workflow(engine.start_workflow({"workflowDef": definition}))
    first["workflowDefinition"]["tasks"][0]["inputParameters"]["x"] = "changed"
    first["tasks"][0]["workflowTask"]["taskDefinition"]["retryCount"] = 99
    second = engine.get_workflow(engine.start_workflow({"workflowDef": definition}))
    assert first["tasks"][0]["taskDefinition"]["retryCount"] == 3
    assert second["workflowDefinition"]["tasks"][0]["inputParameters"] == {"x": 1}
    assert second["tasks"][0]["workflowTask"]["taskDefinition"]["retryCount"] == 3


def test_http_parameters_the_mapper_adds_show_only_in_the_run_that_mapped_the_task() -> None:
    http = system_task(
        "call",
        "HTTP",
        inputParameters={"http_request": {"uri": "http://example.invalid/", "method": "GET"}},
    )
    engine = Engine()
    engine.register_workflow_def(wf("w", [simple("a"), http]))
    mapped = engine.start_workflow({"name": "w", "version": 1})
    _complete(engine, mapped, "a")
    not_yet = engine.start_workflow({"name": "w", "version": 1})

    def call_parameters(workflow_id: str) -> Dict[str, Any]:
        return engine.get_workflow(workflow_id)["workflowDefinition"]["tasks"][1]["inputParameters"]

    assert call_parameters(mapped)["asyncComplete"] is False
    assert "asyncComplete" not in call_parameters(not_yet)
    assert "asyncComplete" not in engine.get_workflow_def("w", 1)["tasks"][1]["inputParameters"]


@pytest.fixture
def module_with_time_imports() -> Iterator[types.ModuleType]:
    """A worker module that bound the time functions at import (``from time import time``)."""
    module = types.ModuleType("vt_bound_time_worker")
    exec(  # a module written on the fly, as a user's worker module would be
        "from time import time\n"
        "from datetime import datetime, timezone\n"
        "def stamp():\n"
        "    return {'epoch': time(), 'iso': datetime.now(timezone.utc).isoformat()}\n",
        module.__dict__,
    )
    sys.modules[module.__name__] = module
    yield module
    del sys.modules[module.__name__]


def test_worker_names_bound_at_import_see_the_virtual_time(module_with_time_imports: Any) -> None:
    engine = Engine(clock=VirtualClock(978_307_200_000), workers={"t_a": module_with_time_imports.stamp})
    out = engine.execute({"workflowDef": wf("w", [simple("a")])})
    assert out["output"] == {"epoch": 978_307_200.0, "iso": "2001-01-01T00:00:00+00:00"}


def test_time_is_real_again_after_the_run(module_with_time_imports: Any) -> None:
    engine = Engine(clock=VirtualClock(978_307_200_000), workers={"t_a": module_with_time_imports.stamp})
    engine.execute({"workflowDef": wf("w", [simple("a")])})
    assert module_with_time_imports.time() > 1_700_000_000
    assert time.time() > 1_700_000_000


def test_ids_are_the_uuid4_strings_of_the_seeded_random_bits() -> None:
    bits = random.Random(7)
    expected = [str(uuid.UUID(int=bits.getrandbits(128), version=4)) for _ in range(1000)]
    generator = IdGenerator(7)
    assert [generator.generate() for _ in range(1000)] == expected
