"""The public names of the harness package, pinned so a refactor cannot drop one silently."""

from __future__ import annotations

import conductor_testkit.testing as testing
from conductor_testkit.testing import strategies


def test_the_testing_package_exports_exactly_these_names() -> None:
    assert sorted(testing.__all__) == [
        "Backend",
        "BackendNotSupportedError",
        "BackendsDisagree",
        "Blocker",
        "BothBackend",
        "BranchCoverage",
        "Case",
        "ConductorLintWarning",
        "CoverageRecorder",
        "DefinitionDiff",
        "Execution",
        "Harness",
        "LintProblem",
        "LiveBackend",
        "LocalBackend",
        "MockSet",
        "RemoteBackend",
        "ReplayMismatch",
        "ReplayResult",
        "SnapshotMismatch",
        "SnapshotStore",
        "Strictness",
        "TaskEnvironment",
        "TaskRun",
        "UnusedMocksError",
        "capture_recent",
        "completed",
        "diff_definition",
        "failed",
        "in_progress",
        "lint_definition",
        "load_cases",
        "mock",
        "run_workflow",
        "sub_workflow",
    ]


def test_every_exported_name_exists() -> None:
    assert [name for name in testing.__all__ if not hasattr(testing, name)] == []


def test_the_strategies_module_exports_exactly_these_names() -> None:
    assert sorted(strategies.__all__) == [
        "OFF_CASE_VALUES",
        "SwitchDriver",
        "attempt_outcomes",
        "mock_outcomes",
        "scenarios",
        "switch_drivers",
        "switch_inputs",
        "workflow_inputs",
    ]
