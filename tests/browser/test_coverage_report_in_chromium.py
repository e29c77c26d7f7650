"""The HTML coverage report in a real headless Chromium: it renders, logs no error, and its
screenshot is kept in ``test-artifacts/coverage-report.png`` (CI keeps that folder).

Chromium is Debian's ``chromium`` package (``./scripts/test`` installs it when it can). Without
it the test is skipped, and under ``CI=true`` it fails.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from _chromium import Chromium, find_chromium

from conductor_testkit.testing import Harness
from conductor_testkit.testing.coverage import CoverageRecorder, write_html
from examples.kitchen_sink.workflow import COMPENSATION_WORKFLOW, KITCHEN_SINK

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture(scope="module")
def chromium() -> str:
    executable = find_chromium()
    if executable is None:
        message = "chromium is not installed (Debian's package 'chromium'; ./scripts/test installs it)"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return executable


def recorded_runs() -> CoverageRecorder:
    recorder = CoverageRecorder()
    harness = Harness(strict=False, observers=[recorder.observer("test_orders::test_us")])
    harness.register(COMPENSATION_WORKFLOW)
    everything = {
        "validate": {},
        "ship_domestic": {},
        "invoice": {},
        "notify": {},
        "pack__1": {},
        "pack__2": {},
    }
    harness.run(
        KITCHEN_SINK,
        {"country": "us", "amount": 500, "items": [1, 2], "labels": [1]},
        {**everything, "score": {"band": "high"}, "flag": {}, "_print_label_0": {}},
        sub_workflow_mocks={"archive": {"store": {"result": "ok"}}},
    ).assert_completed()
    harness.observers[:] = [recorder.observer("test_orders::test_a_failed_check")]
    harness.run(
        KITCHEN_SINK,
        {"country": "fr"},
        {"validate": [{"status": "FAILED"}, {"status": "FAILED"}]},
        failure_workflow_mocks={"undo": {}},
    ).assert_failed()
    return recorder


def test_the_html_report_renders_without_errors_and_is_photographed(chromium: str, tmp_path: Path) -> None:
    recorder = recorded_runs()
    page = write_html(recorder, tmp_path / "coverage.html")
    with Chromium(chromium) as browser:
        result = browser.open(
            page,
            {
                "diagrams": "document.querySelectorAll('svg.diagram').length",
                "tasks": "document.querySelectorAll('svg.diagram g.node').length",
                "missed": "document.querySelectorAll('svg.diagram g.node.miss').length",
                "drawn": "Math.min(...[...document.querySelectorAll('svg.diagram')]"
                ".map(s => s.getBoundingClientRect().height))",
            },
        )
    assert result.errors == []
    assert result.values["diagrams"] == 3  # the workflow, its sub-workflow, its failure workflow
    assert result.values["tasks"] == 20 + 3 + 1
    missed = sum(1 for c in recorder.workflows.values() for cell in c.missing("tasks"))
    assert result.values["missed"] == missed > 0
    assert result.values["drawn"] > 40
    assert result.screenshot.startswith(b"\x89PNG\r\n\x1a\n")
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "coverage-report.png").write_bytes(result.screenshot)
    (ARTIFACTS / "coverage-report.html").write_text(page.read_text())
