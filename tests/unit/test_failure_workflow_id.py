"""An ended workflow read before the server wrote its failure workflow's id is read again.

The server saves a failed workflow, then starts its failure workflow, then saves the output with
that workflow's id (WorkflowExecutorOps.terminateWorkflow): a read in between sees FAILED without
the id. The reads here are scripted, since the real server's gap is too short to hit on purpose.
"""

from __future__ import annotations

import time
from typing import Any, Dict, List

from conductor_testkit.testing.execution import FAILURE_WORKFLOW_KEY
from conductor_testkit.testing.server_runs import expects_failure_workflow, read_failure_workflow_id


class _Read:
    def __init__(self, workflow: Dict[str, Any]) -> None:
        self._workflow = workflow

    def to_dict(self) -> Dict[str, Any]:
        return dict(self._workflow)


class ScriptedReads:
    """A workflow client whose reads answer the given workflows in turn (the last one again)."""

    def __init__(self, *answers: Dict[str, Any]) -> None:
        self.answers: List[Dict[str, Any]] = list(answers)
        self.reads = 0

    def get_workflow(self, workflow_id: str, include_tasks: bool = True) -> _Read:
        self.reads += 1
        return _Read(self.answers[min(self.reads, len(self.answers)) - 1])


def ended(status: str, failure_workflow: Any = "cleanup", **output: Any) -> Dict[str, Any]:
    return {
        "workflowId": "w1",
        "status": status,
        "output": output,
        "workflowDefinition": {"name": "order", "failureWorkflow": failure_workflow},
    }


def test_a_failed_workflow_is_read_again_until_its_failure_workflow_id_shows() -> None:
    written = ended("FAILED", **{FAILURE_WORKFLOW_KEY: "f1"})
    client = ScriptedReads(ended("FAILED"), written)
    found = read_failure_workflow_id(client, ended("FAILED"), time.monotonic() + 5, 0.0)
    assert found == written and client.reads == 2


def test_nothing_is_awaited_where_no_failure_workflow_starts() -> None:
    client = ScriptedReads(ended("FAILED"))
    for workflow in (ended("COMPLETED"), ended("FAILED", failure_workflow=None), ended("FAILED", "")):
        assert not expects_failure_workflow(workflow)
        assert read_failure_workflow_id(client, workflow, time.monotonic() + 5, 0.0) is workflow
    assert client.reads == 0


def test_the_last_read_is_answered_at_the_deadline() -> None:
    client = ScriptedReads(ended("TIMED_OUT"))
    found = read_failure_workflow_id(client, ended("TIMED_OUT"), time.monotonic() + 0.05, 0.01)
    assert found["status"] == "TIMED_OUT" and FAILURE_WORKFLOW_KEY not in found["output"]
    assert client.reads >= 1
