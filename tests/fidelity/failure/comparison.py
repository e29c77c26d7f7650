"""Comparable forms of a failure-case run (main workflow + failure workflow), built on G's compare.

* :func:`normalize_run` — exact comparison for test-endpoint cases: ``normalize_workflow`` of the
  main workflow, plus the retry timing fields ``normalize_workflow`` drops
  (``callbackAfterSeconds``, ``startDelayInSeconds`` per task), plus the failure workflow
  normalised with the failed workflow's ids shown as ``<failed-workflow>`` / ``<failed-task:SEQ>``
  and its ``input.failedWorkflow`` (a WorkflowModel snapshot) normalised on its own.
* :func:`shape_of_run` — for live cases whose server side ran seconds and engine side hours:
  statuses, references, retry counts and reasons with every number masked.
* :func:`diff_runs` / :func:`diff_shapes` — readable difference lines between two such forms.
"""

from __future__ import annotations

import copy
import re
from typing import Any, Dict, List, Mapping, Optional

from conductor_testkit.testing.compare import diff_workflows, normalize_workflow

Json = Dict[str, Any]

# Task fields that carry the retry delay; compare.normalize_workflow drops them with the times.
RETRY_TIMING_FIELDS = ("callbackAfterSeconds", "startDelayInSeconds")
# WorkflowModel fields of the failedWorkflow snapshot that normalize_workflow does not keep.
_SNAPSHOT_EXTRA_FIELDS = ("failedTaskId", "previousStatus")
_NUMBER = re.compile(r"(?<![:\w])\d+")


def _replace_strings(value: Any, mapping: Mapping[str, str]) -> Any:
    """A copy of ``value`` with each key of ``mapping`` replaced inside every string."""
    if isinstance(value, str):
        for raw, name in mapping.items():
            if raw in value:
                value = value.replace(raw, name)
        return value
    if isinstance(value, Mapping):
        return {key: _replace_strings(item, mapping) for key, item in value.items()}
    if isinstance(value, list):
        return [_replace_strings(item, mapping) for item in value]
    return value


def _id_names(workflow: Mapping[str, Any], workflow_name: str, task_prefix: str) -> Dict[str, str]:
    names: Dict[str, str] = {}
    if workflow.get("workflowId"):
        names[str(workflow["workflowId"])] = workflow_name
    for task in workflow.get("tasks") or []:
        if task.get("taskId"):
            names[str(task["taskId"])] = f"<{task_prefix}:{task.get('seq')}>"
    # Longest first, so that an id that contains another one is replaced whole.
    return dict(sorted(names.items(), key=lambda item: len(item[0]), reverse=True))


def _with_retry_timing(raw: Mapping[str, Any], normalised: Json) -> Json:
    raw_tasks = sorted(raw.get("tasks") or [], key=lambda t: t.get("seq") or 0)
    for raw_task, task in zip(raw_tasks, normalised["tasks"]):
        for field in RETRY_TIMING_FIELDS:
            task[field] = raw_task.get(field) or 0
    return normalised


def normalize_main(workflow: Mapping[str, Any]) -> Json:
    """``normalize_workflow`` plus each task's ``callbackAfterSeconds`` and ``startDelayInSeconds``."""
    return _with_retry_timing(workflow, normalize_workflow(workflow))


def _normalize_snapshot(snapshot: Mapping[str, Any]) -> Json:
    """The ``failedWorkflow`` input of a failure workflow (a WorkflowModel JSON), normalised."""
    named = _replace_strings(copy.deepcopy(dict(snapshot)), _id_names(snapshot, "<workflow>", "task"))
    normalised = normalize_main(named)
    for field in _SNAPSHOT_EXTRA_FIELDS:
        normalised[field] = named.get(field)
    return normalised


def normalize_failure_workflow(
    failure: Optional[Mapping[str, Any]], failed: Mapping[str, Any]
) -> Optional[Json]:
    """The failure workflow started for ``failed``, normalised (None stays None)."""
    if failure is None:
        return None
    raw = copy.deepcopy(dict(failure))
    snapshot = (raw.get("input") or {}).pop("failedWorkflow", None)
    raw = _replace_strings(raw, _id_names(failed, "<failed-workflow>", "failed-task"))
    normalised = normalize_main(raw)
    if isinstance(snapshot, Mapping):
        normalised["input"]["failedWorkflow"] = _normalize_snapshot(snapshot)
    elif snapshot is not None:
        normalised["input"]["failedWorkflow"] = snapshot
    return normalised


