"""The expense review workflow, built with the DSL.

1. ``validate`` (a worker) checks the claim against the expense policy.
2. ``manager_review`` (HUMAN) waits for the manager's decision, at most 48 hours: after that the
   task times out and, being optional, lets the workflow go on without a decision.
3. ``outcome`` (SWITCH on the decision): approved claims are paid after a one-hour hold (WAIT), in
   which a mistaken approval can still be recalled; rejected claims are answered; a claim nobody
   decided is escalated to the director.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Dict

from conductor_testkit.workflow import (
    ConductorWorkflow,
    HumanTask,
    SimpleTask,
    SwitchTask,
    WaitForDurationTask,
)

NAME = "expense_review"
REVIEW_TIMEOUT = timedelta(hours=48)
PAYOUT_HOLD = timedelta(hours=1)


def review_workflow() -> ConductorWorkflow:
    workflow = ConductorWorkflow(name=NAME, version=1)
    validate = (
        SimpleTask("expense_validate", "validate")
        .input_parameter("claimId", workflow.input("claimId"))
        .input_parameter("amount", workflow.input("amount"))
        .input_parameter("category", workflow.input("category"))
    )
    review = HumanTask(
        "manager_review",
        display_name="Approve expense claim",
        optional=True,
        task_definition={
            "name": "expense_manager_review",
            "timeoutSeconds": int(REVIEW_TIMEOUT.total_seconds()),
            "timeoutPolicy": "RETRY",
            "retryCount": 0,
            "responseTimeoutSeconds": 0,
        },
    )
    review.input_parameter("claimId", workflow.input("claimId"))
    review.input_parameter("amount", workflow.input("amount"))
    review.input_parameter("policyNotes", validate.output("notes"))
    outcome = SwitchTask("outcome", review.output("decision"))
    outcome.switch_case(
        "approved",
        [
            WaitForDurationTask("payout_hold", PAYOUT_HOLD),
            SimpleTask("expense_reimburse", "reimburse")
            .input_parameter("claimId", workflow.input("claimId"))
            .input_parameter("amount", workflow.input("amount"))
            .input_parameter("approvedBy", review.output("approver")),
        ],
    )
    outcome.switch_case(
        "rejected",
        [
            SimpleTask("expense_notify", "notify_rejection")
            .input_parameter("claimId", workflow.input("claimId"))
            .input_parameter("comment", review.output("comment")),
        ],
    )
    outcome.default_case(
        [
            SimpleTask("expense_escalate", "escalate")
            .input_parameter("claimId", workflow.input("claimId"))
            .input_parameter("waited", f"{int(REVIEW_TIMEOUT.total_seconds() // 3600)} hours"),
        ]
    )
    workflow >> validate >> review >> outcome
    workflow.output_parameters(
        {
            "decision": review.output("decision"),
            "paymentId": "${reimburse.output.paymentId}",
            "escalatedTo": "${escalate.output.assignee}",
        }
    )
    return workflow


def claim(**overrides: Any) -> Dict[str, Any]:
    return {"claimId": "exp-88", "amount": 245.5, "category": "travel", "submitter": "ann", **overrides}
