"""Strict by default: each check, the exact message it fails with, and the opt-outs."""

from __future__ import annotations

import gc
import warnings
import weakref
from typing import Any, Dict, List

import pytest

from conductor_testkit.errors import DefinitionError
from conductor_testkit.testing import (
    ConductorLintWarning,
    Execution,
    Harness,
    Strictness,
    UnusedMocksError,
    completed,
    lint_definition,
    run_workflow,
)


def simple(ref: str, **inputs: Any) -> Dict[str, Any]:
    return {"name": f"t_{ref}", "taskReferenceName": ref, "type": "SIMPLE", "inputParameters": inputs}


ORDER = {
    "name": "order",
    "version": 1,
    "tasks": [
        simple("charge", amount="${workflow.input.amount}"),
        simple("ship", charged="${charge.output.charged}"),
    ],
}


# -- unused mocks ------------------------------------------------------------------------------


def test_an_unused_mock_attempt_fails_the_run_naming_it() -> None:
    with pytest.raises(UnusedMocksError) as info:
        run_workflow(ORDER, {"amount": 3}, {"charge": [completed(), completed()], "ship": {}})
    assert str(info.value).splitlines()[0] == (
        "mocked attempts the run never used: charge (1 left) (strict mode; remove them, or pass "
        "strict={'unused_mocks': False} / @pytest.mark.conductor_strict(unused_mocks=False))"
    )
    assert "workflow 'order' (local backend): COMPLETED" in str(info.value)


def test_a_mock_for_a_sub_workflow_task_that_never_ran_is_unused() -> None:
    child = {"name": "child", "version": 1, "tasks": [simple("c1")]}
    parent = {
        "name": "parent",
        "version": 1,
        "tasks": [
            {
                "name": "child",
                "taskReferenceName": "sub",
                "type": "SUB_WORKFLOW",
                "subWorkflowParam": {"name": "child", "workflowDefinition": child},
            }
        ],
    }
    with pytest.raises(UnusedMocksError, match=r"sub/c1 \(1 left\)"):
        run_workflow(parent, {}, {}, sub_workflow_mocks={"sub": {"c1": [{}, {}]}})


def test_unused_mocks_are_allowed_when_the_check_is_off() -> None:
    execution = run_workflow(
        ORDER,
        {"amount": 3},
        {"charge": [completed(), completed()], "ship": {}},
        strict={"unused_mocks": False},
    )
    assert execution.unused_mocks == {"charge": 1}


# -- malformed mocks ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mock", "message"),
    [
        (
            {"outputs": {"charged": 3}},
            "mocks['charge']: unknown mock key 'outputs'; did you mean 'output'? A mocked attempt has the "
            "keys status, output, executionTime, queueWaitTime; to mock an output with such keys, wrap it: "
            "completed({...})",
        ),
        (
            [{}, {"status": "COMPLETED", "outputData": {}}],
            "mocks['charge'][1]: unknown mock key 'outputData'; did you mean 'output'?",
        ),
        (
            {"status": "COMPLETED_WITH_ERRORS"},
            "mocks['charge']: status must be one of COMPLETED, FAILED, FAILED_WITH_TERMINAL_ERROR, "
            "IN_PROGRESS, CANCELED (the server's TaskResult statuses), received 'COMPLETED_WITH_ERRORS' "
            "(did you mean 'COMPLETED'?)",
        ),
        (
            {"status": "COMPLETED", "output": [1, 2]},
            "mocks['charge']: output must be a dict, received list [1, 2]",
        ),
        (
            {"status": "IN_PROGRESS", "executionTime": "5000"},
            "mocks['charge']: executionTime must be a whole number of milliseconds >= 0, received '5000'",
        ),
        ("done", "mocks['charge']: expected a TaskMock, a dict or a function, received str"),
    ],
)
def test_a_malformed_mock_is_refused_before_the_run(mock: Any, message: str) -> None:
    with pytest.raises(DefinitionError) as info:
        run_workflow(ORDER, {"amount": 3}, {"charge": mock, "ship": {}})
    assert str(info.value).startswith(f"workflow {ORDER['name']!r}, {message}")


def test_without_strict_mock_keys_a_dict_with_unknown_keys_is_an_output() -> None:
    execution = run_workflow(
        ORDER, {"amount": 3}, {"charge": {"outputs": {"charged": 3}}, "ship": {}}, strict={"mock_keys": False}
    )
    assert execution.task("charge").output_data == {"outputs": {"charged": 3}}


def test_an_output_that_looks_like_a_mock_is_wrapped() -> None:
    execution = run_workflow(ORDER, {"amount": 3}, {"charge": completed({"status": "shipped"}), "ship": {}})
    assert execution.task("charge").output_data == {"status": "shipped"}


# -- definition lint ---------------------------------------------------------------------------

TYPOS = {
    "name": "typos",
    "version": 1,
    "tasks": [
        {"name": "check", "taskReferenceName": "check", "type": "SIMPEL"},
        simple("pay", amount="${workflow.inpt.amount}", status="${check.outptu.status}"),
        simple("ship", who="${chekc.output.who}"),
    ],
    "outputParameters": {"paid": "${pay.output.paid}"},
}


def test_lint_names_each_problem_with_the_nearest_valid_name() -> None:
    assert [str(p) for p in lint_definition(TYPOS)] == [
        "workflow 'typos', task 'check', field 'type': 'SIMPEL' is not a Conductor task type (the server "
        "would run it as a worker task of that type); did you mean 'SIMPLE'?",
        "workflow 'typos', task 'pay', field 'inputParameters.amount': ${workflow.inpt.amount}: workflow "
        "has no field 'inpt'; did you mean 'input'?",
        "workflow 'typos', task 'pay', field 'inputParameters.status': ${check.outptu.status}: a task has "
        "no field 'outptu'; did you mean 'output'?",
        "workflow 'typos', task 'ship', field 'inputParameters.who': ${chekc.output.who}: no task has "
        "the reference 'chekc'; did you mean 'check'?",
    ]
    assert [p.kind for p in lint_definition(TYPOS)] == [
        "unknown_type",
        "unknown_field",
        "unknown_field",
        "unknown_reference",
    ]


