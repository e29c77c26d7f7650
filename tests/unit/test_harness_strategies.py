"""Hypothesis strategies that drive SWITCH branches, and branch coverage, on the real engine."""

from __future__ import annotations

from typing import Any, Dict

import pytest
from hypothesis import HealthCheck, find, given, settings
from hypothesis import strategies as st

from conductor_testkit.errors import DefinitionError
from conductor_testkit.testing import BranchCoverage, Harness, run_workflow
from conductor_testkit.testing.strategies import (
    SwitchDriver,
    attempt_outcomes,
    mock_outcomes,
    switch_drivers,
    switch_inputs,
    workflow_inputs,
)
from examples.branching.workflows import NESTED_SCRIPT
from examples.kitchen_sink.workflow import KITCHEN_SINK, switch


def simple(ref: str, **inputs: Any) -> Dict[str, Any]:
    return {"name": f"t_{ref}", "taskReferenceName": ref, "type": "SIMPLE", "inputParameters": inputs}


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


def test_switch_inputs_refuse_a_workflow_whose_switches_read_no_input() -> None:
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
    with pytest.raises(
        DefinitionError, match=r"no SWITCH or DECISION of workflow 'js_only' reads the workflow input"
    ):
        switch_inputs(js_only)


def test_switch_inputs_draw_the_boundaries_a_javascript_switch_compares_with() -> None:
    assert find(switch_inputs(NESTED_SCRIPT), lambda i: i["order"]["amount"] > 100) == {
        "order": {"amount": 101, "country": "us"}
    }
    find(switch_inputs(NESTED_SCRIPT), lambda i: i["order"]["amount"] == 0)
    find(switch_inputs(NESTED_SCRIPT), lambda i: i["order"]["country"] == "ca")


def test_every_branch_of_a_nested_javascript_switch_is_drawn() -> None:
    harness = Harness(strict=False)
    coverage = BranchCoverage(NESTED_SCRIPT)

    @settings(max_examples=80, database=None, derandomize=True, suppress_health_check=list(HealthCheck))
    @given(inputs=switch_inputs(NESTED_SCRIPT))
    def every_route_completes(inputs: Dict[str, Any]) -> None:
        mocks = {ref: {} for ref in ("ship_domestic", "ship_ca", "ship_abroad", "pack_small", "done")}
        coverage.record(harness.run(NESTED_SCRIPT, inputs, mocks)).assert_completed()

    every_route_completes()
    coverage.assert_complete()


def test_mock_outcomes_refuse_a_task_that_cannot_be_mocked() -> None:
    with pytest.raises(
        DefinitionError,
        match=r"^mock_outcomes: task 'summary' of workflow 'kitchen_sink' is of type INLINE, which runs by "
        r"itself and cannot be mocked",
    ):
        mock_outcomes(KITCHEN_SINK, ["summary"])


def test_mock_outcomes_leave_out_the_tasks_that_cannot_be_mocked() -> None:
    inline_steers = {
        "name": "inline_steers",
        "tasks": [
            {
                "name": "grade",
                "taskReferenceName": "grade",
                "type": "INLINE",
                "inputParameters": {"evaluatorType": "graaljs", "expression": "'a'"},
            },
            simple("score"),
            switch("by_grade", "${grade.output.result}", {"a": []}, []),
            switch("by_score", "${score.output.band}", {"high": []}, []),
        ],
    }
    assert find(mock_outcomes(inline_steers), lambda mocks: True) == {
        "score": [{"status": "COMPLETED", "output": {"band": "high"}}]
    }


def test_attempt_outcomes_plan_every_way_a_task_can_end() -> None:
    plans = attempt_outcomes(KITCHEN_SINK)
    late = {"status": "IN_PROGRESS", "output": {}, "executionTime": 61_000}
    assert find(plans, lambda m: m["validate"][0]["status"] != "COMPLETED")["validate"] == [
        {"status": "FAILED", "output": {}},
        {"status": "COMPLETED", "output": {}},
    ]
    assert find(plans, lambda m: m["validate"][0] == late)["validate"] == [
        late,
        {"status": "COMPLETED", "output": {}},
    ]
    assert (
        find(plans, lambda m: len(m["ship_abroad"]) == 3)["ship_abroad"]
        == [{"status": "FAILED", "output": {}}] * 3
    )
    find(plans, lambda m: m["invoice"] == [{"status": "CANCELED", "output": {}}])
    find(plans, lambda m: m["score"][0]["output"] == {"band": "high"})
    assert "summary" not in find(plans, lambda m: True)  # an INLINE task runs by itself


def test_workflow_inputs_have_every_field_an_expression_reads() -> None:
    assert find(workflow_inputs(KITCHEN_SINK), lambda inputs: True) == {
        "country": "us",
        "amount": 99,
        "items": [],
        "labels": [],
        "order_id": 1,
    }
    drawn = find(workflow_inputs(KITCHEN_SINK, inputs={"amount": st.just(7)}), lambda inputs: True)
    assert drawn["amount"] == 7


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
