"""Definition diff: captured cases replayed against a new definition, the affected ones named."""

from __future__ import annotations

import copy
from typing import Any, Dict, List

import pytest
from capture_support import WORKFLOWS, Production

from conductor_testkit.testing.capture import capture
from conductor_testkit.testing.case import Case
from conductor_testkit.testing.definition_diff import diff_definition


@pytest.fixture(scope="module")
def cases() -> Dict[str, Case]:
    production = Production()
    runs = {label: production.run(f"orders_{label}") for label in ("us", "eu", "fr")}
    runs["loop"] = production.run("loop")
    return {label: capture(run.workflow_id, production.clients, name=label) for label, run in runs.items()}


def orders(change: Any) -> Dict[str, Any]:
    definition = copy.deepcopy(WORKFLOWS["u_orders"])
    definition["version"] = 2
    change(definition)
    return definition


def affected(report: Any) -> List[str]:
    return [c.case.name for c in report.affected]


def test_dropping_a_switch_case_affects_the_cases_that_took_it(cases: Dict[str, Case]) -> None:
    new = orders(lambda d: d["tasks"][1]["decisionCases"].pop("eu"))
    report = diff_definition(list(cases.values()), new, source="orders_v2.json")
    assert affected(report) == ["eu"] and report.exit_code == 1
    eu = report.affected[0]
    assert (eu.removed, eu.new_on_path, eu.unmocked) == (["ship_eu"], ["ship_intl"], ["ship_intl"])
    assert eu.result is not None and eu.result.kinds() == ["status", "path", "output", "blocked"]
    assert report.skipped == ["loop"]
    text = report.describe()
    assert text.splitlines()[:3] == [
        "definition 'u_orders' version 2 (orders_v2.json) against 3 case(s): 1 affected, 2 unchanged",
        "  compared with the captured version 1: new tasks: none; removed tasks: ship_eu",
        "  unchanged us (recorded COMPLETED: charge -> route -> ship_us)",
    ]
    assert "  AFFECTED eu (recorded COMPLETED: charge -> route -> ship_eu)\n" in text
    assert "      unmocked (the replay stopped there): ship_intl\n" in text
    assert "      - path: diverges at step 3: recorded 'ship_eu', replayed 'ship_intl'" in text


def test_renaming_a_task_reference_affects_the_cases_that_ran_it(cases: Dict[str, Case]) -> None:
    def rename(definition: Dict[str, Any]) -> None:
        definition["tasks"][1]["decisionCases"]["us"][0]["taskReferenceName"] = "ship_domestic"

    report = diff_definition(list(cases.values()), orders(rename))
    assert affected(report) == ["us"]
    us = report.affected[0]
    assert (us.removed, us.new_on_path, us.unmocked) == (["ship_us"], ["ship_domestic"], ["ship_domestic"])
    assert report.structure == {("u_orders", 1): (["ship_domestic"], ["ship_us"])}


def test_a_changed_output_mapping_is_reported_without_any_path_change(cases: Dict[str, Case]) -> None:
    new = orders(lambda d: d["outputParameters"].update(charged="${charge.output.missing}"))
    report = diff_definition([cases["us"], cases["fr"]], new)
    assert affected(report) == ["us", "fr"]
    assert [str(d) for d in report.affected[0].result.divergences] == [  # type: ignore[union-attr]
        "output: output.charged: expected 8, got null"
    ]


def test_the_same_definition_affects_no_case(cases: Dict[str, Case]) -> None:
    report = diff_definition(list(cases.values()), WORKFLOWS["u_orders"])
    assert affected(report) == [] and report.exit_code == 0
    assert "against 3 case(s): 0 affected, 3 unchanged" in report.describe()


def test_a_task_that_became_a_system_task_is_reported_and_its_mocks_left_out(cases: Dict[str, Case]) -> None:
    def inline(definition: Dict[str, Any]) -> None:
        definition["tasks"][1]["decisionCases"]["us"][0] = {
            "name": "ship_us",
            "taskReferenceName": "ship_us",
            "type": "INLINE",
            "inputParameters": {"evaluatorType": "javascript", "expression": "({tracking: 'inline'})"},
        }

    report = diff_definition([cases["us"]], orders(inline))
    case_diff = report.affected[0]
    assert case_diff.result is not None
    assert case_diff.result.dropped_mocks == {
        "ship_us": "the task is now of type INLINE, which runs by itself"
    }
    assert "task type" in case_diff.result.kinds()
