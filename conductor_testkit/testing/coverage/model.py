"""What a workflow's coverage counts, read from its definition: tasks, branches, failure handling.

A :class:`Cell` is one thing a run can reach:

* ``task``: a task of the definition ran;
* ``branch``: a SWITCH or DECISION case (``<default>`` included), a fork branch, a DO_WHILE that
  ran zero, one or several iterations, a dynamic fork with zero, one or several branches;
* ``outcome``: how a task ended: completed at the first attempt, failed then retried, retries
  exhausted, timed out (by its task definition's policy), an optional task failed, canceled;
* ``workflow``: how the workflow ended (COMPLETED, FAILED, TIMED_OUT, TERMINATED) and whether it
  started its failure workflow.

:class:`WorkflowModel` lists the cells a definition makes possible. An outcome cell is listed
only where the definition allows it: "failed then retried" for a task with retries, "timed out"
for a task whose definition has ``timeoutSeconds`` and a policy that acts (``ALERT_ONLY`` only
logs on the server), "optional, failed" for optional tasks, "canceled" for tasks on a fork branch
(the workflow cancels them when another branch ends it). A zero-iteration DO_WHILE is listed only
in list mode (``items``): otherwise the body always runs once. Cells a run reaches that the
definition does not list (a task canceled by a worker, say) are counted too, as reached.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, Iterator, List, Mapping, Optional, Tuple

from conductor_testkit.engine import OPERATORS
from conductor_testkit.testing.definition import DEFAULT_CASE, walk_tasks, workflow_def_dict

__all__ = [
    "BRANCH",
    "DEFAULT_CASE",
    "DIMENSIONS",
    "OUTCOME",
    "OUTCOME_LABELS",
    "TASK",
    "WORKFLOW",
    "Cell",
    "Node",
    "WorkflowModel",
    "effective_retry_count",
    "is_failable",
    "is_mockable",
]

TASK, BRANCH, OUTCOME, WORKFLOW = "task", "branch", "outcome", "workflow"
KINDS = (TASK, BRANCH, OUTCOME, WORKFLOW)
#: what the reports count: tasks, branches, and failure handling (the tasks' and the workflow's)
DIMENSIONS = {"tasks": (TASK,), "branches": (BRANCH,), "outcomes": (OUTCOME, WORKFLOW)}

OUTCOME_LABELS = {
    "completed": "completed at the first attempt",
    "retried": "failed then retried",
    "exhausted": "retries exhausted",
    "timed_out": "timed out",
    "optional_failed": "optional task failed",
    "canceled": "canceled",
}
WORKFLOW_LABELS = {
    "COMPLETED": "workflow COMPLETED",
    "FAILED": "workflow FAILED",
    "TIMED_OUT": "workflow TIMED_OUT",
    "TERMINATED": "workflow TERMINATED",
    "failure_workflow": "failure workflow started",
}
COUNT_KEYS = ("0", "1", "several")
SWITCHES = frozenset({"SWITCH", "DECISION"})
# task types that only steer the flow or join it: no failure handling of their own
_NOT_FAILABLE = frozenset({"EXCLUSIVE_JOIN", "NOOP", "JOIN"})


def is_mockable(task_type: str) -> bool:
    """Whether a mock settles a task of this type (the server's test endpoint discards the mocks
    of the types that run by themselves: SWITCH, INLINE, SUB_WORKFLOW, ...)."""
    return task_type not in OPERATORS


def is_failable(task_type: str) -> bool:
    """Whether tasks of this type have failure-handling cells: worker and system tasks, and
    SUB_WORKFLOW (its child's ending is its own)."""
    return task_type == "SUB_WORKFLOW" or (task_type not in OPERATORS and task_type not in _NOT_FAILABLE)


def effective_retry_count(task: Mapping[str, Any]) -> int:
    """The retries a workflow task allows: its own ``retryCount``, else its task definition's,
    else the server's ad-hoc definition's (3 for SIMPLE, 0 for other types)."""
    own = task.get("retryCount")
    if isinstance(own, int) and not isinstance(own, bool):
        return own
    definition = task.get("taskDefinition")
    if isinstance(definition, Mapping) and isinstance(definition.get("retryCount"), int):
        return int(definition["retryCount"])
    return 3 if (task.get("type") or "SIMPLE") == "SIMPLE" else 0


def timeout_policy(task: Mapping[str, Any]) -> Optional[str]:
    """The policy of a task whose definition sets ``timeoutSeconds`` (None: it never times out
    by that setting)."""
    definition = task.get("taskDefinition")
    if not isinstance(definition, Mapping) or not definition.get("timeoutSeconds"):
        return None
    return str(definition.get("timeoutPolicy") or "TIME_OUT_WF")


@dataclass(frozen=True)
class Cell:
    """One thing a run can reach (see the module docstring); ``node`` is a task reference name
    (empty for the workflow's own cells)."""

    kind: str
    node: str
    key: str
    detail: str = field(default="", compare=False)

    @property
    def id(self) -> str:
        """A stable text id: ``kind:node:key``."""
        return f"{self.kind}:{self.node}:{self.key}"

    @classmethod
    def from_id(cls, text: str, detail: str = "") -> Cell:
        kind, node, key = text.split(":", 2)
        return cls(kind, node, key, detail)

    @property
    def label(self) -> str:
        """How reports name the cell: ``route=us``, ``charge: retries exhausted``, ..."""
        if self.kind == TASK:
            return self.node
        if self.kind == WORKFLOW:
            return WORKFLOW_LABELS.get(self.key, f"workflow {self.key}")
        if self.kind == OUTCOME:
            text = OUTCOME_LABELS.get(self.key, self.key)
            return f"{self.node}: {text}" + (f" ({self.detail})" if self.detail else "")
        if self.detail in ("loop", "dynamic"):
            noun = ("iteration", "iterations") if self.detail == "loop" else ("branch", "branches")
            return f"{self.node}: {self.key} {noun[0] if self.key == '1' else noun[1]}"
        if self.key.startswith("branch "):
            return f"{self.node}: {self.key}" + (f" ({self.detail})" if self.detail else "")
        return f"{self.node}={self.key}"

    def __str__(self) -> str:
        return self.label


@dataclass
class Node:
    """A task of the definition: its type, its workflow task, and the branch it sits in."""

    ref: str
    type: str
    task: Mapping[str, Any]
    #: the cell that must be reached for this task to run (None: the workflow's main line)
    enclosing: Optional[Cell]
    #: whether it sits on a fork branch (beside other branches)
    parallel: bool


class WorkflowModel:
    """The cells a workflow definition makes possible, in definition order.

    Args:
        workflow: the definition (DSL, WorkflowDef or dict). Built from a run's
            ``workflowDefinition``, each task carries the task definition the server attached.
    """

    def __init__(self, workflow: Any) -> None:
        # a run's definition is read, not changed: no copy of it (a model is made per workflow run)
        definition = (
            dict(workflow)
            if isinstance(workflow, Mapping) and workflow.get("name")
            else workflow_def_dict(workflow)
        )
        self.definition: Dict[str, Any] = definition
        self.name = str(definition.get("name"))
        self.version = int(definition.get("version") or 1)
        self.nodes: Dict[str, Node] = {}
        self.cells: List[Cell] = []
        for site in walk_tasks(list(definition.get("tasks") or [])):
            enclosing = _enclosing_cell(self.nodes, site.path[-1]) if site.path else None
            parallel = any(branch.startswith("fork:") for _, branch in site.path)
            node = Node(site.ref, site.type, site.task, enclosing, parallel)
            self.nodes.setdefault(site.ref, node)
            self.cells.extend(_node_cells(node))
        self.cells.extend(self._workflow_cells())

    @property
    def key(self) -> Tuple[str, int]:
        return self.name, self.version

    def of_kind(self, kind: str) -> List[Cell]:
        return [cell for cell in self.cells if cell.kind == kind]

    def enclosing(self, cell: Cell) -> Optional[Cell]:
        """The cell that must be reached before ``cell`` can be: the task's own cell for its
        branches and outcomes, the branch a task sits in for the task, None at the top."""
        node = self.nodes.get(cell.node)
        if node is None or cell.kind == WORKFLOW:
            return None
        if cell.kind == TASK:
            return node.enclosing
        return Cell(TASK, cell.node, "")

    def _workflow_cells(self) -> Iterator[Cell]:
        definition = self.definition
        failable = [n for n in self.nodes.values() if is_failable(n.type)]
        terminations = {
            str((n.task.get("inputParameters") or {}).get("terminationStatus") or "").upper()
            for n in self.nodes.values()
            if n.type == "TERMINATE"
        }
        can_fail = any(not n.task.get("optional") for n in failable) or "FAILED" in terminations
        can_time_out = any(timeout_policy(n.task) in ("TIME_OUT_WF", "RETRY") for n in failable) or (
            bool(definition.get("timeoutSeconds")) and definition.get("timeoutPolicy") == "TIME_OUT_WF"
        )
        can_terminate = "TERMINATED" in terminations or any(
            n.parallel and not n.task.get("optional") for n in failable
        )
        yield Cell(WORKFLOW, "", "COMPLETED")
        for status, possible in (
            ("FAILED", can_fail),
            ("TIMED_OUT", can_time_out),
            ("TERMINATED", can_terminate),
        ):
            if possible:
                yield Cell(WORKFLOW, "", status)
        if definition.get("failureWorkflow") and (can_fail or can_time_out or can_terminate):
            yield Cell(WORKFLOW, "", "failure_workflow")


def _enclosing_cell(nodes: Mapping[str, Node], step: Tuple[str, str]) -> Cell:
    container, branch = step
    if branch.startswith("fork:"):
        return Cell(BRANCH, container, f"branch {int(branch[5:]) + 1}")
    if branch == "loop":
        return Cell(TASK, container, "")
    return Cell(BRANCH, container, branch)


def _node_cells(node: Node) -> Iterator[Cell]:
    task, ref = node.task, node.ref
    yield Cell(TASK, ref, "")
    if node.type in SWITCHES:
        for case in task.get("decisionCases") or {}:
            yield Cell(BRANCH, ref, str(case))
        yield Cell(BRANCH, ref, DEFAULT_CASE)
    elif node.type in ("FORK_JOIN", "FORK"):
        for index, branch in enumerate(task.get("forkTasks") or []):
            first = str(branch[0].get("taskReferenceName")) if branch else ""
            yield Cell(BRANCH, ref, f"branch {index + 1}", first)
    elif node.type == "DO_WHILE":
        list_mode = bool(task.get("items")) or "_items" in (task.get("inputParameters") or {})
        for key in COUNT_KEYS if list_mode else COUNT_KEYS[1:]:
            yield Cell(BRANCH, ref, key, "loop")
    elif node.type == "FORK_JOIN_DYNAMIC":
        for key in COUNT_KEYS:
            yield Cell(BRANCH, ref, key, "dynamic")
    if is_failable(node.type):
        yield from _outcome_cells(node)


def _outcome_cells(node: Node) -> Iterator[Cell]:
    task, ref = node.task, node.ref
    optional = bool(task.get("optional"))
    yield Cell(OUTCOME, ref, "completed")
    if effective_retry_count(task) > 0:
        yield Cell(OUTCOME, ref, "retried")
    yield Cell(OUTCOME, ref, "optional_failed" if optional else "exhausted")
    policy = timeout_policy(task)
    if policy in ("TIME_OUT_WF", "RETRY"):
        yield Cell(OUTCOME, ref, "timed_out", str(policy))
    if node.parallel:
        yield Cell(OUTCOME, ref, "canceled")
