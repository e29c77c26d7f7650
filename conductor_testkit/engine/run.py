"""One workflow execution in memory: the wire Workflow dict plus the indexes the decider needs.

The workflow dict (``run.wf``) and its task dicts use the server's JSON field names, so
``get_workflow`` is a copy of them. Engine-internal task fields are kept in the same task dicts
under keys that start with ``_`` (``_firstScheduledTime``, ``_dueMs``) and are dropped from
copies handed out.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Dict, Iterable, List, Optional, Tuple

from conductor_testkit.engine.definitions import DefinitionIndex
from conductor_testkit.engine.expressions import ExpressionContext
from conductor_testkit.engine.jsoncopy import json_copy
from conductor_testkit.engine.pending import PendingTasks

if TYPE_CHECKING:  # pragma: no cover
    from conductor_testkit.engine.prepared import PreparedDefinition

TaskDict = Dict[str, Any]

__all__ = [
    "RETRIABLE_NOT",
    "TERMINAL",
    "UNSUCCESSFUL",
    "WORKFLOW_TERMINAL",
    "TaskDict",
    "RunState",
    "base_ref",
    "json_copy",
]

TERMINAL = frozenset(
    {
        "COMPLETED",
        "COMPLETED_WITH_ERRORS",
        "SKIPPED",
        "FAILED",
        "FAILED_WITH_TERMINAL_ERROR",
        "TIMED_OUT",
        "CANCELED",
    }
)
UNSUCCESSFUL = frozenset({"FAILED", "FAILED_WITH_TERMINAL_ERROR", "TIMED_OUT", "CANCELED"})
RETRIABLE_NOT = frozenset({"FAILED_WITH_TERMINAL_ERROR", "CANCELED", "SKIPPED"})
WORKFLOW_TERMINAL = frozenset({"COMPLETED", "FAILED", "TIMED_OUT", "TERMINATED"})


def base_ref(ref: str) -> str:
    """The reference without the loop suffix (TaskUtils.removeIterationFromTaskRefName)."""
    i = ref.find("__")
    return ref if i < 0 else ref[:i]


class RunState:
    """The engine's state of one workflow execution and its lookup indexes (the wire model of a
    running workflow is :class:`conductor_testkit.models.WorkflowRun`, a different thing).

    Attributes:
        wf: the live wire Workflow dict (``tasks`` sorted by ``seq``).
        defn: the definition snapshot (``wf["workflowDefinition"]``).
        index: the :class:`DefinitionIndex` of ``defn``.
        pending: the :class:`PendingTasks` (not retried, not SKIPPED, not executed; the
            decider's pending list).
        context: the incremental expression document (an :class:`ExpressionContext`).
        prepared: the shared :class:`PreparedDefinition` the run started from (copy templates
            and the index of ``defn`` while ``defn`` is its definition), or None.
    """

    def __init__(self, wf: Dict[str, Any], prepared: Optional[PreparedDefinition] = None) -> None:
        self.wf = wf
        self.defn: Dict[str, Any] = wf["workflowDefinition"]
        self.prepared = prepared
        if prepared is not None and prepared.defn is self.defn:
            self.index = prepared.index
        else:
            self.index = DefinitionIndex(self.defn)
        self.context: ExpressionContext
        self.deciding = False
        self.pass_marked: List[TaskDict] = []
        # (task, its fields before) for status changes the current decide pass made in memory
        # (timeouts, COMPLETED_WITH_ERRORS): lost on the server when that pass ends the workflow
        self.pass_changes: Dict[str, Tuple[TaskDict, Dict[str, Any]]] = {}
        # task id -> change a handler made in memory that the server saves only if the task is
        # persisted again within the same decide (see DoWhileHandler)
        self.uncommitted: Dict[str, Any] = {}
        # reference -> fields the server wrote into its (per-run) definition object, e.g. the
        # resolved name of a DYNAMIC task; our definition snapshot is shared, so they live here
        self.definition_overrides: Dict[str, Dict[str, Any]] = {}
        # variables as the definition shows them (set after the first decide of a started run)
        self.definition_variables: Optional[Dict[str, Any]] = None
        self.redecide = False
        self.by_id: Dict[str, TaskDict] = {}
        self.by_ref: Dict[str, List[TaskDict]] = {}
        self.latest_by_base: Dict[str, TaskDict] = {}
        self.by_iteration: Dict[int, List[TaskDict]] = {}
        self.pending = PendingTasks()
        self.terminate_tasks: List[TaskDict] = []
        self.sub_workflow_tasks: List[TaskDict] = []
        self.max_seq = 0
        self.failed_task_id: Optional[str] = None
        # the settle step of the drive this run belongs to (engine.settle.Settler), or None
        self.settler: Any = None
        self.reindex()

    # -- indexes ---------------------------------------------------------------------------
    @property
    def workflow_id(self) -> str:
        return str(self.wf["workflowId"])

    @property
    def tasks(self) -> List[TaskDict]:
        return self.wf["tasks"]  # type: ignore[no-any-return]

    @property
    def status(self) -> str:
        return str(self.wf["status"])

    def is_terminal(self) -> bool:
        return self.wf["status"] in WORKFLOW_TERMINAL

    def reindex(self) -> None:
        """Rebuild every index from ``wf["tasks"]`` (after tasks were removed or reordered)."""
        self.wf["tasks"].sort(key=lambda t: t.get("seq", 0))
        self.by_id = {}
        self.by_ref = {}
        self.latest_by_base = {}
        self.by_iteration = {}
        self.pending = PendingTasks()
        self.terminate_tasks = []
        self.sub_workflow_tasks = []
        self.max_seq = 0
        self.context = ExpressionContext(self.wf)
        for t in self.wf["tasks"]:
            self._index_task(t)
            self.context.set_task(t)

    def _index_task(self, t: TaskDict) -> None:
        self.by_id[t["taskId"]] = t
        self.by_ref.setdefault(t["referenceTaskName"], []).append(t)
        self.latest_by_base[base_ref(t["referenceTaskName"])] = t
        self.by_iteration.setdefault(t.get("iteration", 0), []).append(t)
        task_type = t.get("taskType")
        if task_type == "TERMINATE":
            self.terminate_tasks.append(t)
        elif task_type == "SUB_WORKFLOW":
            self.sub_workflow_tasks.append(t)
        if t.get("seq", 0) > self.max_seq:
            self.max_seq = t["seq"]
        self.refresh_pending(t)

    def add_task(self, t: TaskDict) -> None:
        """Append a task (already numbered) to the workflow and the indexes."""
        self.wf["tasks"].append(t)
        self._index_task(t)
        self.touch(t)

    def remove_tasks(self, ids: Iterable[str]) -> None:
        """Delete tasks from the workflow (keepLastN, restart, rerun)."""
        drop = set(ids)
        self.wf["tasks"] = [t for t in self.wf["tasks"] if t["taskId"] not in drop]
        self.reindex()

    def refresh_pending(self, t: TaskDict) -> None:
        """Re-evaluate whether ``t`` belongs to the pending set (call after changing ``t``)."""
        self.pending.refresh(t)

    def touch(self, t: TaskDict) -> None:
        """Tell the expression context about ``t`` (it keeps a reference to the dict)."""
        self.context.set_task(t)

    # -- lookups ---------------------------------------------------------------------------
    def latest(self, ref: str) -> Optional[TaskDict]:
        """The newest task with exactly this reference name (workflow.getTaskByRefName)."""
        lst = self.by_ref.get(ref)
        return lst[-1] if lst else None

    def ref_started(self, ref: str) -> bool:
        """Whether some task with this reference is IN_PROGRESS or terminal."""
        for t in self.by_ref.get(ref, ()):
            if t["status"] == "IN_PROGRESS" or t["status"] in TERMINAL:
                return True
        return False

    def non_terminal(self) -> List[TaskDict]:
        """SCHEDULED/IN_PROGRESS tasks in seq order (always a subset of ``pending``)."""
        return [t for t in self.pending_list() if t["status"] not in TERMINAL]

    def has_open_task(self) -> bool:
        """Whether some pending task is SCHEDULED or IN_PROGRESS (a task a workflow retry reopened
        in place stays executed, out of ``pending``: False does not rule that one out)."""
        for t in self.pending.unordered():
            if t["status"] not in TERMINAL:
                return True
        return False

    def pending_list(self) -> List[TaskDict]:
        """The pending tasks in seq order."""
        return self.pending.in_order()
