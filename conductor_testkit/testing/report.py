"""The report of an execution shown when a test fails: every task in detail, the blockers, and
the path taken against the path expected."""

from __future__ import annotations

import json
from typing import Any, Dict, List

from conductor_testkit.testing.execution import Execution

__all__ = ["execution_report"]

_VALUE_LIMIT = 300


def _json(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, default=str, ensure_ascii=False)
    return text if len(text) <= _VALUE_LIMIT else text[: _VALUE_LIMIT - 3] + "..."


def execution_report(execution: Execution) -> str:
    """Status, reason, blockers, paths, then one block per task: type, status, attempt, input,
    output and reason."""
    lines = [f"workflow {execution.name!r} ({execution.backend} backend): {execution.status}"]
    if execution.reason:
        lines.append(f"reason: {execution.reason}")
    for blocker in execution.blocked:
        lines.append(f"blocked on: {blocker}")
    lines.append(f"path taken:    {' -> '.join(execution.path()) or '(nothing ran)'}")
    if execution.expected_path is not None:
        lines.append(f"path expected: {' -> '.join(execution.expected_path) or '(nothing)'}")
    attempts: Dict[str, int] = {}
    tasks: List[Dict[str, Any]] = sorted(
        execution.workflow.get("tasks") or [], key=lambda t: t.get("seq") or 0
    )
    for task in tasks:
        ref = str(task.get("referenceTaskName"))
        attempts[ref] = attempts.get(ref, 0) + 1
        lines.append(
            f"- {ref} ({task.get('taskType')}): {task.get('status')}, attempt {attempts[ref]}"
            + (f", retry {task['retryCount']}" if task.get("retryCount") else "")
        )
        lines.append(f"    input:  {_json(task.get('inputData') or {})}")
        lines.append(f"    output: {_json(task.get('outputData') or {})}")
        if task.get("reasonForIncompletion"):
            lines.append(f"    reason: {task['reasonForIncompletion']}")
    if execution.unused_mocks:
        lines.append(
            "mocks never used: "
            + ", ".join(f"{ref} ({count} left)" for ref, count in sorted(execution.unused_mocks.items()))
        )
    return "\n".join(lines)
