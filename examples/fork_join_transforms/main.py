"""Run the report workflow through the ordinary clients of a LocalConductor (no server)."""

from __future__ import annotations

from typing import Any, Dict

from conductor_testkit.engine.in_process import LocalConductor
from examples.fork_join_transforms.workflow import LINES, report_workflow


def run() -> Dict[str, Any]:
    """The finished workflow (wire JSON); every task is a system task, so no worker is needed."""
    conductor = LocalConductor()
    clients = conductor.clients
    clients.get_metadata_client().register_workflow_def(report_workflow().to_workflow_def())
    workflow_client = clients.get_workflow_client()
    workflow_id = workflow_client.start_workflow(
        {"name": "order_report", "version": 1, "input": {"lines": LINES}}
    )
    return workflow_client.get_workflow(workflow_id).to_dict()


if __name__ == "__main__":
    from examples.__main__ import describe

    print(describe("fork_join_transforms", run()))
