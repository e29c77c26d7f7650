"""Executions as production has them: workflows started on the real server and driven by real
workers (a ``TaskHandler`` polling from threads), WAIT and HUMAN tasks completed through the task
API. The capture tests turn these executions into cases and replay them.

Every name carries a suffix, so runs of several test sessions on one server never meet. The
workers poll only their own task types, so no other test's worker takes these tasks.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Dict, Mapping, Optional

from capture_workflows import EXECUTIONS, HUMAN_OUTPUT, WAIT_OUTPUT, definitions, start_request, workers

from conductor_testkit.client import Configuration, OrkesClients
from conductor_testkit.worker import TaskHandler

TERMINAL = ("COMPLETED", "FAILED", "TIMED_OUT", "TERMINATED")


@dataclass
class ProductionRuns:
    """What :func:`drive_production_runs` started: execution ids by label, and the names used."""

    suffix: str
    ids: Dict[str, str] = field(default_factory=dict)

    def name(self, base: str) -> str:
        return f"{base}_{self.suffix}"


def drive_production_runs(server_url: str, suffix: str, deadline_seconds: float = 120.0) -> ProductionRuns:
    """Register the definitions, start every execution, work them with real workers until each
    has ended (completing WAIT and HUMAN through the task API), and return their ids."""
    runs = ProductionRuns(suffix)
    clients = OrkesClients(Configuration(server_api_url=server_url))
    metadata = clients.get_metadata_client()
    defs = definitions(runs.name)
    metadata.register_task_defs(defs["task_defs"])
    for workflow in defs["workflows"].values():
        metadata.register_workflow_def(workflow, overwrite=True)
    workflow_client = clients.get_workflow_client()
    task_client = clients.get_task_client()
    handler = TaskHandler(
        workers=[w.replace(poll_interval_millis=50) for w in workers(runs.name)],
        configuration=Configuration(server_api_url=server_url),
        scan_for_annotated_workers=False,
        use_threads=True,
        handle_signals=False,
        stop_timeout_seconds=10.0,
    )
    handler.start_processes()
    try:
        for label in EXECUTIONS:
            runs.ids[label] = workflow_client.start_workflow(start_request(label, runs.name))
        _work_until_ended(workflow_client, task_client, runs, deadline_seconds)
    finally:
        handler.stop_processes()
    return runs


def _work_until_ended(
    workflow_client: Any, task_client: Any, runs: ProductionRuns, deadline_seconds: float
) -> None:
    deadline = time.monotonic() + deadline_seconds
    pending = dict(runs.ids)
    while pending:
        for label, workflow_id in list(pending.items()):
            workflow = workflow_client.get_workflow(workflow_id, include_tasks=True).to_dict()
            if workflow.get("status") in TERMINAL and _failure_workflow_ended(workflow_client, workflow):
                del pending[label]
                continue
            for task in workflow.get("tasks") or []:
                if task.get("status") != "IN_PROGRESS":
                    continue
                output: Optional[Mapping[str, Any]] = {"WAIT": WAIT_OUTPUT, "HUMAN": HUMAN_OUTPUT}.get(
                    str(task.get("taskType"))
                )
                if output is not None:
                    task_client.update_task_by_ref_name(
                        workflow_id, task["referenceTaskName"], "COMPLETED", dict(output), "reviewer-app"
                    )
        if pending and time.monotonic() > deadline:
            raise AssertionError(f"production runs did not end in {deadline_seconds} s: {sorted(pending)}")
        time.sleep(0.25)


def _failure_workflow_ended(workflow_client: Any, workflow: Mapping[str, Any]) -> bool:
    failure_id = (workflow.get("output") or {}).get("conductor.failure_workflow")
    if not failure_id:
        return True
    failure = workflow_client.get_workflow(str(failure_id), include_tasks=False).to_dict()
    return failure.get("status") in TERMINAL
