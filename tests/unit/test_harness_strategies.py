"""Hypothesis strategies that drive SWITCH branches, and branch coverage, on the real engine."""

from __future__ import annotations

from typing import Any, Dict, List

import pytest
from hypothesis import HealthCheck, find, given, settings
from hypothesis import strategies as st

from conductor_testkit.errors import DefinitionError
from conductor_testkit.testing import BranchCoverage, Harness, run_workflow
from conductor_testkit.testing.strategies import SwitchDriver, mock_outcomes, switch_drivers, switch_inputs


def simple(ref: str, **inputs: Any) -> Dict[str, Any]:
    return {"name": f"t_{ref}", "taskReferenceName": ref, "type": "SIMPLE", "inputParameters": inputs}


def switch(
    ref: str, value: str, cases: Dict[str, List[Dict[str, Any]]], default: List[Dict[str, Any]]
) -> Dict[str, Any]:
    return {
        "name": ref,
        "taskReferenceName": ref,
        "type": "SWITCH",
        "evaluatorType": "value-param",
        "expression": "v",
        "inputParameters": {"v": value},
        "decisionCases": cases,
        "defaultCase": default,
    }


BRANCHY = {
    "name": "branchy",
    "version": 1,
    "tasks": [
        simple("check"),
        switch(
            "by_verdict",
            "${check.output.verdict}",
            {"approve": [simple("approve")], "review": [simple("review")]},
            [simple("reject")],
        ),
        switch("by_country", "${workflow.input.address.country}", {"us": [simple("ship_us")], "de": []}, []),
    ],
}
PLAIN_MOCKS = {ref: {} for ref in ("approve", "review", "reject", "ship_us")}


def test_switch_drivers_find_input_and_output_sources() -> None:
    assert switch_drivers(BRANCHY) == [
        SwitchDriver("by_verdict", "output", ("verdict",), ("approve", "review"), task_ref="check"),
        SwitchDriver("by_country", "input", ("address", "country"), ("us", "de")),
    ]


def test_switch_inputs_draw_each_case_key_at_its_nested_path() -> None:
    found = find(switch_inputs(BRANCHY), lambda inputs: inputs["address"]["country"] == "de")
    assert found == {"address": {"country": "de"}}


def test_switch_inputs_also_draw_values_matching_no_case() -> None:
    find(switch_inputs(BRANCHY), lambda inputs: inputs["address"]["country"] not in ("us", "de"))


def test_switch_inputs_merge_extra_strategies_and_a_base() -> None:
    strategy = switch_inputs(
        BRANCHY, extra={"amount": st.just(3)}, base={"address": {"zip": "1"}, "user": "u"}
    )
    drawn = find(strategy, lambda inputs: True)
    assert drawn == {"address": {"zip": "1", "country": "us"}, "user": "u", "amount": 3}


def test_switch_inputs_refuse_a_workflow_without_value_param_switches() -> None:
    js_only = {
        "name": "js_only",
        "tasks": [
            {
                "name": "js",
                "taskReferenceName": "js",
                "type": "SWITCH",
                "evaluatorType": "graaljs",
                "expression": "$.x > 1 ? 'a' : 'b'",
                "decisionCases": {"a": []},
            }
        ],
    }
    with pytest.raises(DefinitionError, match=r"no value-param SWITCH of workflow 'js_only' reads a plain"):
        switch_inputs(js_only)


def test_mock_outcomes_draw_outputs_that_reach_each_case() -> None:
    found = find(mock_outcomes(BRANCHY), lambda mocks: mocks["check"][0]["output"]["verdict"] == "review")
    assert found == {"check": [{"status": "COMPLETED", "output": {"verdict": "review"}}]}


def test_mock_outcomes_draw_the_given_statuses() -> None:
    strategy = mock_outcomes(BRANCHY, statuses=("COMPLETED", "FAILED_WITH_TERMINAL_ERROR"))
    find(strategy, lambda mocks: mocks["check"][0]["status"] == "FAILED_WITH_TERMINAL_ERROR")


def test_a_property_over_drawn_inputs_and_outcomes_takes_every_branch() -> None:
    harness = Harness(strict={"unused_mocks": False})  # mocks for every branch, one taken
    coverage = BranchCoverage(BRANCHY)

    @settings(max_examples=60, database=None, derandomize=True, suppress_health_check=list(HealthCheck))
    @given(inputs=switch_inputs(BRANCHY), outcomes=mock_outcomes(BRANCHY))
    def every_route_completes(inputs: Dict[str, Any], outcomes: Dict[str, Any]) -> None:
        coverage.record(harness.run(BRANCHY, inputs, {**PLAIN_MOCKS, **outcomes})).assert_completed()

    every_route_completes()
    coverage.assert_complete()


def test_branch_coverage_reports_the_branches_never_taken() -> None:
    coverage = BranchCoverage(BRANCHY)
    coverage.record(
        run_workflow(  # mocks for every branch, one taken
            BRANCHY,
            {"address": {"country": "us"}},
            {**PLAIN_MOCKS, "check": {"verdict": "approve"}},
            strict=False,
        )
    )
    assert coverage.report() == (
        "branch coverage of 'branchy' over 1 execution(s): 33%\n"
        "  by_verdict: taken approve; never taken review, <default>\n"
        "  by_country: taken us; never taken de, <default>"
    )


def test_branch_coverage_lists_tasks_never_run() -> None:
    coverage = BranchCoverage(BRANCHY)
    coverage.record(
        run_workflow(
            BRANCHY, {"address": {"country": "de"}}, {**PLAIN_MOCKS, "check": {"verdict": "x"}}, strict=False
        )
    )
    assert coverage.tasks_never_run() == ["approve", "review", "ship_us"]


def test_branch_coverage_assert_complete_names_the_missing_branches() -> None:
    coverage = BranchCoverage(BRANCHY)
    coverage.record(
        run_workflow(
            BRANCHY,
            {"address": {"country": "us"}},
            {**PLAIN_MOCKS, "check": {"verdict": "review"}},
            strict=False,
        )
    )
    with pytest.raises(
        AssertionError, match=r"^branches never taken: by_verdict=approve, by_verdict=<default>, "
    ):
        coverage.assert_complete()
