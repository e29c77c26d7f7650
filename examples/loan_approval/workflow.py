"""The loan approval workflow, built with the DSL.

1. ``credit_report`` (a worker) fetches the applicant's credit score and monthly debts; the
   bureau is flaky, so the task is retried.
2. ``score`` (INLINE JavaScript, run by the server) grades the application from the debt-to-income
   ratio after the new loan's instalment and the credit score.
3. ``route`` (SWITCH on the grade): A books the loan at the best rate; B books it after an
   underwriter's check; anything else is rejected: the applicant is told and the workflow ends
   (TERMINATE, COMPLETED) with the decision as its output.
"""

from __future__ import annotations

from typing import Any, Dict

from conductor_testkit.models import TaskDef
from conductor_testkit.workflow import (
    ConductorWorkflow,
    InlineTask,
    SimpleTask,
    SwitchTask,
    TerminateTask,
)

NAME = "loan_approval"

# The credit bureau times out now and then: two retries, a second apart.
CREDIT_REPORT_TASK_DEF = TaskDef(name="loan_credit_report", retry_count=2, retry_delay_seconds=1)

SCORE = """
(function () {
  var instalment = $.amount / $.months;
  var dti = ($.monthlyDebts + instalment) / $.monthlyIncome;
  var grade = 'C';
  if ($.creditScore >= 720 && dti <= 0.35) { grade = 'A'; }
  else if ($.creditScore >= 650 && dti <= 0.45) { grade = 'B'; }
  return {grade: grade, dti: Math.round(dti * 1000) / 1000, instalment: Math.round(instalment * 100) / 100};
})()
"""

RATES = {"A": 4.9, "B": 7.5}


def loan_workflow() -> ConductorWorkflow:
    workflow = ConductorWorkflow(name=NAME, version=1)
    report = SimpleTask("loan_credit_report", "credit_report").input_parameter(
        "applicantId", workflow.input("applicantId")
    )
    score = InlineTask(
        "score",
        SCORE,
        {
            "amount": workflow.input("amount"),
            "months": workflow.input("months"),
            "monthlyIncome": workflow.input("monthlyIncome"),
            "creditScore": report.output("creditScore"),
            "monthlyDebts": report.output("monthlyDebts"),
        },
    )
    route = SwitchTask("route", score.output("result.grade"))
    route.switch_case("A", [_book("book_a", "A")])
    route.switch_case(
        "B",
        [
            SimpleTask("loan_underwriter_check", "underwriter_check")
            .input_parameter("applicantId", workflow.input("applicantId"))
            .input_parameter("dti", score.output("result.dti")),
            _book("book_b", "B"),
        ],
    )
    route.default_case(
        [
            SimpleTask("loan_notify", "notify_rejection")
            .input_parameter("applicantId", workflow.input("applicantId"))
            .input_parameter("grade", score.output("result.grade")),
            TerminateTask(
                "rejected",
                "COMPLETED",
                "the application was rejected",
                workflow_output={"decision": "rejected", "grade": score.output("result.grade")},
            ),
        ]
    )
    workflow >> report >> score >> route
    workflow.output_parameters(
        {
            "decision": "approved",
            "grade": score.output("result.grade"),
            "instalment": score.output("result.instalment"),
            "loanId": "${book_a.output.loanId}",
            "underwrittenLoanId": "${book_b.output.loanId}",
        }
    )
    return workflow


def _book(ref: str, grade: str) -> SimpleTask:
    return (
        SimpleTask("loan_book", ref)
        .input_parameter("applicantId", "${workflow.input.applicantId}")
        .input_parameter("amount", "${workflow.input.amount}")
        .input_parameter("rate", RATES[grade])
    )


def application(**overrides: Any) -> Dict[str, Any]:
    """A loan application: 12 000 over 24 months for someone earning 4 000 a month."""
    return {"applicantId": "app-17", "amount": 12000, "months": 24, "monthlyIncome": 4000, **overrides}
