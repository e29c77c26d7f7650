"""Loan approval, on any backend: ``pytest examples/loan_approval [--conductor-backend=remote|live]``.

The INLINE score runs for real on every backend (QuickJS locally, GraalJS on the server); only the
workers are mocked.
"""

from __future__ import annotations

from typing import Any, Dict, List

import pytest

from conductor_testkit.testing import Harness, completed, failed
from examples.loan_approval.workers import workers
from examples.loan_approval.workflow import CREDIT_REPORT_TASK_DEF, application, loan_workflow


def report(credit_score: int, monthly_debts: int) -> Dict[str, Any]:
    return {"credit_report": {"creditScore": credit_score, "monthlyDebts": monthly_debts}}


@pytest.mark.parametrize(
    ("credit_score", "monthly_debts", "grade", "dti"),
    [(760, 300, "A", 0.2), (720, 900, "A", 0.35), (680, 900, "B", 0.35), (700, 1300, "B", 0.45)],
)
def test_the_inline_score_grades_by_credit_score_and_debt_to_income(
    conductor: Harness, credit_score: int, monthly_debts: int, grade: str, dti: float
) -> None:
    mocks = {**report(credit_score, monthly_debts), f"book_{grade.lower()}": {}}
    if grade == "B":  # only grade B goes through the underwriter (strict: every mock must be used)
        mocks["underwriter_check"] = {"ok": True}
    execution = conductor.run(loan_workflow(), application(), mocks)
    execution.assert_completed().assert_task(
        "score", output={"result": {"grade": grade, "dti": dti, "instalment": 500}}
    )
    assert execution.selected_case("route") == grade


def test_grade_a_books_the_loan_at_the_best_rate(conductor: Harness) -> None:
    execution = conductor.run(
        loan_workflow(), application(), {**report(760, 300), "book_a": {"loanId": "L-1"}}
    )
    execution.assert_completed().assert_not_ran("underwriter_check", "notify_rejection")
    execution.assert_task("book_a", input_contains={"applicantId": "app-17", "amount": 12000, "rate": 4.9})
    assert execution.output == {
        "decision": "approved", "grade": "A", "instalment": 500, "loanId": "L-1", "underwrittenLoanId": None,
    }  # fmt: skip


def test_grade_b_is_checked_by_an_underwriter_before_booking(conductor: Harness) -> None:
    mocks = {**report(680, 900), "underwriter_check": {"ok": True}, "book_b": {"loanId": "L-2"}}
    execution = conductor.run(loan_workflow(), application(), mocks)
    execution.assert_completed().assert_task("underwriter_check", input_contains={"dti": 0.35})
    execution.assert_task("book_b", input_contains={"rate": 7.5})
    assert execution.task_sequence()[-2:] == ["underwriter_check", "book_b"]
    assert execution.output["underwrittenLoanId"] == "L-2"


def test_a_poor_score_is_rejected_and_the_workflow_ends_there(conductor: Harness) -> None:
    execution = conductor.run(loan_workflow(), application(), {**report(590, 1500), "notify_rejection": {}})
    execution.assert_completed().assert_not_ran("book_a", "book_b")
    execution.assert_task("notify_rejection", input_contains={"grade": "C"})
    execution.assert_task("rejected", "COMPLETED")
    assert execution.output == {"decision": "rejected", "grade": "C"}
    assert execution.reason == "the application was rejected"


def test_a_flaky_bureau_is_retried(conductor: Harness) -> None:
    conductor.register(CREDIT_REPORT_TASK_DEF)
    mocks = {
        "credit_report": [failed({"error": "timeout"}), completed({"creditScore": 760, "monthlyDebts": 300})],
        "book_a": {"loanId": "L-3"},
    }
    execution = conductor.run(loan_workflow(), application(), mocks)
    execution.assert_completed()
    assert [str(t.status) for t in execution.attempts("credit_report")] == ["FAILED", "COMPLETED"]
    assert execution.output["loanId"] == "L-3"


def test_a_bureau_that_stays_down_fails_the_application_before_scoring(conductor: Harness) -> None:
    conductor.register(CREDIT_REPORT_TASK_DEF)
    execution = conductor.run(loan_workflow(), application(), {"credit_report": [failed()] * 3})
    execution.assert_failed().assert_not_ran("score")
    assert len(execution.attempts("credit_report")) == 3


@pytest.mark.conductor_backend("local", "live")  # the server's test endpoint cannot call workers
@pytest.mark.parametrize(
    ("applicant", "decision", "booked"), [("app-17", "approved", 1), ("app-31", "rejected", 0)]
)
def test_the_real_workers_decide_an_application(
    conductor: Harness, applicant: str, decision: str, booked: int
) -> None:
    loans: List[Dict[str, Any]] = []
    execution = conductor.run(loan_workflow(), application(applicantId=applicant), workers=workers(loans))
    execution.assert_completed()
    assert execution.output["decision"] == decision
    assert len(loans) == booked
