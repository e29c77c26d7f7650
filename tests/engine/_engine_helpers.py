"""Small builders shared by the engine tests (workflow definitions as plain wire dicts)."""

from __future__ import annotations

from typing import Any, Dict, List


def simple(ref: str, name: str = "", **extra: Any) -> Dict[str, Any]:
    return {"name": name or f"t_{ref}", "taskReferenceName": ref, "type": "SIMPLE", **extra}


def system_task(ref: str, task_type: str, **extra: Any) -> Dict[str, Any]:
    """A workflow task named like its reference (``system_task("w", "WAIT", inputParameters=...)``)."""
    return {"name": ref, "taskReferenceName": ref, "type": task_type, **extra}


def inline_sub_workflow(ref: str, child: Dict[str, Any], **extra: Any) -> Dict[str, Any]:
    """A SUB_WORKFLOW task running ``child`` (an inline definition)."""
    params = {"name": child["name"], "workflowDefinition": child}
    return system_task(ref, "SUB_WORKFLOW", subWorkflowParam=params, **extra)


def wf(name: str, tasks: List[Dict[str, Any]], **extra: Any) -> Dict[str, Any]:
    return {"name": name, "version": 1, "schemaVersion": 2, "tasks": tasks, **extra}


def refs(workflow: Dict[str, Any]) -> List[Any]:
    return [(t["referenceTaskName"], t["status"]) for t in workflow["tasks"]]
