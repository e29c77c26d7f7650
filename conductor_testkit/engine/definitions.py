"""Workflow and task definitions as the server snapshots them into a run.

The server fills every default when it deserialises a definition and, at start, attaches a
TaskDef to every workflow task (registered by name, else an ad-hoc one; docs/semantics.md §2.2,
§3.1). :func:`normalize_workflow_def` and :func:`populate_task_definitions` do the same on
plain dicts (see :mod:`~conductor_testkit.engine.prepared`) so the run's ``workflowDefinition``
and each task's ``workflowTask`` look like the server's JSON; the default values themselves are
:mod:`conductor_testkit.models.defaults`.
:class:`DefinitionIndex` answers "which workflow task comes next" (WorkflowDef.getNextTask).
"""

from __future__ import annotations

from typing import Any, Callable, Dict, FrozenSet, Iterator, List, Optional

from conductor_testkit.engine.jsoncopy import json_copy
from conductor_testkit.models.defaults import (
    TASK_DEF_DEFAULTS,
    WORKFLOW_DEF_DEFAULTS,
    WORKFLOW_TASK_DEFAULTS,
)

__all__ = [
    "BUILT_IN_TYPES",
    "TASK_DEF_DEFAULTS",
    "WORKFLOW_DEF_DEFAULTS",
    "WORKFLOW_TASK_DEFAULTS",
    "DefinitionIndex",
    "ad_hoc_task_def",
    "children_lists",
    "iter_all_tasks",
    "normalize_task_def",
    "normalize_workflow_def",
    "populate_task_definitions",
]

WorkflowTaskDict = Dict[str, Any]

# Types whose failures are never retried (TaskType.isBuiltIn).
BUILT_IN_TYPES = frozenset({"DECISION", "SWITCH", "FORK", "JOIN", "EXCLUSIVE_JOIN", "DO_WHILE"})


def _with_defaults(d: Dict[str, Any], defaults: Dict[str, Any]) -> Dict[str, Any]:
    out = {k: v for k, v in d.items() if v is not None}
    for key, value in defaults.items():
        if key not in out:
            out[key] = json_copy(value)
    return out


def normalize_task_def(d: Dict[str, Any]) -> Dict[str, Any]:
    """A TaskDef dict with the server's defaults filled in (a new dict)."""
    return _with_defaults(json_copy(d), TASK_DEF_DEFAULTS)


def ad_hoc_task_def(name: str, task_type: str) -> Dict[str, Any]:
    """The TaskDef the server invents for an unregistered task (docs/semantics.md §2.2)."""
    td = normalize_task_def({"name": name})
    if task_type != "SIMPLE":
        td["retryCount"] = 0
        td["responseTimeoutSeconds"] = 0
    return td


def _normalize_tasks(tasks: Any) -> Any:
    """Each workflow task of a list normalised; a null list or task is left for validation to find."""
    if not isinstance(tasks, list):
        return tasks
    return [_normalize_workflow_task(t) if isinstance(t, dict) else t for t in tasks]


def _normalize_workflow_task(wt: Dict[str, Any]) -> Dict[str, Any]:
    out = _with_defaults(wt, WORKFLOW_TASK_DEFAULTS)
    cases = out["decisionCases"]
    if isinstance(cases, dict):
        out["decisionCases"] = {k: _normalize_tasks(v if v is not None else []) for k, v in cases.items()}
    out["defaultCase"] = _normalize_tasks(out["defaultCase"])
    branches = out["forkTasks"]
    if isinstance(branches, list):
        out["forkTasks"] = [_normalize_tasks(br if br is not None else []) for br in branches]
    out["loopOver"] = _normalize_tasks(out["loopOver"])
    if isinstance(out.get("taskDefinition"), dict):
        out["taskDefinition"] = normalize_task_def(out["taskDefinition"])
    sub = out.get("subWorkflowParam")
    if isinstance(sub, dict) and isinstance(sub.get("workflowDefinition"), dict):
        sub = dict(sub)
        sub["workflowDefinition"] = normalize_workflow_def(sub["workflowDefinition"])
        out["subWorkflowParam"] = sub
    return out


def normalize_workflow_def(d: Dict[str, Any]) -> Dict[str, Any]:
    """A WorkflowDef dict with the server's defaults filled in, recursively (a new dict).

    Null task lists and tasks are left in place (the server's validators refuse them; see
    :func:`conductor_testkit.engine.bean_validation.check_task_tree`).
    """
    out = _with_defaults(json_copy(d), WORKFLOW_DEF_DEFAULTS)
    out["tasks"] = _normalize_tasks(out["tasks"])
    return out


