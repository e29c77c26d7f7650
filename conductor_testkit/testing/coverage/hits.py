"""The cells one run reached, read from its Workflow JSON (the same on every backend)."""

from __future__ import annotations

from typing import Any, Dict, List, Mapping, Optional, Set

from conductor_testkit.engine import WORKFLOW_TERMINAL, base_ref
from conductor_testkit.testing.coverage.model import (
    BRANCH,
    DEFAULT_CASE,
    OUTCOME,
    SWITCHES,
    TASK,
    WORKFLOW,
    Cell,
    WorkflowModel,
    is_failable,
    timeout_policy,
)
from conductor_testkit.testing.execution import FAILURE_WORKFLOW_KEY

__all__ = ["cells_reached", "selected_case"]

_FAILED = frozenset({"FAILED", "FAILED_WITH_TERMINAL_ERROR", "TIMED_OUT"})


def selected_case(task: Mapping[str, Any]) -> Optional[str]:
    """The case a SWITCH/DECISION task chose (its ``selectedCase``, else its evaluation result)."""
    output = task.get("outputData") or {}
    if output.get("selectedCase") is not None:
        return str(output["selectedCase"])
    cases = output.get("evaluationResult") or output.get("caseOutput")
    return str(cases[0]) if isinstance(cases, list) and cases else None


def _count_key(count: int) -> str:
    return "0" if count <= 0 else "1" if count == 1 else "several"


def cells_reached(workflow: Mapping[str, Any], model: WorkflowModel) -> Set[Cell]:
    """Every cell of ``model`` (and any other the run shows) that the run ``workflow`` reached."""
    reached: Set[Cell] = set()
    tasks: List[Mapping[str, Any]] = sorted(workflow.get("tasks") or [], key=lambda t: t.get("seq") or 0)
    attempts: Dict[str, List[Mapping[str, Any]]] = {}
    for task in tasks:
        if task.get("status") == "SKIPPED":
            continue
        full_ref = str(task.get("referenceTaskName"))
        ref = base_ref(full_ref)
        node = model.nodes.get(ref)
        if node is None:  # a task a dynamic fork added
            continue
        reached.add(Cell(TASK, ref, ""))
        attempts.setdefault(full_ref, []).append(task)
        if node.type in SWITCHES:
            case = selected_case(task)
            if case is not None:
                known = case in (node.task.get("decisionCases") or {})
                reached.add(Cell(BRANCH, ref, case if known else DEFAULT_CASE))
        elif node.type == "DO_WHILE":
            iterations = int((task.get("outputData") or {}).get("iteration") or 0)
            if iterations > 1 or task.get("status") not in ("IN_PROGRESS", "SCHEDULED"):
                reached.add(Cell(BRANCH, ref, _count_key(iterations), "loop"))
        elif node.type == "FORK_JOIN_DYNAMIC" and task.get("taskType") in ("FORK", "FORK_JOIN_DYNAMIC"):
            forked = (task.get("inputData") or {}).get("forkedTasks")
            if isinstance(forked, list):
                reached.add(Cell(BRANCH, ref, _count_key(len(forked)), "dynamic"))
    for cell in model.cells:  # a fork branch ran when its first task did
        if cell.kind == BRANCH and cell.key.startswith("branch ") and Cell(TASK, cell.detail, "") in reached:
            reached.add(cell)
    for full_ref, tries in attempts.items():
        node = model.nodes[base_ref(full_ref)]
        if is_failable(node.type):
            reached.update(_outcomes(node.ref, node.task, tries))
    status = str(workflow.get("status"))
    if status in WORKFLOW_TERMINAL:
        reached.add(Cell(WORKFLOW, "", status))
    failure_id = (workflow.get("output") or {}).get(FAILURE_WORKFLOW_KEY)
    if failure_id and " " not in str(failure_id):  # an error text when it could not start
        reached.add(Cell(WORKFLOW, "", "failure_workflow"))
    return reached


def _outcomes(ref: str, definition: Mapping[str, Any], tries: List[Mapping[str, Any]]) -> Set[Cell]:
    """The outcome cells of one task's attempts (one loop iteration's, in a loop)."""
    out: Set[Cell] = set()
    statuses = [str(t.get("status")) for t in tries]
    if statuses[0] == "COMPLETED":
        out.add(Cell(OUTCOME, ref, "completed"))
    if any(s in _FAILED for s in statuses[:-1]):
        out.add(Cell(OUTCOME, ref, "retried"))
    last = statuses[-1]
    if last in _FAILED and not tries[-1].get("retried"):
        out.add(Cell(OUTCOME, ref, "exhausted"))
    if "TIMED_OUT" in statuses:
        out.add(Cell(OUTCOME, ref, "timed_out", timeout_policy(definition) or ""))
    if "COMPLETED_WITH_ERRORS" in statuses:
        out.add(Cell(OUTCOME, ref, "optional_failed"))
    if "CANCELED" in statuses:
        out.add(Cell(OUTCOME, ref, "canceled"))
    return out
