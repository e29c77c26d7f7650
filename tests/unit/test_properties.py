"""One-line properties over generated inputs and outcomes: they hold, or fail on the smallest
scenario that breaks them, shown with its trace."""

from __future__ import annotations

import re
from typing import Any, Dict

import pytest

from conductor_testkit.errors import DefinitionError
from conductor_testkit.testing import Execution
from conductor_testkit.testing.properties import (
    Property,
    assert_always,
    ends_terminal,
    never_fails,
    output_has,
    retries_within_limit,
)
from examples.branching.workflows import NESTED_VALUE, script_switch
from examples.kitchen_sink.workflow import COMPENSATION_WORKFLOW, KITCHEN_SINK, simple

# a refund above 100 takes the branch that forgets to issue the receipt
REFUNDS: Dict[str, Any] = {
    "name": "refunds",
    "version": 1,
    "tasks": [
        simple("check", amount="${workflow.input.amount}"),
        script_switch(
            "size",
            "javascript",
            "$.amount > 100 ? 'large' : 'small'",
            {"amount": "${workflow.input.amount}"},
            {"large": [simple("approve")]},
            [simple("receipt")],
        ),
    ],
    "outputParameters": {"receipt": "${receipt.output.id}"},
}


def test_properties_that_hold_pass_in_one_line() -> None:
    assert_always(NESTED_VALUE, ends_terminal, retries_within_limit, max_examples=60)
    assert_always(
        KITCHEN_SINK, ends_terminal, retries_within_limit, register=[COMPENSATION_WORKFLOW], max_examples=40
    )


def test_a_planted_bug_fails_on_the_smallest_input_with_its_trace() -> None:
    with pytest.raises(AssertionError) as failure:
        assert_always(REFUNDS, ends_terminal, output_has("receipt", when="COMPLETED"))
    message = str(failure.value)
    lines = message.splitlines()
    assert lines[0] == (
        "workflow 'refunds': property \"output has 'receipt' when COMPLETED\" does not hold: the output "
        "has no 'receipt' (it has: nothing)"
    )
    assert lines[1:3] == [
        "scenario (the smallest failing one, after shrinking):",
        '  input: {"amount": 101}',
    ]
    assert re.match(
        r'  mocks: \{"approve": \[\{"output": \{\}, "status": "COMPLETED"\}\], "check": ', lines[3]
    )
    assert lines[4:] == [
        "workflow 'refunds' (local backend): COMPLETED",
        "task sequence:",
        "   1. check    check    COMPLETED",
        "   2. size     SWITCH   COMPLETED  (case 'large')",
        "   3. approve  approve  COMPLETED",
    ]


def test_failure_outcomes_are_drawn_too() -> None:
    with pytest.raises(
        AssertionError, match=r"^workflow 'refunds': property 'never ends FAILED, TIMED_OUT or"
    ):
        assert_always(REFUNDS, never_fails)


def test_a_plain_function_is_a_property_named_by_its_docstring() -> None:
    def approves_only_large_refunds(execution: Execution) -> bool:
        """only refunds above 100 are approved"""
        return not execution.ran("approve") or execution.input.get("amount", 0) > 100

    assert_always(REFUNDS, approves_only_large_refunds, max_examples=50)

    def approves_nothing(execution: Execution) -> bool:
        """nothing is approved"""
        return not execution.ran("approve")

    with pytest.raises(
        AssertionError, match=r"property 'nothing is approved' does not hold: it returned False"
    ):
        assert_always(REFUNDS, approves_nothing)


def test_a_task_retried_more_than_its_retry_count_breaks_the_retry_property() -> None:
    task = {
        "name": "charge",
        "taskReferenceName": "charge",
        "type": "SIMPLE",
        "workflowTask": {"retryCount": 1},
    }
    execution = Execution(
        {
            "workflowName": "pay",
            "status": "COMPLETED",
            "tasks": [
                {**task, "status": "FAILED", "retryCount": 0, "referenceTaskName": "charge", "seq": 1},
                {**task, "status": "FAILED", "retryCount": 1, "referenceTaskName": "charge", "seq": 2},
                {**task, "status": "COMPLETED", "retryCount": 2, "referenceTaskName": "charge", "seq": 3},
            ],
        },
        backend="local",
    )
    assert retries_within_limit.problem(execution) == "pay/charge was retried 2 time(s), its retryCount is 1"


def test_a_property_is_needed() -> None:
    with pytest.raises(DefinitionError, match="name at least one property"):
        assert_always(REFUNDS)
    assert str(Property("x", lambda e: None)) == "x"
