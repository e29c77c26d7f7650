"""A deliberately broken example: the loan approval with its grade thresholds swapped by mistake.

Its test, as a team would write it, fails with the report a failing test gets: the first task
where the path left the expected one, both paths, and every task with its input and output.
"""

from __future__ import annotations

from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parents[2]

BROKEN_TEST = '''
from examples.loan_approval import workflow as loan

# the planted bug: the score asks for a credit score of 800 where it meant 720 for grade A
broken = loan.loan_workflow().to_dict()
score = next(task for task in broken["tasks"] if task["taskReferenceName"] == "score")
score["inputParameters"]["expression"] = score["inputParameters"]["expression"].replace(">= 720", ">= 800")


def test_a_good_applicant_is_booked_at_the_best_rate(conductor):
    mocks = {"credit_report": {"creditScore": 760, "monthlyDebts": 300}, "book_a": {"loanId": "L-1"}}
    execution = conductor.run(broken, loan.application(), mocks, strict=False)
    execution.assert_path("credit_report", "score", "book_a")
'''


def test_the_broken_example_fails_naming_the_task_and_both_paths(pytester: pytest.Pytester) -> None:
    pytester.syspathinsert(ROOT)
    pytester.makepyfile(test_broken_loan=BROKEN_TEST)
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "E       AssertionError: the path differs at step 3: expected 'book_a', the run had "
            "'underwriter_check'",
            "E         expected path: credit_report -> score -> >>book_a<<",
            "E         actual path:   credit_report -> score -> >>underwriter_check<<",
        ],
        consecutive=True,
    )
    result.stdout.fnmatch_lines(
        [
            "*- conductor execution -*",
            "workflow 'loan_approval' (local backend): RUNNING",
            "blocked on: underwriter_check (loan_underwriter_check, SCHEDULED): *",
            "path taken:    credit_report -> score -> underwriter_check",
            "path expected: credit_report -> score -> book_a",
            "- credit_report (loan_credit_report): COMPLETED, attempt 1",
            '    input:  {"applicantId": "app-17"}',
            '    output: {"creditScore": 760, "monthlyDebts": 300}',
            "- score (INLINE): COMPLETED, attempt 1",
            "    input:  *",
            '    output: {"result": {"dti": 0.2, "grade": "B", "instalment": 500}}',
        ],
        consecutive=True,
    )
