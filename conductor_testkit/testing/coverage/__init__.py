"""Workflow coverage: which tasks, branches and failure-handling outcomes the runs reached.

The pytest plugin records every run of the ``conductor`` fixture when asked (``--conductor-coverage``,
``--conductor-coverage-json=PATH``, ``--conductor-coverage-html=PATH``, and the gates
``--conductor-coverage-fail-under=N`` / ``--conductor-coverage-fail-under-outcomes=N``). Outside
pytest, record with a :class:`CoverageRecorder` as a harness observer and print its reports::

    recorder = CoverageRecorder()
    harness = Harness(observers=[recorder.observer()])
    ...
    print("\\n".join(terminal_report(recorder)))
    write_html(recorder, "coverage.html")

What counts is described in :mod:`conductor_testkit.testing.coverage.model`.
"""

from __future__ import annotations

from conductor_testkit.testing.coverage.branch import BranchCoverage
from conductor_testkit.testing.coverage.hits import cells_reached
from conductor_testkit.testing.coverage.html import html_report, write_html
from conductor_testkit.testing.coverage.model import DEFAULT_CASE, Cell, WorkflowModel
from conductor_testkit.testing.coverage.recorder import CoverageRecorder, Ratio, WorkflowCoverage
from conductor_testkit.testing.coverage.text import gate_failures, terminal_report, write_json

__all__ = [
    "DEFAULT_CASE",
    "BranchCoverage",
    "Cell",
    "CoverageRecorder",
    "Ratio",
    "WorkflowCoverage",
    "WorkflowModel",
    "cells_reached",
    "gate_failures",
    "html_report",
    "terminal_report",
    "write_html",
    "write_json",
]
