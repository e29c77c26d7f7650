"""``explore``: the search reaches every reachable branch and outcome, names what it cannot reach
with the reason, and writes minimal cases that replay as regression tests with full coverage."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conductor_testkit.testing.explore import Exploration, explore
from conductor_testkit.testing.explored_cases import load_cases
from examples.branching.workflows import NESTED_SCRIPT, NESTED_VALUE, script_switch, with_unreachable_case
from examples.kitchen_sink.workflow import COMPENSATION_WORKFLOW, KITCHEN_SINK

pytest_plugins = ["pytester"]


@pytest.fixture(scope="module")
def kitchen_sink() -> Exploration:
    return explore(KITCHEN_SINK, register=[COMPENSATION_WORKFLOW])


@pytest.fixture(scope="module")
def nested_script() -> Exploration:
    return explore(NESTED_SCRIPT)


def test_explore_reaches_every_cell_of_the_kitchen_sink_and_its_other_workflows(
    kitchen_sink: Exploration,
) -> None:
    assert kitchen_sink.unreachable == {}
    assert sorted(kitchen_sink.coverage.workflows) == [
        ("kitchen_sink", 1),
        ("kitchen_sink_archive", 1),
        ("kitchen_sink_compensation", 1),
    ]
    assert [str(kitchen_sink.coverage.ratio(d)) for d in ("tasks", "branches", "outcomes")] == [
        "24/24 100%",
        "18/18 100%",
        "42/42 100%",
    ]
    assert kitchen_sink.report().splitlines()[-1].endswith("24/24 100%  18/18 100%  42/42 100%")


def test_cases_the_servers_test_endpoint_cannot_replay_say_why(kitchen_sink: Exploration) -> None:
    reasons = {case.local_only.split(":")[0] for case in kitchen_sink.cases if case.local_only}
    assert reasons == {
        "it drives the failure workflow, which the server's test endpoint does not run",
        "the forked task 'invoice' fails and is retried",
    }
    assert all(case.backends == ("local", "live") for case in kitchen_sink.cases if case.local_only)
    failure = [case for case in kitchen_sink.cases if case.scenario.failure_workflow_mocks is not None]
    assert failure and all(
        cell.startswith("kitchen_sink_compensation v1: ") for c in failure for cell in c.cells
    )


def test_explore_reaches_every_branch_of_nested_switches() -> None:
    result = explore(NESTED_VALUE)
    assert result.unreachable == {}
    assert str(result.coverage.ratio("branches")) == "9/9 100%"
    assert str(result.coverage.ratio("outcomes")) == "14/14 100%"


def test_explore_reaches_every_branch_of_a_javascript_switch_nested_in_another(
    nested_script: Exploration,
) -> None:
    assert nested_script.unreachable == {}
    assert str(nested_script.coverage.ratio("branches")) == "6/6 100%"


def test_a_case_no_expression_can_take_is_reported_unreachable_with_the_reason() -> None:
    result = explore(with_unreachable_case())
    assert list(result.unreachable) == [
        "nested_script_switches_planted v1: size=huge",
        "nested_script_switches_planted v1: call_the_bank",
        "nested_script_switches_planted v1: call_the_bank: completed at the first attempt",
        "nested_script_switches_planted v1: call_the_bank: retries exhausted",
    ]
    assert re.fullmatch(
        r"the javascript expression \"\$\.amount > 100 \? 'big' : \(\$\.amount > 0 \? 'small' : 'none'\)\" "
        r"returned only 'big', 'none', 'small' in the \d+ run\(s\) that reached 'size'",
        result.unreachable["nested_script_switches_planted v1: size=huge"],
    )
    assert result.unreachable["nested_script_switches_planted v1: call_the_bank"] == (
        "it needs size=huge, which no run reached"
    )
    assert "unreachable:" in result.report()


def test_each_case_is_the_smallest_input_and_the_mocks_its_run_used(nested_script: Exploration) -> None:
    by_cell = nested_script.reached
    small = by_cell["nested_script_switches v1: size=small"]
    assert small.scenario.input == {"order": {"amount": 1}}
    assert small.scenario.mocks == {
        "pack_small": [{"status": "COMPLETED", "output": {}}],
        "done": [{"status": "COMPLETED", "output": {}}],
    }
    neighbour = by_cell["nested_script_switches v1: region=neighbour"]
    assert neighbour.scenario.input == {"order": {"amount": 101, "country": "ca"}}
    assert neighbour.path == ["ship_ca"] and neighbour.status == "FAILED"
    assert by_cell["nested_script_switches v1: size=<default>"].scenario.input == {}


def test_written_cases_load_back_with_their_workflow(nested_script: Exploration, tmp_path: Path) -> None:
    files = nested_script.write_cases(tmp_path)
    assert [f.relative_to(tmp_path).as_posix() for f in files[:2]] == [
        "nested_script_switches_explored/definitions.json",
        "nested_script_switches_explored/case_001.json",
    ]
    assert files[-1].name == "test_nested_script_switches_explored.py"
    cases = load_cases(files[-1], "nested_script_switches_explored")
    assert [c.name for c in cases] == [c.name for c in nested_script.cases]
    assert cases[0].definition == NESTED_SCRIPT


def test_the_written_cases_replay_with_full_coverage(
    kitchen_sink: Exploration, pytester: pytest.Pytester
) -> None:
    kitchen_sink.write_cases(pytester.path / "regressions")
    result = pytester.runpytest(
        "regressions",
        "--conductor-coverage",
        "--conductor-coverage-fail-under=100",
        "--conductor-coverage-fail-under-outcomes=100",
    )
    result.assert_outcomes(passed=len(kitchen_sink.cases))
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(
        [
            "workflow                      runs       tasks    branches    outcomes",
            "kitchen_sink v1 *  20/20 100%  16/16 100%  32/32 100%",
            "kitchen_sink_archive v1 *    3/3 100%    2/2 100%    6/6 100%",
            "kitchen_sink_compensation v1 *    1/1 100%    0/0 100%    4/4 100%",
            "TOTAL *  24/24 100%  18/18 100%  42/42 100%",
        ],
        consecutive=True,
    )


def test_a_replayed_case_fails_when_the_workflow_no_longer_takes_its_path(
    nested_script: Exploration, pytester: pytest.Pytester
) -> None:
    nested_script.write_cases(pytester.path)
    definitions = pytester.path / "nested_script_switches_explored" / "definitions.json"
    definitions.write_text(definitions.read_text().replace("$.amount > 100", "$.amount > 1000"))
    case = nested_script.reached["nested_script_switches v1: region=neighbour"]
    result = pytester.runpytest("-k", case.name)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["E * workflow 'nested_script_switches' is *, expected FAILED"])


def test_an_unreachable_case_of_a_sub_workflow_is_named_with_the_values_its_switch_took() -> None:
    child = {
        "name": "child_with_a_fixed_switch",
        "version": 1,
        "tasks": [
            script_switch(
                "fixed", "javascript", "$.x > 1 ? 'big' : 'small'", {"x": 0}, {"big": [], "small": []}, []
            )
        ],
    }
    parent = {
        "name": "parent",
        "version": 1,
        "tasks": [
            {
                "name": "child",
                "taskReferenceName": "child",
                "type": "SUB_WORKFLOW",
                "subWorkflowParam": {"name": child["name"], "version": 1, "workflowDefinition": child},
            }
        ],
    }
    result = explore(parent, max_examples=20)
    assert list(result.unreachable) == [
        "parent v1: child: retries exhausted",
        "parent v1: workflow FAILED",
        "child_with_a_fixed_switch v1: fixed=big",
        "child_with_a_fixed_switch v1: fixed=<default>",
    ]
    assert result.unreachable["parent v1: child: retries exhausted"] == (
        "the sub-workflow 'child_with_a_fixed_switch' has no task a mock can make fail"
    )
    assert (
        result.unreachable["parent v1: workflow FAILED"] == "no task of 'parent' can be mocked to end it so"
    )
    assert re.fullmatch(
        r"the javascript expression \"\$\.x > 1 \? 'big' : 'small'\" returned only 'small' "
        r"in the \d+ run\(s\) that reached 'fixed'",
        result.unreachable["child_with_a_fixed_switch v1: fixed=big"],
    )
