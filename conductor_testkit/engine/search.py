"""Workflow search over the engine's executions, as ``GET /workflow/search`` answers it.

The OSS server (SQLite index, 3.32.x) understands a small query language, reproduced here:

- ``query``: conditions joined by `` AND ``, each ``<field> (=|>|<|IN) <values>``; quotes and
  parentheses are dropped and values split on commas (``workflowType IN (a,b)``). Fields are
  camelCase (``workflowType``, ``status``, ``correlationId``, ``workflowId``, ``startTime``,
  ``endTime``, ``updateTime``, ``parentWorkflowId``); unknown fields are ignored, as the server
  ignores them. ``*`` in an ``=`` value is a wildcard. ``*Time`` values are epoch milliseconds.
  ``version`` (listed by the official SDK's README) is matched too, although the server's SQLite
  index has no such column and ignores it.
- ``freeText``: a case-insensitive substring of the indexed summary JSON; ``*`` matches all.
- Results come in creation order unless ``sort`` (``field:ASC|DESC``) says otherwise.

Results are ``WorkflowSummary`` documents: times as ISO-8601 strings, input and output as Java
``toString`` text, ``failedReferenceTaskNames`` as a comma-separated string.
"""

from __future__ import annotations

import datetime
import fnmatch
import json
import re
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Sequence

from conductor_testkit.engine.javastr import java_string

_CONDITION = re.compile(r"([a-zA-Z]+)\s?(=|>|<|IN)\s?(.*)")
_TIME_FIELDS = ("startTime", "endTime", "updateTime")
_FIELDS = {
    "workflowId",
    "correlationId",
    "workflowType",
    "startTime",
    "endTime",
    "status",
    "updateTime",
    "parentWorkflowId",
    "version",
}


class SearchQueryError(ValueError):
    """A query condition the server's parser rejects too (400 on the server)."""


def iso_millis(epoch_ms: int) -> str:
    """``2026-11-27T06:44:46.780Z``: how the index renders times."""
    moment = datetime.datetime.fromtimestamp(epoch_ms / 1000.0, tz=datetime.timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{epoch_ms % 1000:03d}Z"


def workflow_summary(workflow: Mapping[str, Any]) -> Dict[str, Any]:
    """The ``WorkflowSummary`` JSON of a workflow execution (wire JSON)."""
    start = int(workflow.get("startTime") or workflow.get("createTime") or 0)
    end = int(workflow.get("endTime") or 0)
    update = int(workflow.get("updateTime") or 0)
    input_text = java_string(workflow.get("input") or {})
    output_text = java_string(workflow.get("output") or {})
    summary: Dict[str, Any] = {
        "workflowType": workflow.get("workflowName") or workflow.get("workflowType"),
        "version": workflow.get("workflowVersion") or workflow.get("version"),
        "workflowId": workflow.get("workflowId"),
        "correlationId": workflow.get("correlationId"),
        "startTime": iso_millis(start) if start else None,
        "updateTime": iso_millis(update) if update else None,
        "endTime": iso_millis(end) if end else None,
        "status": workflow.get("status"),
        "input": input_text,
        "output": output_text,
        "reasonForIncompletion": workflow.get("reasonForIncompletion"),
        "executionTime": end - start if end and start else 0,
        "event": workflow.get("event"),
        "failedReferenceTaskNames": ",".join(workflow.get("failedReferenceTaskNames") or []),
        "externalInputPayloadStoragePath": workflow.get("externalInputPayloadStoragePath"),
        "externalOutputPayloadStoragePath": workflow.get("externalOutputPayloadStoragePath"),
        "priority": workflow.get("priority") or 0,
        "failedTaskNames": list(workflow.get("failedTaskNames") or []),
        "createdBy": workflow.get("createdBy"),
        "taskToDomain": dict(workflow.get("taskToDomain") or {}),
        "parentWorkflowId": workflow.get("parentWorkflowId") or "",
        "classifier": "workflow",
        "inputSize": len(input_text),
        "outputSize": len(output_text),
    }
    return {k: v for k, v in summary.items() if v is not None}


class _Condition:
    def __init__(self, text: str) -> None:
        match = _CONDITION.search(text)
        if match is None:
            raise SearchQueryError(f"Incorrectly formatted query string: {text}")
        self.field = match.group(1)
        self.operator = match.group(2)
        self.values = [v.strip() for v in re.sub(r"[\"'()]", "", match.group(3)).split(",")]

    def matches(self, workflow: Mapping[str, Any]) -> bool:
        if self.field not in _FIELDS:
            return True  # the server drops conditions on unknown columns
        actual = _field_value(workflow, self.field)
        if self.field in _TIME_FIELDS:
            bound = int(self.values[0])
            number = int(actual or 0)
            if self.operator == ">":
                return number > bound
            if self.operator == "<":
                return number < bound
            return number == bound
        text = "" if actual is None else str(actual)
        if self.operator in ("=", "IN") and len(self.values) == 1 and "*" in self.values[0]:
            return fnmatch.fnmatchcase(text.lower(), self.values[0].lower())
        if self.operator in ("=", "IN"):
            return text in self.values
        return text > self.values[0] if self.operator == ">" else text < self.values[0]


def _field_value(workflow: Mapping[str, Any], field: str) -> Any:
    if field == "workflowType":
        return workflow.get("workflowName") or workflow.get("workflowType")
    if field == "version":
        return workflow.get("workflowVersion") or workflow.get("version")
    if field == "startTime":
        return workflow.get("startTime") or workflow.get("createTime")
    return workflow.get(field)


def _sort_key(field: str) -> Callable[[Mapping[str, Any]], Any]:
    def key(workflow: Mapping[str, Any]) -> Any:
        value = _field_value(workflow, field)
        return (value is not None, value if value is not None else "")

    return key


def search_workflows(
    workflows: Iterable[Mapping[str, Any]],
    *,
    query: Optional[str] = None,
    free_text: str = "*",
    start: int = 0,
    size: int = 100,
    sort: Optional[Sequence[str]] = None,
) -> Dict[str, Any]:
    """``{totalHits, results}`` of the workflows (wire JSON, creation order) that match.

    ``results`` holds the matching workflows themselves; wrap them with
    :func:`workflow_summary` for ``/workflow/search``.
    """
    conditions = [_Condition(part) for part in query.split(" AND ")] if query else []
    needle = free_text.lower() if free_text and free_text != "*" else None
    hits: List[Mapping[str, Any]] = []
    for workflow in workflows:
        if not all(c.matches(workflow) for c in conditions):
            continue
        if needle is not None and needle not in json.dumps(workflow_summary(workflow)).lower():
            continue
        hits.append(workflow)
    for order in reversed(list(sort or [])):
        field, _, direction = order.partition(":")
        if field in _FIELDS and direction.upper() in ("ASC", "DESC"):
            hits.sort(key=_sort_key(field), reverse=direction.upper() == "DESC")
    return {"totalHits": len(hits), "results": hits[start : start + size]}