def children_lists(wt: WorkflowTaskDict) -> List[List[WorkflowTaskDict]]:
    """The nested task lists of a workflow task, in the server's order (WorkflowTask.children)."""
    t = wt.get("type")
    if t in ("SWITCH", "DECISION"):
        lists = [case or [] for case in (wt.get("decisionCases") or {}).values()]
        lists.append(wt.get("defaultCase") or [])
        return lists
    if t == "FORK_JOIN":
        return [branch or [] for branch in wt.get("forkTasks") or []]
    if t == "DO_WHILE":
        return [wt.get("loopOver") or []]
    return []


def iter_all_tasks(tasks: List[WorkflowTaskDict]) -> Iterator[WorkflowTaskDict]:
    """Every workflow task of a list, nested ones included (depth first, in order; nulls skipped)."""
    for wt in tasks:
        if not isinstance(wt, dict):
            continue
        yield wt
        for lst in children_lists(wt):
            yield from iter_all_tasks(lst)


def populate_task_definitions(
    defn: Dict[str, Any], lookup: Callable[[str], Optional[Dict[str, Any]]]
) -> None:
    """Attach a TaskDef to every workflow task that has none (MetadataMapperService)."""
    for wt in iter_all_tasks(defn["tasks"]):
        if not isinstance(wt.get("taskDefinition"), dict):
            registered = lookup(wt.get("name") or "")
            if registered is not None:
                wt["taskDefinition"] = json_copy(registered)
            else:
                wt["taskDefinition"] = ad_hoc_task_def(wt.get("name") or "", wt.get("type") or "SIMPLE")


class _Slot:
    __slots__ = ("wt", "siblings", "index", "parent")

    def __init__(
        self,
        wt: WorkflowTaskDict,
        siblings: List[WorkflowTaskDict],
        index: int,
        parent: Optional[WorkflowTaskDict],
    ) -> None:
        self.wt = wt
        self.siblings = siblings
        self.index = index
        self.parent = parent


class DefinitionIndex:
    """Reference name -> position in the definition; the server's next-task rules."""

    def __init__(self, defn: Dict[str, Any]) -> None:
        self.defn = defn
        self._slots: Dict[str, _Slot] = {}
        self._loop_of: Dict[str, str] = {}
        # container ref -> the refs inside it (asked on every loop iteration)
        self._inside: Dict[str, FrozenSet[str]] = {}
        self._add(defn["tasks"], None, None)

    def _add(
        self,
        tasks: List[WorkflowTaskDict],
        parent: Optional[WorkflowTaskDict],
        loop_ref: Optional[str],
    ) -> None:
        for i, wt in enumerate(tasks):
            ref = wt.get("taskReferenceName")
            if ref is not None and ref not in self._slots:
                self._slots[ref] = _Slot(wt, tasks, i, parent)
                if loop_ref is not None:
                    self._loop_of[ref] = loop_ref
            inner_loop = ref if wt.get("type") == "DO_WHILE" else loop_ref
            for lst in children_lists(wt):
                self._add(lst, wt, inner_loop)

    def task(self, ref: str) -> Optional[WorkflowTaskDict]:
        """The workflow task with this reference name (any depth), or None."""
        slot = self._slots.get(ref)
        return slot.wt if slot else None

    def enclosing_loop(self, ref: str) -> Optional[str]:
        """The reference of the innermost DO_WHILE whose body contains ``ref``."""
        return self._loop_of.get(ref)

    def contains(self, container_ref: str, ref: str) -> bool:
        """Whether ``ref`` sits (at any depth) inside the workflow task ``container_ref``."""
        return ref in self.inside(container_ref)

    def inside(self, container_ref: str) -> FrozenSet[str]:
        """The references that sit (at any depth) inside the workflow task ``container_ref``."""
        known = self._inside.get(container_ref)
        if known is None:
            known = self._inside[container_ref] = frozenset(
                ref for ref in self._slots if self._contains(container_ref, ref)
            )
        return known

    def _contains(self, container_ref: str, ref: str) -> bool:
        slot = self._slots.get(ref)
        while slot is not None and slot.parent is not None:
            if slot.parent.get("taskReferenceName") == container_ref:
                return True
            slot = self._slots.get(slot.parent.get("taskReferenceName") or "")
        return False

    def next_task(self, ref: str) -> Optional[WorkflowTaskDict]:
        """WorkflowDef.getNextTask: the task that follows ``ref`` (None at the end)."""
        slot = self._slots.get(ref)
        if slot is None:
            return None
        if slot.wt.get("type") == "TERMINATE":
            return None
        while True:
            if slot.index + 1 < len(slot.siblings):
                return slot.siblings[slot.index + 1]
            parent = slot.parent
            if parent is None:
                return None
            if parent.get("type") == "DO_WHILE":
                return parent
            pslot = self._slots.get(parent.get("taskReferenceName") or "")
            if pslot is None:
                return None
            slot = pslot
