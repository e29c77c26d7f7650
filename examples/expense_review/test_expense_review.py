"""Expense review, on any backend: ``pytest examples/expense_review [--conductor-backend=remote|live]``."""

from __future__ import annotations

from datetime import timedelta

import pytest

from conductor_testkit.testing import Harness, mock
from examples.expense_review.workflow import PAYOUT_HOLD, REVIEW_TIMEOUT, claim, review_workflow

VALID = {"validate": {"notes": "within policy"}}


def test_an_approved_claim_is_paid_after_the_hold(conductor: Harness) -> None:
    mocks = {
        **VALID,
        "manager_review": {"decision": "approved", "approver": "maria"},
        "payout_hold": {},  # the hour of hold itself is tested below
        "reimburse": {"paymentId": "pay-1"},
    }
    execution = conductor.run(review_workflow(), claim(), mocks)
    execution.assert_completed().assert_not_ran("notify_rejection", "escalate")
    execution.assert_task(
        "manager_review", input_contains={"claimId": "exp-88", "policyNotes": "within policy"}
    )
    execution.assert_task("reimburse", input_contains={"amount": 245.5, "approvedBy": "maria"})
    assert execution.output == {"decision": "approved", "paymentId": "pay-1", "escalatedTo": None}


def test_a_rejected_claim_is_answered_and_not_paid(conductor: Harness) -> None:
    mocks = {
        **VALID,
        "manager_review": {"decision": "rejected", "comment": "no receipt"},
        "notify_rejection": {"sent": True},
    }
    execution = conductor.run(review_workflow(), claim(), mocks)
    execution.assert_completed().assert_not_ran("payout_hold", "reimburse", "escalate")
    execution.assert_task("notify_rejection", input_contains={"comment": "no receipt"})
    assert execution.output["decision"] == "rejected"


# 48 hours pass through the mock's executionTime, which only the engine and the server's test
# endpoint simulate (the live backend runs on wall time)
@pytest.mark.conductor_backend("local", "remote", "both")
def test_a_claim_nobody_decides_within_48_hours_is_escalated(conductor: Harness) -> None:
    silence = REVIEW_TIMEOUT + timedelta(seconds=1)
    mocks = {
        **VALID,
        "manager_review": mock("IN_PROGRESS", execution_time_ms=int(silence.total_seconds() * 1000)),
        "escalate": {"assignee": "director"},
    }
    execution = conductor.run(review_workflow(), claim(), mocks)
    # the optional HUMAN task times out; the workflow goes on without a decision
    execution.assert_completed().assert_task("manager_review", "COMPLETED_WITH_ERRORS")
    assert "timed out" in str(execution.task("manager_review").reason_for_incompletion)
    execution.assert_not_ran("reimburse", "notify_rejection")
    execution.assert_task("escalate", input_contains={"waited": "48 hours"})
    assert execution.output == {"decision": None, "paymentId": None, "escalatedTo": "director"}


# the server's test endpoint runs no timers: an unmocked WAIT stops it (mock the WAIT there)
@pytest.mark.conductor_backend("local", "live")
def test_the_payout_waits_for_the_hold_to_end(conductor: Harness) -> None:
    mocks = {**VALID, "manager_review": {"decision": "approved", "approver": "maria"}, "reimburse": {}}
    execution = conductor.run(review_workflow(), claim(), mocks)
    execution.assert_completed().assert_task("payout_hold", "COMPLETED")
    hold, reimburse = execution.task("payout_hold"), execution.task("reimburse")
    assert reimburse.scheduled_time >= hold.end_time


@pytest.mark.conductor_backend("local")  # the hour is virtual time: only the engine's clock skips it
def test_the_hold_lasts_an_hour_of_virtual_time(conductor: Harness) -> None:
    mocks = {**VALID, "manager_review": {"decision": "approved", "approver": "maria"}, "reimburse": {}}
    hold = conductor.run(review_workflow(), claim(), mocks).task("payout_hold")
    assert timedelta(milliseconds=hold.end_time - hold.start_time) >= PAYOUT_HOLD
