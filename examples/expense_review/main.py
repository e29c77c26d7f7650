"""Run an approved claim on the embedded engine: the manager answers, the hour of hold passes instantly."""

from __future__ import annotations

from typing import Any, Dict

from conductor_testkit.engine import Engine
from conductor_testkit.worker import Worker
from examples.expense_review.workflow import NAME, claim, review_workflow


def run() -> Dict[str, Any]:
    """The finished workflow (wire JSON) of a claim the manager approves."""
    engine = Engine(
        workers=[
            Worker("expense_validate", lambda claimId, amount, category: {"notes": "within policy"}),
            Worker("expense_reimburse", lambda claimId, amount, approvedBy: {"paymentId": f"pay-{claimId}"}),
        ]
    )
    engine.register_workflow_def(review_workflow().to_workflow_def())
    workflow_id = engine.start_workflow({"name": NAME, "version": 1, "input": claim()})
    engine.run_until_blocked(workflow_id)  # the HUMAN task waits for the manager
    engine.update_task_by_ref_name(
        workflow_id, "manager_review", "COMPLETED", {"decision": "approved", "approver": "maria"}
    )
    engine.run_until_blocked(workflow_id)
    return engine.get_workflow(workflow_id)


if __name__ == "__main__":
    from examples.__main__ import describe

    print(describe(NAME, run()))
