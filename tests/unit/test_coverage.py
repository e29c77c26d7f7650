"""Workflow coverage: the cells a definition makes possible, the cells real engine runs reach, the
recorder (sub-workflows, failure workflows, continuations, merging) and its reports."""

from __future__ import annotations

import json
import re
from typing import Any, Dict, List

from conductor_testkit.testing import Harness
from conductor_testkit.testing.coverage import (
    CoverageRecorder,
    WorkflowModel,
    cells_reached,
    gate_failures,
    html_report,
    terminal_report,
)
from examples.kitchen_sink.workflow import COMPENSATION_WORKFLOW, KITCHEN_SINK


def simple(ref: str, retries: int = 0, **extra: Any) -> Dict[str, Any]:
    task: Dict[str, Any] = {
        "name": ref,
        "taskReferenceName": ref,
        "type": "SIMPLE",
        "taskDefinition": {"name": ref, "retryCount": retries, "retryDelaySeconds": 0},
    }
    task.update(extra)
    return task


ROUTES: Dict[str, Any] = {
    "name": "routes",
    "version": 2,
    "tasks": [
        simple("charge", retries=1),
        {
            "name": "route",
            "taskReferenceName": "route",
            "type": "SWITCH",
            "evaluatorType": "value-param",
            "expression": "country",
            "inputParameters": {"country": "${workflow.input.country}"},
            "decisionCases": {"us": [simple("ship_us")]},
            "defaultCase": [simple("ship_abroad")],
        },
    ],
}


def labels(recorder: CoverageRecorder, name: str, dimension: str, reached: bool) -> List[str]:
    coverage = next(c for c in recorder.workflows.values() if c.name == name)
    return [c.label for c in coverage.of(dimension) if coverage.is_covered(c) == reached]


def test_the_model_lists_every_branch_and_the_outcomes_the_definition_allows() -> None:
    model = WorkflowModel(KITCHEN_SINK)
    assert [c.label for c in model.of_kind("branch")] == [
        "route=us",
        "route=embargoed",
        "route=<default>",
        "risk=manual",
        "risk=scored",
        "risk=<default>",
        "band=high",
        "band=<default>",
        "parallel: branch 1 (invoice)",
        "parallel: branch 2 (notify)",
        "packing: 0 iterations",
        "packing: 1 iteration",
        "packing: several iterations",
        "labels: 0 branches",
        "labels: 1 branch",
        "labels: several branches",
    ]
    outcomes = [c.label for c in model.of_kind("outcome")]
    assert [o for o in outcomes if o.startswith(("validate:", "score:", "invoice:", "ship_domestic:"))] == [
        "validate: completed at the first attempt",
        "validate: failed then retried",
        "validate: retries exhausted",
        "validate: timed out (RETRY)",
        "ship_domestic: completed at the first attempt",
        "ship_domestic: retries exhausted",
        "score: completed at the first attempt",
        "score: optional task failed",
        "invoice: completed at the first attempt",
        "invoice: failed then retried",
        "invoice: retries exhausted",
        "invoice: canceled",
    ]
    assert [c.label for c in model.of_kind("workflow")] == [
        "workflow COMPLETED",
        "workflow FAILED",
        "workflow TIMED_OUT",
        "workflow TERMINATED",
        "failure workflow started",
    ]


def test_a_loop_without_a_list_always_runs_its_body_once() -> None:
    counted = {
        "name": "counted",
        "tasks": [
            {
                "name": "loop",
                "taskReferenceName": "loop",
                "type": "DO_WHILE",
                "loopCondition": "$.loop['iteration'] < 2",
                "loopOver": [simple("body")],
            }
        ],
    }
    assert [c.label for c in WorkflowModel(counted).of_kind("branch")] == [
        "loop: 1 iteration",
        "loop: several iterations",
    ]


def run_cells(workflow: Dict[str, Any], input: Dict[str, Any], mocks: Dict[str, Any]) -> List[str]:
    execution = Harness(strict=False).run(workflow, input, mocks)
    return sorted(
        c.label
        for c in cells_reached(execution.workflow, WorkflowModel(execution.workflow["workflowDefinition"]))
    )


def test_a_run_reaches_the_cells_of_its_path_and_of_how_each_task_ended() -> None:
    cells = run_cells(ROUTES, {"country": "us"}, {"charge": [{"status": "FAILED"}, {}], "ship_us": {}})
    assert cells == [
        "charge",
        "charge: failed then retried",
        "route",
        "route=us",
        "ship_us",
        "ship_us: completed at the first attempt",
        "workflow COMPLETED",
    ]


def test_a_task_that_fails_for_good_exhausts_its_retries_and_fails_the_workflow() -> None:
    cells = run_cells(ROUTES, {"country": "fr"}, {"charge": [{"status": "FAILED"}, {"status": "FAILED"}]})
    assert cells == ["charge", "charge: failed then retried", "charge: retries exhausted", "workflow FAILED"]


