"""Compare definitions across the server: drop the defaults and audit fields it fills in.

The server answers ``GET /metadata/workflow/{name}`` with every field of its Java models, most at
their default value (``optional: false``, ``joinOn: []``, a full inline ``taskDefinition``...),
plus audit fields. After :func:`strip_server_defaults` on both sides, a definition as sent and as
read back compare equal when the server kept everything that mattered.
"""

from __future__ import annotations

from typing import Any, Dict, Mapping

from conductor_testkit.models.defaults import (
    TASK_DEF_DEFAULTS,
    WORKFLOW_DEF_DEFAULTS,
    WORKFLOW_TASK_DEFAULTS,
)

# a field holding its default is dropped (but the version, which names the definition);
# GET /metadata/workflow also shows an empty failureWorkflow and rateLimited=false
_WORKFLOW_DEFAULTS: Dict[str, Any] = {
    **{key: value for key, value in WORKFLOW_DEF_DEFAULTS.items() if key != "version"},
    "failureWorkflow": "",
}
_TASK_DEFAULTS: Dict[str, Any] = {**WORKFLOW_TASK_DEFAULTS, "rateLimited": False}
_AUDIT_FIELDS = ("createTime", "updateTime", "createdBy", "updatedBy", "ownerApp")


def _strip(data: Mapping[str, Any], defaults: Mapping[str, Any]) -> Dict[str, Any]:
    return {
        key: value
        for key, value in data.items()
        if key not in _AUDIT_FIELDS and value is not None and not (key in defaults and defaults[key] == value)
    }


def _strip_task(task: Mapping[str, Any]) -> Dict[str, Any]:
    out = _strip(task, _TASK_DEFAULTS)
    if isinstance(out.get("taskDefinition"), Mapping):
        out["taskDefinition"] = _strip(out["taskDefinition"], TASK_DEF_DEFAULTS)
    for key in ("defaultCase", "loopOver"):
        if key in out:
            out[key] = [_strip_task(t) for t in out[key]]
    if "decisionCases" in out:
        out["decisionCases"] = {
            case: [_strip_task(t) for t in tasks] for case, tasks in out["decisionCases"].items()
        }
    if "forkTasks" in out:
        out["forkTasks"] = [[_strip_task(t) for t in branch] for branch in out["forkTasks"]]
    params = out.get("subWorkflowParam")
    if isinstance(params, Mapping) and isinstance(params.get("workflowDefinition"), Mapping):
        out["subWorkflowParam"] = {
            **params,
            "workflowDefinition": strip_server_defaults(params["workflowDefinition"]),
        }
    return out


def strip_server_defaults(definition: Mapping[str, Any]) -> Dict[str, Any]:
    """A copy of a WorkflowDef's JSON without audit fields and fields at the server's default."""
    out = _strip(definition, _WORKFLOW_DEFAULTS)
    out["tasks"] = [_strip_task(task) for task in out.get("tasks") or []]
    return out
