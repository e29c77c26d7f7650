"""Turn what a test passes as "the workflow" into wire JSON, and walk its tasks.

A test may hand the harness a DSL :class:`~conductor_testkit.workflow.ConductorWorkflow`, a
:class:`~conductor_testkit.models.WorkflowDef` model, or a plain dict (a JSON file's content).
:func:`workflow_def_dict` renders any of them to the one contract, Conductor's JSON.
:func:`walk_tasks` lists every workflow task with where it sits (which SWITCH case, which fork
branch), which the Hypothesis strategies and the branch coverage need.
"""

from __future__ import annotations

import copy
import pickle
from collections.abc import Mapping  # isinstance checks: abc is faster than typing
from dataclasses import dataclass
from typing import Any, Dict, Iterator, List, Optional, Tuple

from conductor_testkit.engine import ContentCache
from conductor_testkit.errors import DefinitionError

__all__ = ["TaskSite", "task_types_by_ref", "walk_tasks", "workflow_def_dict"]


def workflow_def_dict(workflow: Any) -> Dict[str, Any]:
    """The WorkflowDef JSON (a fresh copy) of a ConductorWorkflow, a WorkflowDef model or a dict."""
    return _definition_copy(workflow)[0]


def definition_with_content(workflow: Any) -> Tuple[Dict[str, Any], Optional[bytes]]:
    """:func:`workflow_def_dict` and the definition's content, pickled (None when pickle cannot
    write it): a key for what is worked out once per definition rather than once per run."""
    data, content = _definition_copy(workflow)
    if content is None:
        try:
            content = pickle.dumps(data, pickle.HIGHEST_PROTOCOL)
        except Exception:  # something pickle cannot write
            content = None
    return data, content


def _definition_copy(workflow: Any) -> Tuple[Dict[str, Any], Optional[bytes]]:
    """The definition's fresh copy and, for a dict, the pickle it was copied from."""
    content: Optional[bytes] = None
    if isinstance(workflow, Mapping):
        try:  # the same deep copy as copy.deepcopy, several times faster for JSON data
            content = pickle.dumps(dict(workflow), pickle.HIGHEST_PROTOCOL)
            data: Any = pickle.loads(content)
        except Exception:  # something pickle cannot write
            data = copy.deepcopy(dict(workflow))
    else:
        to_dict = getattr(workflow, "to_dict", None)
        if not callable(to_dict):
            raise DefinitionError(
                "run_workflow: workflow must be a ConductorWorkflow, a WorkflowDef or a dict, "
                f"received {type(workflow).__name__}"
            )
        data = to_dict()
    if not isinstance(data, dict) or not data.get("name"):
        raise DefinitionError(f"run_workflow: the workflow definition needs a name, received {data!r:.200}")
    if not isinstance(data.get("tasks"), list):
        raise DefinitionError(
            f"workflow {data['name']!r}: tasks must be a list, received {data.get('tasks')!r}"
        )
    return data, content


@dataclass(frozen=True)
class TaskSite:
    """A workflow task and where it sits: ``path`` is a tuple of (container ref, branch) pairs.

    ``branch`` is a SWITCH case key, ``"<default>"``, ``"fork:N"`` or ``"loop"``; an empty path
    means the task is on the workflow's main line.
    """

    task: Mapping[str, Any]
    path: Tuple[Tuple[str, str], ...]

    @property
    def ref(self) -> str:
        return str(self.task.get("taskReferenceName"))

    @property
    def type(self) -> str:
        return str(self.task.get("type") or "SIMPLE")


DEFAULT_CASE = "<default>"


def walk_tasks(tasks: List[Mapping[str, Any]], path: Tuple[Tuple[str, str], ...] = ()) -> Iterator[TaskSite]:
    """Every workflow task of ``tasks``, nested ones included, depth first in definition order."""
    for wt in tasks or []:
        if not isinstance(wt, Mapping):
            continue
        yield TaskSite(wt, path)
        ref = str(wt.get("taskReferenceName"))
        for case, lst in (wt.get("decisionCases") or {}).items():
            yield from walk_tasks(lst, (*path, (ref, str(case))))
        if wt.get("defaultCase"):
            yield from walk_tasks(wt["defaultCase"], (*path, (ref, DEFAULT_CASE)))
        for index, branch in enumerate(wt.get("forkTasks") or []):
            yield from walk_tasks(branch, (*path, (ref, f"fork:{index}")))
        if wt.get("loopOver"):
            yield from walk_tasks(wt["loopOver"], (*path, (ref, "loop")))


def task_types_by_ref(definition: Mapping[str, Any]) -> Dict[str, str]:
    """Reference name -> task type of every task in a definition (inline sub-workflows too)."""
    out: Dict[str, str] = {}
    for site in walk_tasks(list(definition.get("tasks") or [])):
        out[site.ref] = site.type
        inline = _inline_sub_workflow(site.task)
        if inline is not None:
            for sub_ref, sub_type in task_types_by_ref(inline).items():
                out.setdefault(sub_ref, sub_type)
    return out


def cached_task_types(definition: Mapping[str, Any], content: Optional[bytes]) -> Mapping[str, str]:
    """:func:`task_types_by_ref` of a definition whose pickled content is ``content``, worked out
    once per content (None: every time). The answer is shared: read it, do not change it."""
    if content is None:
        return task_types_by_ref(definition)
    found = _TYPES.get(content)
    return found if found is not None else _TYPES.put(content, task_types_by_ref(definition))


_TYPES: ContentCache[Dict[str, str]] = ContentCache()


def _inline_sub_workflow(task: Mapping[str, Any]) -> Optional[Mapping[str, Any]]:
    params = task.get("subWorkflowParam")
    if isinstance(params, Mapping):
        inline = params.get("workflowDefinition")
        if isinstance(inline, Mapping):
            return inline
    return None
