"""``python -m examples``: runs every example, prints what ran, fails when one fails."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import List

import pytest

from examples import __main__ as runner


def test_describe_names_workflow_status_output_and_task_sequence() -> None:
    workflow = {
        "workflowName": "w", "workflowVersion": 2, "status": "COMPLETED", "output": {"b": 1, "a": 2},
        "tasks": [{"referenceTaskName": "x", "status": "FAILED"},
                  {"referenceTaskName": "x", "status": "COMPLETED", "retryCount": 1}],
    }  # fmt: skip
    assert runner.describe("demo", workflow).splitlines() == [
        "== demo: workflow w v2 -> COMPLETED",
        '   output: {"a": 2, "b": 1}',
        "   tasks:  x:FAILED -> x:COMPLETED(retry 1)",
    ]


def test_describe_shows_the_virtual_time_a_run_took() -> None:
    workflow = {
        "workflowName": "w",
        "status": "COMPLETED",
        "createTime": 0,
        "endTime": 6 * 3600 * 1000 + 90_000,
    }
    assert "virtual time: 6h 1m 30s on the workflow clock" in runner.describe("demo", workflow)


def test_an_example_that_raises_counts_as_a_failure(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(runner.EXAMPLES, "broken", "examples.no_such_module")
    lines: List[str] = []
    assert runner.run_examples(["broken"], out=lines.append) == 1
    assert lines[0].startswith("== broken: FAILED with ModuleNotFoundError")


def test_unknown_example_names_exit_with_usage_error() -> None:
    assert runner.main(["nope"]) == 2


def test_python_dash_m_examples_runs_all_and_exits_zero() -> None:
    root = Path(__file__).resolve().parents[1]
    done = subprocess.run(
        [sys.executable, "-m", "examples"], cwd=root, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"{len(runner.EXAMPLES)} of {len(runner.EXAMPLES)} examples completed" in done.stdout
