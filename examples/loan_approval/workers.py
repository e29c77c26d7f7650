"""The loan workers over an in-memory bureau and loan book (what the real services would be)."""

from __future__ import annotations

from typing import Any, Dict, List

from conductor_testkit.worker import Worker

REPORTS = {
    "app-17": {"creditScore": 760, "monthlyDebts": 300},
    "app-23": {"creditScore": 680, "monthlyDebts": 900},
    "app-31": {"creditScore": 590, "monthlyDebts": 1500},
}


def credit_report(applicantId: str) -> Dict[str, Any]:
    return dict(REPORTS[applicantId])


def workers(booked: List[Dict[str, Any]]) -> List[Worker]:
    """Every worker of the loan workflow; booked loans are appended to ``booked``."""

    def book(applicantId: str, amount: float, rate: float) -> Dict[str, Any]:
        booked.append({"applicantId": applicantId, "amount": amount, "rate": rate})
        return {"loanId": f"loan-{len(booked)}"}

    return [
        Worker("loan_credit_report", credit_report),
        Worker("loan_underwriter_check", lambda applicantId, dti: {"ok": dti < 0.5}),
        Worker("loan_book", book),
        Worker("loan_notify", lambda applicantId, grade: {"sent": True}),
    ]