def test_timeouts_optional_failures_and_cancels_are_read_from_the_run() -> None:
    workflow = {
        "name": "failures",
        "version": 1,
        "tasks": [
            {
                **simple("slow"),
                "taskDefinition": {
                    "name": "slow",
                    "retryCount": 0,
                    "timeoutSeconds": 10,
                    "responseTimeoutSeconds": 10,
                    "timeoutPolicy": "RETRY",
                },
            },
            simple("extra", optional=True),
            {
                "name": "fork",
                "taskReferenceName": "fork",
                "type": "FORK_JOIN",
                "forkTasks": [[simple("left")], [simple("right")]],
            },
            {"name": "join", "taskReferenceName": "join", "type": "JOIN", "joinOn": ["left", "right"]},
        ],
    }
    late = {"status": "IN_PROGRESS", "executionTime": 11_000}
    assert "slow: timed out (RETRY)" in run_cells(workflow, {}, {"slow": [late]})
    optional = run_cells(workflow, {}, {"slow": {}, "extra": {"status": "FAILED"}, "left": {}, "right": {}})
    assert "extra: optional task failed" in optional and "workflow COMPLETED" in optional
    canceled = run_cells(workflow, {}, {"slow": {}, "extra": {}, "left": {"status": "CANCELED"}})
    assert ["left: canceled", "right: canceled", "workflow TERMINATED"] == [
        c for c in canceled if "canceled" in c or "TERMINATED" in c
    ]


def test_sub_workflows_and_the_failure_workflow_are_workflows_of_their_own() -> None:
    recorder = CoverageRecorder()
    harness = Harness(strict=False, observers=[recorder.observer("test_one")])
    harness.register(COMPENSATION_WORKFLOW)
    harness.run(
        KITCHEN_SINK,
        {"country": "us", "amount": 5, "items": [], "labels": []},
        {"validate": {}, "ship_domestic": {}, "invoice": {}, "notify": {}},
        sub_workflow_mocks={"archive": {"store": {"status": "FAILED_WITH_TERMINAL_ERROR"}}},
        failure_workflow_mocks={"undo": {}},
    ).assert_failed()
    assert sorted(recorder.workflows) == [
        ("kitchen_sink", 1),
        ("kitchen_sink_archive", 1),
        ("kitchen_sink_compensation", 1),
    ]
    assert labels(recorder, "kitchen_sink_archive", "outcomes", True) == [
        "store: retries exhausted",
        "workflow FAILED",
    ]
    assert "archive: retries exhausted" in labels(recorder, "kitchen_sink", "outcomes", True)
    assert "failure workflow started" in labels(recorder, "kitchen_sink", "outcomes", True)
    compensation = recorder.workflows[("kitchen_sink_compensation", 1)]
    assert [(c.label, compensation.tests_of(c)) for c in compensation.of("tasks")] == [("undo", ["test_one"])]


def test_a_run_and_its_continuation_count_once() -> None:
    review = {
        "name": "review",
        "version": 1,
        "tasks": [{"name": "review", "taskReferenceName": "review", "type": "HUMAN"}, simple("publish")],
    }
    recorder = CoverageRecorder()
    harness = Harness(strict=False, observers=[recorder.observer("t")])
    waiting = harness.run(review, {}, {"publish": {}})
    assert labels(recorder, "review", "tasks", False) == ["publish"]
    waiting.complete("review", {}).assert_completed()
    assert recorder.workflows[("review", 1)].runs == 1
    assert labels(recorder, "review", "tasks", False) == []


def record(test: str, country: str) -> CoverageRecorder:
    recorder = CoverageRecorder()
    Harness(strict=False, observers=[recorder.observer(test)]).run(
        ROUTES, {"country": country}, {"charge": {}, "ship_us": {}, "ship_abroad": {}}
    )
    return recorder


def test_two_processes_recordings_merge_through_json() -> None:
    merged = record("test_us", "us")
    merged.merge(json.loads(json.dumps(record("test_fr", "fr").to_dict())))
    coverage = merged.workflows[("routes", 2)]
    assert coverage.runs == 2
    assert str(coverage.ratio("branches")) == "2/2 100%"
    assert {c.label: coverage.tests_of(c) for c in coverage.of("tasks")} == {
        "charge": ["test_fr", "test_us"],
        "route": ["test_fr", "test_us"],
        "ship_us": ["test_us"],
        "ship_abroad": ["test_fr"],
    }


def test_the_terminal_report_names_what_each_workflow_missed() -> None:
    assert terminal_report(record("t", "us")) == [
        "workflow   runs    tasks  branches  outcomes",
        "routes v2     1  3/4 75%   1/2 50%   3/9 33%",
        "  missing tasks: ship_abroad",
        "  missing branches: route=<default>",
        "  missing outcomes: charge: failed then retried, charge: retries exhausted, "
        "ship_us: retries exhausted, ship_abroad: completed at the first attempt, "
        "ship_abroad: retries exhausted, workflow FAILED",
        "TOTAL         1  3/4 75%   1/2 50%   3/9 33%",
    ]


def test_the_gate_names_the_missing_branches() -> None:
    recorder = record("t", "us")
    assert gate_failures(recorder, branches=50, outcomes=30) == []
    assert gate_failures(recorder, branches=51) == [
        "branch coverage 1/2 50% is under fail_under=51; missing branches: routes v2: route=<default>"
    ]


def test_the_html_report_draws_each_workflow_with_what_reached_it() -> None:
    page = html_report(record("test_us", "us"))
    assert page.count('<svg xmlns="http://www.w3.org/2000/svg" class="diagram"') == 1
    assert re.findall(r'<g class="node (\w+) (hit|miss)" data-ref="(\w+)">', page) == [
        ("task", "hit", "charge"),
        ("switch", "hit", "route"),
        ("task", "hit", "ship_us"),
        ("task", "miss", "ship_abroad"),
    ]
    assert "<title>route=us: reached by\ntest_us</title>" in page
    assert "<title>route=&lt;default&gt;: not reached</title>" in page
    assert [
        url for url in re.findall(r"https?://[^\"' )]+", page) if url != "http://www.w3.org/2000/svg"
    ] == []
