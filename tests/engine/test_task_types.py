"""An unknown task type runs as a worker task, as on the server; where a run stops on it, the
message says the type is unknown and names the closest known one."""

from __future__ import annotations

from typing import Any, Dict

from conductor_testkit.engine import Engine
from conductor_testkit.engine.task_types import unknown_type_note
from conductor_testkit.testing import run_workflow


def _definition(task_type: str) -> Dict[str, Any]:
    return {
        "name": "typo",
        "version": 1,
        "schemaVersion": 2,
        "tasks": [{"name": "route", "taskReferenceName": "route", "type": task_type}],
    }


def test_a_misspelt_type_is_named_with_the_closest_known_type() -> None:
    engine = Engine()
    workflow_id = engine.start_workflow({"name": "typo", "version": 1, "workflowDef": _definition("SWTICH")})
    outcome = engine.run_until_blocked(workflow_id)
    assert outcome.workflow["tasks"][0]["taskType"] == "SWTICH"  # a worker task, as on the server
    assert "'SWTICH' is not a Conductor task type" in str(outcome)
    assert "did you mean 'SWITCH'?" in str(outcome)


def test_the_harness_blocker_names_the_unknown_type() -> None:
    execution = run_workflow(_definition("NOT_A_TYPE"))
    (blocker,) = execution.blocked
    assert "'NOT_A_TYPE' is not a Conductor task type" in blocker.reason
    assert "did you mean" not in blocker.reason


def test_known_types_and_simple_tasks_get_no_note() -> None:
    assert unknown_type_note({"workflowTask": {"type": "SIMPLE"}}) == ""
    assert unknown_type_note({"workflowTask": {"type": "HTTP"}}) == ""
    assert unknown_type_note({"workflowTask": {}}) == ""