def normalize_run(run: Mapping[str, Any]) -> Json:
    """``{"workflow", "failureWorkflow"}`` of a test-endpoint case, ready for :func:`diff_runs`."""
    workflow = run["workflow"]
    failure = run.get("failureWorkflow")
    named = workflow
    if failure is not None and failure.get("workflowId"):
        # The engine's ids need not look like UUIDs: name the failure workflow's id explicitly.
        named = _replace_strings(workflow, {str(failure["workflowId"]): "<failure-workflow>"})
    return {
        "workflow": normalize_main(named),
        "failureWorkflow": normalize_failure_workflow(failure, workflow),
    }


def mask_numbers(text: Any) -> Any:
    """``text`` with every free-standing number replaced by ``<n>`` (elapsed and configured seconds)."""
    if not isinstance(text, str):
        return text
    return _NUMBER.sub("<n>", text)


def _workflow_shape(workflow: Mapping[str, Any]) -> Json:
    normalised = normalize_workflow(workflow)
    return {
        "status": normalised["status"],
        "reasonForIncompletion": mask_numbers(normalised["reasonForIncompletion"]),
        "failedReferenceTaskNames": normalised["failedReferenceTaskNames"],
        "outputKeys": sorted(normalised["output"]),
        "inputKeys": sorted(normalised["input"]),
        "tasks": [
            {
                "referenceTaskName": task["referenceTaskName"],
                "taskType": task["taskType"],
                "status": task["status"],
                "retryCount": task["retryCount"],
                "retried": task["retried"],
                "reasonForIncompletion": mask_numbers(task["reasonForIncompletion"]),
            }
            for task in normalised["tasks"]
        ],
    }


def shape_of_run(run: Mapping[str, Any]) -> Json:
    """What a live case must agree on when the server ran seconds and the engine hours."""
    failure = run.get("failureWorkflow")
    failure_shape: Optional[Json] = None
    if failure is not None:
        failure_shape = _workflow_shape(failure)
        failure_input = failure.get("input") or {}
        failure_shape["failureStatus"] = failure_input.get("failureStatus")
        failure_shape["failedWorkflowIsTheMainOne"] = failure_input.get("workflowId") == run["workflow"].get(
            "workflowId"
        )
    return {"workflow": _workflow_shape(run["workflow"]), "failureWorkflow": failure_shape}


def _diff_parts(expected: Mapping[str, Any], actual: Mapping[str, Any], differ: Any) -> List[str]:
    lines: List[str] = []
    for part in ("workflow", "failureWorkflow"):
        exp, act = expected.get(part), actual.get(part)
        if exp is None and act is None:
            continue
        if exp is None or act is None:
            lines.append(
                f"{part}: expected {'none' if exp is None else 'one'}, got {'none' if act is None else 'one'}"
            )
            continue
        lines.extend(f"{part}: {line}" for line in differ(exp, act))
    return lines


def diff_runs(expected: Mapping[str, Any], actual: Mapping[str, Any]) -> List[str]:
    """Difference lines between two :func:`normalize_run` results; ``[]`` when equal."""
    return _diff_parts(expected, actual, diff_workflows)


def diff_shapes(expected: Mapping[str, Any], actual: Mapping[str, Any]) -> List[str]:
    """Difference lines between two :func:`shape_of_run` results; ``[]`` when equal."""
    return _diff_parts(expected, actual, _diff_shapes)


def _diff_shapes(expected: Mapping[str, Any], actual: Mapping[str, Any]) -> List[str]:
    lines: List[str] = []
    for key in sorted(set(expected) | set(actual)):
        if key == "tasks":
            continue
        if expected.get(key) != actual.get(key):
            lines.append(f"{key}: expected {expected.get(key)!r}, got {actual.get(key)!r}")
    exp_tasks, act_tasks = list(expected.get("tasks") or []), list(actual.get("tasks") or [])
    if len(exp_tasks) != len(act_tasks):
        lines.append(
            "tasks: expected "
            + ", ".join(f"{t['referenceTaskName']}:{t['status']}" for t in exp_tasks)
            + "; got "
            + ", ".join(f"{t['referenceTaskName']}:{t['status']}" for t in act_tasks)
        )
        return lines
    for index, (exp, act) in enumerate(zip(exp_tasks, act_tasks)):
        for key in sorted(set(exp) | set(act)):
            if exp.get(key) != act.get(key):
                label = f"task #{index} ({exp.get('referenceTaskName')})"
                lines.append(f"{label} {key}: expected {exp.get(key)!r}, got {act.get(key)!r}")
    return lines


def difference(kind: str, expected_run: Mapping[str, Any], actual_run: Mapping[str, Any]) -> List[str]:
    """Difference lines between two raw runs of one case: exact for ``"test"``, by shape for ``"live"``."""
    if kind == "live":
        return diff_shapes(shape_of_run(expected_run), shape_of_run(actual_run))
    return diff_runs(normalize_run(expected_run), normalize_run(actual_run))