def test_lint_says_how_to_read_a_loop_iteration() -> None:
    definition = {
        "name": "loop",
        "tasks": [
            {
                "name": "loop",
                "taskReferenceName": "loop",
                "type": "DO_WHILE",
                "loopCondition": "false",
                "loopOver": [simple("step")],
            },
        ],
        "outputParameters": {"first": "${step__1.output.x}", "env": "${NETFLIX_ENV}"},
    }
    assert [str(p) for p in lint_definition(definition)] == [
        "workflow 'loop', field 'outputParameters.first': ${step__1.output.x}: no task has the reference "
        "'step__1'; a loop iteration cannot be addressed by its reference, read "
        "'${<loop_ref>.output.<iteration>.step}' instead"
    ]


def test_a_definition_with_lint_errors_is_refused_before_the_run() -> None:
    with pytest.raises(DefinitionError) as info:
        run_workflow(TYPOS, {}, {})
    lines = str(info.value).splitlines()
    assert lines[0] == "workflow 'typos' has 4 problem(s) the server would not report:"
    assert lines[-1] == (
        "(turn this check off with strict={'lint': 'off'} or @pytest.mark.conductor_strict(lint='off'))"
    )


# what the server accepts (it refuses an unknown reference in inputParameters by itself)
ACCEPTED_TYPOS = {**TYPOS, "tasks": TYPOS["tasks"][:2]}


def test_lint_as_warnings_lets_the_run_go_on() -> None:
    with pytest.warns(ConductorLintWarning, match="did you mean 'SIMPLE'"):
        execution = run_workflow(ACCEPTED_TYPOS, {}, {"check": {}, "pay": {}}, strict={"lint": "warn"})
    execution.assert_completed()


def test_a_missing_input_is_a_warning_by_default_and_an_error_on_request() -> None:
    message = (
        r"workflow 'order', task 'charge', field 'inputParameters.amount': \$\{workflow.input.amount\} reads "
        r"input 'amount', which this run's input does not have \(it has: amuont\); did you mean 'amuont'\?"
    )
    with pytest.warns(ConductorLintWarning, match=message):
        run_workflow(ORDER, {"amuont": 3}, {"charge": {}, "ship": {}})
    with pytest.raises(DefinitionError, match=message):
        run_workflow(ORDER, {"amuont": 3}, {"charge": {}, "ship": {}}, strict={"missing_inputs": "error"})


def test_input_template_keys_count_as_given_inputs() -> None:
    definition = {**ORDER, "inputTemplate": {"amount": 1}}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        run_workflow(definition, {"other": 1}, {"charge": {}, "ship": {}})


def test_references_added_by_a_dynamic_fork_are_not_reported() -> None:
    definition = {
        "name": "dyn",
        "tasks": [
            {
                "name": "fork",
                "taskReferenceName": "fork",
                "type": "FORK_JOIN_DYNAMIC",
                "dynamicForkTasksParam": "tasks",
                "dynamicForkTasksInputParamName": "inputs",
            },
        ],
        "outputParameters": {"seen": "${made_at_run_time.output.x}"},
    }
    assert lint_definition(definition) == []


def test_a_lenient_harness_checks_nothing() -> None:
    execution = Harness(strict=False).run(ACCEPTED_TYPOS, {}, {"check": {"outputs": 1}, "pay": {}})
    execution.assert_completed()


def test_a_strictness_with_an_unknown_setting_is_refused() -> None:
    with pytest.raises(
        DefinitionError, match=r"strict: unknown setting\(s\) 'lints'; the settings are lint, "
    ):
        Strictness.of({"lints": "off"})


# a HUMAN task the test completes, then a worker task
APPROVAL = {
    "name": "approval",
    "version": 1,
    "tasks": [
        {"name": "approve", "taskReferenceName": "approve", "type": "HUMAN"},
        {"name": "t_yes", "taskReferenceName": "yes", "type": "SIMPLE"},
    ],
}


def test_a_waiting_run_may_still_use_its_mocks_and_fails_when_it_ends_without() -> None:
    waiting = run_workflow(APPROVAL, {}, {"yes": [{}, {}]})
    assert waiting.status == "RUNNING"  # not failed yet: the test may go on with the run
    with pytest.raises(UnusedMocksError, match=r"^mocked attempts the run never used: yes \(1 left\)"):
        waiting.complete("approve")


def test_a_continuation_reports_to_its_harness_while_it_lives_then_to_the_observers_alone() -> None:
    seen: List[Execution] = []
    harness = Harness(observers=[seen.append])
    waiting = harness.run(APPROVAL, {}, {"yes": [{}]})
    done = waiting.complete("approve")
    assert harness.executions == [waiting, done] and seen == [waiting, done]

    again = harness.run(APPROVAL, {}, {"yes": [{}, {}]})
    gone = weakref.ref(harness)
    gc.disable()  # no cycle keeps the harness: its executions refer to it weakly
    try:
        del harness
        assert gone() is None
    finally:
        gc.enable()
    with pytest.raises(UnusedMocksError, match=r"^mocked attempts the run never used: yes \(1 left\)"):
        again.complete("approve")
    assert len(seen) == 4 and seen[-1].status == "COMPLETED"
