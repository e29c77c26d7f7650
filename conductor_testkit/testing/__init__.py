"""The test harness: run workflows on the engine or a real server, with mocks, workers and assertions.

Primary API::

    from conductor_testkit.testing import run_workflow

    execution = run_workflow(workflow, input={...}, mocks={"task_ref": {"out": 1}})
    execution.assert_completed()

``Harness`` binds a backend (``LocalBackend``: the in-memory engine, the default;
``RemoteBackend``: a real server's test endpoint; ``LiveBackend``: a real server with in-process
workers) for several runs; the pytest fixture
``conductor`` is one. Workflow coverage (tasks, branches, failure handling) is recorded by a
:class:`CoverageRecorder` (:mod:`conductor_testkit.testing.coverage`). Hypothesis strategies,
properties and the branch search live in :mod:`conductor_testkit.testing.strategies`,
:mod:`~conductor_testkit.testing.properties` and :mod:`~conductor_testkit.testing.explore`
(imported on demand: Hypothesis is a test dependency).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any, List

if TYPE_CHECKING:  # pragma: no cover
    from conductor_testkit.testing.backend import Backend, BackendNotSupportedError
    from conductor_testkit.testing.both import BackendsDisagree, BothBackend
    from conductor_testkit.testing.capture import capture_recent
    from conductor_testkit.testing.case import Case, load_cases
    from conductor_testkit.testing.coverage import BranchCoverage, CoverageRecorder
    from conductor_testkit.testing.definition_diff import DefinitionDiff, diff_definition
    from conductor_testkit.testing.execution import Blocker, Execution
    from conductor_testkit.testing.harness import Harness, run_workflow
    from conductor_testkit.testing.lint import LintProblem, lint_definition
    from conductor_testkit.testing.live import LiveBackend
    from conductor_testkit.testing.local import LocalBackend
    from conductor_testkit.testing.mocks import MockSet, completed, failed, in_progress, mock, sub_workflow
    from conductor_testkit.testing.remote import RemoteBackend
    from conductor_testkit.testing.replay import ReplayMismatch, ReplayResult
    from conductor_testkit.testing.snapshots import SnapshotMismatch, SnapshotStore
    from conductor_testkit.testing.strictness import ConductorLintWarning, Strictness, UnusedMocksError
    from conductor_testkit.testing.task_environment import TaskEnvironment, TaskRun

# Each name is imported when first used, so a local-only run loads neither the HTTP client nor
# the server backends (``from conductor_testkit.testing import run_workflow`` stays cheap).
_EXPORTS = {
    "Backend": "conductor_testkit.testing.backend",
    "BackendNotSupportedError": "conductor_testkit.testing.backend",
    "BackendsDisagree": "conductor_testkit.testing.both",
    "BothBackend": "conductor_testkit.testing.both",
    "capture_recent": "conductor_testkit.testing.capture",
    "Case": "conductor_testkit.testing.case",
    "load_cases": "conductor_testkit.testing.case",
    "BranchCoverage": "conductor_testkit.testing.coverage",
    "CoverageRecorder": "conductor_testkit.testing.coverage",
    "DefinitionDiff": "conductor_testkit.testing.definition_diff",
    "diff_definition": "conductor_testkit.testing.definition_diff",
    "Blocker": "conductor_testkit.testing.execution",
    "Execution": "conductor_testkit.testing.execution",
    "Harness": "conductor_testkit.testing.harness",
    "run_workflow": "conductor_testkit.testing.harness",
    "LintProblem": "conductor_testkit.testing.lint",
    "lint_definition": "conductor_testkit.testing.lint",
    "LiveBackend": "conductor_testkit.testing.live",
    "LocalBackend": "conductor_testkit.testing.local",
    "MockSet": "conductor_testkit.testing.mocks",
    "completed": "conductor_testkit.testing.mocks",
    "failed": "conductor_testkit.testing.mocks",
    "in_progress": "conductor_testkit.testing.mocks",
    "mock": "conductor_testkit.testing.mocks",
    "sub_workflow": "conductor_testkit.testing.mocks",
    "RemoteBackend": "conductor_testkit.testing.remote",
    "ReplayMismatch": "conductor_testkit.testing.replay",
    "ReplayResult": "conductor_testkit.testing.replay",
    "SnapshotMismatch": "conductor_testkit.testing.snapshots",
    "SnapshotStore": "conductor_testkit.testing.snapshots",
    "ConductorLintWarning": "conductor_testkit.testing.strictness",
    "Strictness": "conductor_testkit.testing.strictness",
    "UnusedMocksError": "conductor_testkit.testing.strictness",
    "TaskEnvironment": "conductor_testkit.testing.task_environment",
    "TaskRun": "conductor_testkit.testing.task_environment",
}


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    # not kept in globals(): the answer follows sys.modules (pytester's in-process runs drop and
    # import the package's modules again; a kept class would be one of a stale copy)
    return getattr(importlib.import_module(module), name)


def __dir__() -> List[str]:
    return sorted(set(globals()) | set(_EXPORTS))


__all__ = [
    # Primary types
    "Execution",
    "Harness",
    "run_workflow",
    # Mocks
    "completed",
    "failed",
    "in_progress",
    "mock",
    "sub_workflow",
    # Strictness and lint
    "ConductorLintWarning",
    "LintProblem",
    "Strictness",
    "UnusedMocksError",
    "lint_definition",
    # Snapshots
    "SnapshotMismatch",
    "SnapshotStore",
    # Single tasks
    "TaskEnvironment",
    "TaskRun",
    # Captured executions as regression tests (capture() and replay() are in the modules of
    # those names: conductor_testkit.testing.capture, conductor_testkit.testing.replay)
    "Case",
    "DefinitionDiff",
    "ReplayMismatch",
    "ReplayResult",
    "capture_recent",
    "diff_definition",
    "load_cases",
    # Backends
    "Backend",
    "BackendsDisagree",
    "BothBackend",
    "LiveBackend",
    "LocalBackend",
    "RemoteBackend",
    # Coverage
    "BranchCoverage",
    "CoverageRecorder",
    # Advanced
    "BackendNotSupportedError",
    "Blocker",
    "MockSet",
]
