"""The coverage as text: the terminal table, the JSON report, and the gate's verdict."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Union

from conductor_testkit.testing.coverage.model import DIMENSIONS
from conductor_testkit.testing.coverage.recorder import CoverageRecorder

__all__ = ["gate_failures", "terminal_report", "write_json"]

_SINGULAR = {"branches": "branch", "outcomes": "outcome"}


def terminal_report(recorder: CoverageRecorder) -> List[str]:
    """One row per workflow (runs, tasks, branches, outcomes), each followed by what it missed."""
    if not recorder.workflows:
        return ["no workflow ran"]
    rows = [["workflow", "runs", "tasks", "branches", "outcomes"]]
    missing_lines: List[List[str]] = []
    for coverage in recorder.sorted():
        rows.append([coverage.title, str(coverage.runs)] + [str(coverage.ratio(d)) for d in DIMENSIONS])
        lines = []
        for dimension in DIMENSIONS:
            missed = coverage.missing(dimension)
            if missed:
                lines.append(f"  missing {dimension}: " + ", ".join(c.label for c in missed))
        missing_lines.append(lines)
    total_runs = sum(c.runs for c in recorder.workflows.values())
    rows.append(["TOTAL", str(total_runs)] + [str(recorder.ratio(d)) for d in DIMENSIONS])
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]

    def line(row: Sequence[str]) -> str:
        cells = [row[0].ljust(widths[0]), row[1].rjust(widths[1])]
        cells += [text.rjust(width) for text, width in zip(row[2:], widths[2:])]
        return "  ".join(cells).rstrip()

    out = [line(rows[0])]
    for row, lines in zip(rows[1:-1], missing_lines):
        out.append(line(row))
        out.extend(lines)
    out.append(line(rows[-1]))
    return out


def write_json(recorder: CoverageRecorder, path: Union[str, Path]) -> Path:
    """Write the JSON report (:meth:`CoverageRecorder.to_dict`) to ``path``."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(recorder.to_dict(), indent=1, sort_keys=True, default=str) + "\n")
    return target


def gate_failures(
    recorder: CoverageRecorder,
    *,
    branches: Optional[float] = None,
    outcomes: Optional[float] = None,
    branch_option: str = "fail_under",
    outcome_option: str = "fail_under_outcomes",
) -> List[str]:
    """Why the coverage misses a threshold (percentages), naming what is missing; [] when it passes."""
    failures = []
    for dimension, threshold, option in (
        ("branches", branches, branch_option),
        ("outcomes", outcomes, outcome_option),
    ):
        if threshold is None:
            continue
        ratio = recorder.ratio(dimension)
        if ratio.percent + 1e-9 >= threshold:
            continue
        by_workflow: Dict[str, List[str]] = {}
        for coverage, cell in recorder.missing(dimension):
            by_workflow.setdefault(coverage.title, []).append(cell.label)
        missing = [f"{title}: {', '.join(labels)}" for title, labels in by_workflow.items()]
        failures.append(
            f"{_SINGULAR[dimension]} coverage {ratio} is under {option}={threshold:g}; missing "
            f"{dimension}: " + "; ".join(missing)
        )
    return failures
