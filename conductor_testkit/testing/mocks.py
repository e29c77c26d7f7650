"""Task mocks for harness runs: the test endpoint's shape, plus Python functions (local backend).

The forms a test may write, and how they are read, are described in
:mod:`conductor_testkit.engine.mocks`, where the engine's settle step consumes them; this module is
where tests import them from.
"""

from __future__ import annotations

from conductor_testkit.engine.mocks import (
    Attempt,
    MockFunction,
    MockSet,
    MockSpec,
    TaskMocks,
    completed,
    failed,
    in_progress,
    mock,
    outcome_of_function,
    sub_workflow,
)

__all__ = [
    "Attempt",
    "MockFunction",
    "MockSet",
    "MockSpec",
    "TaskMocks",
    "completed",
    "failed",
    "in_progress",
    "mock",
    "outcome_of_function",
    "sub_workflow",
]
