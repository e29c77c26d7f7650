"""Small builders shared by the engine tests (workflow definitions as plain wire dicts)."""

from __future__ import annotations

from typing import Any, Dict, List


def simple(ref: str, name: str = "", **extra: Any) -> Dict[str, Any]:
    return {"name": name or f"t_{ref}", "taskReferenceName": ref, "type": "SIMPLE", **extra}


def wf(name: str, tasks: List[Dict[str, Any]], **extra: Any) -> Dict[str, Any]:
    return {"name": name, "version": 1, "schemaVersion": 2, "tasks": tasks, **extra}


def refs(workflow: Dict[str, Any]) -> List[Any]:
    return [(t["referenceTaskName"], t["status"]) for t in workflow["tasks"]]
