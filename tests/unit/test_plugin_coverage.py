"""The plugin's workflow coverage as a user sees it (through pytester): the table, the gates, the
JSON and HTML files, and the merge of pytest-xdist workers."""

from __future__ import annotations

import json

import pytest

pytest_plugins = ["pytester"]

SUITE = """
def simple(ref, retries=0):
    return {"name": ref, "taskReferenceName": ref, "type": "SIMPLE",
            "taskDefinition": {"name": ref, "retryCount": retries, "retryDelaySeconds": 0}}

ORDERS = {
    "name": "orders",
    "version": 1,
    "tasks": [
        simple("charge", retries=1),
        {"name": "route", "taskReferenceName": "route", "type": "SWITCH", "evaluatorType": "value-param",
         "expression": "country", "inputParameters": {"country": "${workflow.input.country}"},
         "decisionCases": {"us": [simple("ship_us")]}, "defaultCase": [simple("ship_abroad")]},
    ],
}


def test_us_orders_ship_at_home(conductor):
    conductor.run(ORDERS, {"country": "us"}, {"charge": {}, "ship_us": {}}).assert_completed()


def test_a_declined_card_is_retried(conductor):
    mocks = {"charge": [{"status": "FAILED"}, {}], "ship_us": {}}
    execution = conductor.run(ORDERS, {"country": "us"}, mocks)
    execution.assert_completed()
"""

TABLE = [
    "*- conductor coverage -*",
    "workflow   runs    tasks  branches  outcomes",
    "orders v1     2  3/4 75%   1/2 50%   4/9 44%",
    "  missing tasks: ship_abroad",
    "  missing branches: route=<default>",
    "  missing outcomes: charge: retries exhausted, ship_us: retries exhausted, "
    "ship_abroad: completed at the first attempt, ship_abroad: retries exhausted, workflow FAILED",
    "TOTAL         2  3/4 75%   1/2 50%   4/9 44%",
]


@pytest.fixture(autouse=True)
def no_server_configured(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CONDUCTOR_SERVER_URL", raising=False)


def test_help_lists_the_coverage_options(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--help")
    result.stdout.fnmatch_lines(
        [
            "  --conductor-coverage  *record which tasks, branches and failure-handling*",
            "  --conductor-coverage-json=PATH",
            "*write the workflow coverage as JSON to PATH.",
            "  --conductor-coverage-html=PATH",
            "*write the workflow coverage as an HTML page to PATH:*",
            "  --conductor-coverage-fail-under=N",
            "*fail the run when less than N percent of the workflows'*",
            "  --conductor-coverage-fail-under-outcomes=N",
            "*fail the run when less than N percent of the*",
        ]
    )


def test_the_summary_shows_each_workflows_coverage_and_what_it_missed(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(SUITE)
    result = pytester.runpytest("--conductor-coverage")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(TABLE, consecutive=True)


def test_without_a_coverage_option_nothing_is_recorded_or_shown(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(SUITE)
    result = pytester.runpytest()
    result.assert_outcomes(passed=2)
    result.stdout.no_fnmatch_line("*conductor coverage*")


def test_the_branch_gate_fails_a_run_that_misses_a_branch_and_names_it(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(SUITE)
    result = pytester.runpytest("--conductor-coverage-fail-under=90")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(
        TABLE
        + [
            "FAIL branch coverage 1/2 50% is under --conductor-coverage-fail-under=90; "
            "missing branches: orders v1: route=<default>"
        ],
        consecutive=True,
    )


def test_the_outcome_gate_has_its_own_threshold(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(SUITE)
    assert pytester.runpytest("--conductor-coverage-fail-under=50").ret == pytest.ExitCode.OK
    result = pytester.runpytest(
        "--conductor-coverage-fail-under=50", "--conductor-coverage-fail-under-outcomes=45"
    )
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(
        [
            "FAIL outcome coverage 4/9 44% is under --conductor-coverage-fail-under-outcomes=45; "
            "missing outcomes: orders v1: charge: retries exhausted, ship_us: retries exhausted, "
            "ship_abroad: completed at the first attempt, ship_abroad: retries exhausted, workflow FAILED"
        ]
    )
    result.stdout.no_fnmatch_line("FAIL branch*")


def test_the_json_report_lists_every_cell_and_the_tests_that_reached_it(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(SUITE)
    result = pytester.runpytest("--conductor-coverage-json=out/coverage.json")
    result.stdout.fnmatch_lines(["JSON report: out/coverage.json"])
    data = json.loads((pytester.path / "out" / "coverage.json").read_text())
    assert data["format"] == "conductor-testkit coverage 1"
    assert data["summary"] == {"tasks": [3, 4], "branches": [1, 2], "outcomes": [4, 9]}
    (orders,) = data["workflows"]
    cells = {cell["label"]: cell["tests"] for cell in orders["cells"]}
    module = "test_the_json_report_lists_every_cell_and_the_tests_that_reached_it.py"
    assert cells["route=us"] == [
        f"{module}::test_a_declined_card_is_retried",
        f"{module}::test_us_orders_ship_at_home",
    ]
    assert cells["charge: failed then retried"] == [f"{module}::test_a_declined_card_is_retried"]
    assert cells["route=<default>"] == []


def test_the_html_report_is_written_where_asked(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(SUITE)
    result = pytester.runpytest("--conductor-coverage-html=report/coverage.html")
    result.stdout.fnmatch_lines(["HTML report: report/coverage.html"])
    page = (pytester.path / "report" / "coverage.html").read_text()
    assert page.startswith("<!DOCTYPE html>")
    assert '<g class="node task miss" data-ref="ship_abroad">' in page


def test_the_coverage_of_every_xdist_worker_is_merged(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(SUITE)
    result = pytester.runpytest("-n", "2", "-p", "xdist", "--conductor-coverage")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(TABLE, consecutive=True)
