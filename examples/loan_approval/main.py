"""Decide three loan applications on the embedded engine with the real workers."""

from __future__ import annotations

from typing import Any, Dict, List

from conductor_testkit.engine import Engine
from examples.loan_approval.workers import workers
from examples.loan_approval.workflow import CREDIT_REPORT_TASK_DEF, NAME, application, loan_workflow


def run(applicant_id: str = "app-17") -> Dict[str, Any]:
    """The finished workflow (wire JSON) of one application."""
    booked: List[Dict[str, Any]] = []
    engine = Engine(workers=workers(booked))
    engine.register_task_def(CREDIT_REPORT_TASK_DEF)
    engine.register_workflow_def(loan_workflow().to_workflow_def())
    return engine.execute({"name": NAME, "version": 1, "input": application(applicantId=applicant_id)})


if __name__ == "__main__":
    from examples.__main__ import describe

    for applicant in ("app-17", "app-23", "app-31"):
        print(describe(f"{NAME} {applicant}", run(applicant)))
