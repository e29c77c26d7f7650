"""Normalise Workflow JSON so a run on the engine can be diffed against a run on a real server.

Two runs of the same workflow never share ids or clock readings, and the server's test endpoint
adds a random task domain. :func:`normalize_workflow` keeps what a run *means* and drops what is
accidental:

* kept: the workflow's name, version, status, input, output, variables, correlation id,
  ``reasonForIncompletion``, ``failedReferenceTaskNames``/``failedTaskNames`` (sorted: the server
  keeps them in a hash set), and per task, in ``seq`` order: ``seq``, ``referenceTaskName``,
  ``taskType``, ``taskDefName``, ``status``, ``iteration``, ``retryCount``, ``retried``,
  ``retriedTaskId``, ``subWorkflowId``, ``inputData``, ``outputData``, ``reasonForIncompletion``;
* ids: the workflow id becomes ``<workflow>``, each task id ``<task:SEQ>`` (the seq of the task
  that owns it), any other id (a child workflow, a started workflow) ``<id:N>`` numbered in order
  of first appearance; ids are replaced wherever they occur, also inside text such as
  ``"Task <id> failed ..."``;
* dropped: times, poll counts, worker ids, definitions, ``domain`` and the test endpoint's random
  ``taskToDomain["*"]`` (which becomes ``<test-domain>`` where it shows up inside values); the
  registration times of TaskDefs carried in task data (a dynamic fork's ``forkedTaskDefs``)
  become ``<time>``.

Maps are compared as maps (the server's key order is often ``HashMap`` order), lists in order.
:func:`diff_workflows` compares two normalised workflows and returns one readable line per
difference, naming the task reference and the field; numbers are compared with their JSON type
(``5`` and ``5.0`` differ, as they do on the wire).

Example::

    expected = normalize_workflow(server_json)
    actual = normalize_workflow(engine_json)
    for line in diff_workflows(expected, actual):
        print(line)
"""

from __future__ import annotations

import json
import re
from typing import Any, Dict, Iterable, List, Mapping, Optional, Set, Tuple

__all__ = ["diff_json", "diff_runs", "diff_workflows", "normalize_workflow"]

# Ids the server generates: random (v4) and name-based (v3) UUIDs.
_UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"

_TASK_FIELDS: Tuple[str, ...] = (
    "seq",
    "referenceTaskName",
    "taskType",
    "taskDefName",
    "status",
    "iteration",
    "retryCount",
    "retried",
    "retriedTaskId",
    "subWorkflowId",
    "inputData",
    "outputData",
    "reasonForIncompletion",
)
# Task fields whose absence means an empty map, a zero or false on the server's JSON.
_TASK_DEFAULTS: Dict[str, Any] = {
    "inputData": {},
    "outputData": {},
    "iteration": 0,
    "retryCount": 0,
    "retried": False,
}


class _IdPlaceholders:
    """Maps each id to a stable placeholder and rewrites ids found inside any JSON value."""

    def __init__(self) -> None:
        self._names: Dict[str, str] = {}
        self._others = 0
        self._pattern: Optional[re.Pattern[str]] = None

    def register(self, raw_id: Any, name: str) -> None:
        if isinstance(raw_id, str) and raw_id and raw_id not in self._names:
            self._names[raw_id] = name
            self._pattern = None

    def _regex(self) -> re.Pattern[str]:
        if self._pattern is None:
            # Longest ids first so that an id containing another one wins; engine ids need not
            # look like UUIDs, so every registered id is matched literally.
            known = sorted(self._names, key=len, reverse=True)
            alternatives = [re.escape(k) for k in known] + [_UUID]
            self._pattern = re.compile("|".join(alternatives))
        return self._pattern

    def _replace_match(self, match: re.Match[str]) -> str:
        text = match.group(0)
        name = self._names.get(text)
        if name is None:
            self._others += 1
            name = f"<id:{self._others}>"
            self._names[text] = name
            self._pattern = None
        return name

    def rewrite(self, value: Any) -> Any:
        """A copy of ``value`` with every id replaced; maps are walked in sorted key order."""
        if isinstance(value, str):
            exact = self._names.get(value)
            if exact is not None:
                return exact
            # Re-evaluated per string: _replace_match may register new ids.
            out: List[str] = []
            pos = 0
            while True:
                match = self._regex().search(value, pos)
                if match is None:
                    break
                out.append(value[pos : match.start()])
                out.append(self._replace_match(match))
                pos = match.end()
            out.append(value[pos:])
            return "".join(out)
        if isinstance(value, Mapping):
            return {key: self.rewrite(value[key]) for key in sorted(value, key=str)}
        if isinstance(value, (list, tuple)):
            return [self.rewrite(item) for item in value]
        return value


def _tasks_in_seq_order(workflow: Mapping[str, Any]) -> List[Mapping[str, Any]]:
    tasks = workflow.get("tasks") or []
    # sorted() is stable: tasks with equal seq (an engine bug) keep their list order.
    return sorted(tasks, key=lambda t: t.get("seq") or 0)


def normalize_workflow(workflow_json: Mapping[str, Any]) -> Dict[str, Any]:
    """The comparable content of a Workflow JSON (``GET /workflow/{id}`` or the test endpoint).

    Works on the raw JSON of the real server and on the engine's JSON alike. Absent fields read as
    the server's defaults (``null``, ``{}``, ``0``, ``false``), so an engine that writes explicit
    nulls where the server omits the property compares equal. The input is not modified.
    """
    ids = _IdPlaceholders()
    ids.register(workflow_json.get("workflowId"), "<workflow>")
    domains = workflow_json.get("taskToDomain") or {}
    ids.register(domains.get("*"), "<test-domain>")
    tasks = _tasks_in_seq_order(workflow_json)
    seen_task_names: Dict[str, int] = {}
    for task in tasks:
        name = f"<task:{task.get('seq')}>"
        seen_task_names[name] = seen_task_names.get(name, 0) + 1
        if seen_task_names[name] > 1:
            name = f"<task:{task.get('seq')}#{seen_task_names[name]}>"
        ids.register(task.get("taskId"), name)

    result: Dict[str, Any] = {
        "workflowName": workflow_json.get("workflowName"),
        "workflowVersion": workflow_json.get("workflowVersion"),
        "status": workflow_json.get("status"),
        "correlationId": workflow_json.get("correlationId"),
        "input": workflow_json.get("input") or {},
        "output": workflow_json.get("output") or {},
        "variables": workflow_json.get("variables") or {},
        "reasonForIncompletion": workflow_json.get("reasonForIncompletion"),
        "failedReferenceTaskNames": sorted(workflow_json.get("failedReferenceTaskNames") or []),
        "failedTaskNames": sorted(workflow_json.get("failedTaskNames") or []),
        "taskToDomain": {k: v for k, v in domains.items() if k != "*"},
        "parentWorkflowId": workflow_json.get("parentWorkflowId"),
        "parentWorkflowTaskId": workflow_json.get("parentWorkflowTaskId"),
    }
    normalised_tasks: List[Dict[str, Any]] = []
    for task in tasks:
        entry: Dict[str, Any] = {}
        for field in _TASK_FIELDS:
            value = task.get(field)
            if value is None:
                value = _TASK_DEFAULTS.get(field)
            entry[field] = value
        normalised_tasks.append(entry)
    # Workflow-level fields first, then tasks, so <id:N> numbering follows reading order.
    normalised = ids.rewrite(result)
    normalised["tasks"] = [_without_definition_times(ids.rewrite(task)) for task in normalised_tasks]
    return normalised


_DEFINITION_TIMES = ("createTime", "updateTime")


def _without_definition_times(value: Any) -> Any:
    """``value`` with the registration times of the TaskDefs it carries (``taskDefinition``, as
    in a dynamic fork's ``forkedTaskDefs``) masked: each run registers them at its own time."""
    if isinstance(value, dict):
        out = {key: _without_definition_times(item) for key, item in value.items()}
        definition = out.get("taskDefinition")
        if isinstance(definition, dict):
            out["taskDefinition"] = {
                key: ("<time>" if key in _DEFINITION_TIMES else item) for key, item in definition.items()
            }
        return out
    if isinstance(value, list):
        return [_without_definition_times(item) for item in value]
    return value


# ---------------------------------------------------------------------------------------------
# diff


def _render(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, default=repr)
    return text if len(text) <= 300 else text[:297] + "..."


def _same_scalar(expected: Any, actual: Any) -> bool:
    # JSON types matter: 5 vs 5.0 and true vs 1 are different documents.
    return type(expected) is type(actual) and expected == actual


def _key_path(path: str, key: Any) -> str:
    key_text = str(key)
    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key_text):
        return f"{path}.{key_text}" if path else key_text
    return f"{path}[{json.dumps(key_text)}]"


def _diff_values(path: str, expected: Any, actual: Any, out: List[str]) -> None:
    if isinstance(expected, Mapping) and isinstance(actual, Mapping):
        for key in sorted(set(expected) | set(actual), key=str):
            sub = _key_path(path, key)
            if key not in actual:
                out.append(f"{sub}: missing (expected {_render(expected[key])})")
            elif key not in expected:
                out.append(f"{sub}: unexpected {_render(actual[key])}")
            else:
                _diff_values(sub, expected[key], actual[key], out)
        return
    if isinstance(expected, list) and isinstance(actual, list):
        if len(expected) != len(actual):
            out.append(
                f"{path}: expected {len(expected)} items {_render(expected)}, "
                f"got {len(actual)} items {_render(actual)}"
            )
            return
        for index, (exp_item, act_item) in enumerate(zip(expected, actual)):
            _diff_values(f"{path}[{index}]", exp_item, act_item, out)
        return
    if isinstance(expected, (Mapping, list)) or isinstance(actual, (Mapping, list)):
        out.append(f"{path}: expected {_render(expected)}, got {_render(actual)}")
        return
    if not _same_scalar(expected, actual):
        out.append(f"{path}: expected {_render(expected)}, got {_render(actual)}")


def diff_json(expected: Any, actual: Any, path: str = "") -> List[str]:
    """Differences between two JSON values, one line per differing field (``path.to.field: ...``).

    Maps are compared as maps, lists in order, numbers with their JSON type.
    """
    out: List[str] = []
    _diff_values(path, expected, actual, out)
    return out


def _task_key(task: Mapping[str, Any]) -> Tuple[Any, Any]:
    return (task.get("referenceTaskName"), task.get("retryCount"))


def _keyed_tasks(tasks: Iterable[Mapping[str, Any]]) -> List[Tuple[Tuple[Any, ...], Mapping[str, Any]]]:
    counts: Dict[Tuple[Any, Any], int] = {}
    keyed: List[Tuple[Tuple[Any, ...], Mapping[str, Any]]] = []
    for task in tasks:
        base = _task_key(task)
        counts[base] = counts.get(base, 0) + 1
        keyed.append(((*base, counts[base]), task))
    return keyed


def _describe(key: Tuple[Any, ...]) -> str:
    ref, retry_count, occurrence = key
    text = f"task {ref!r} (retryCount {retry_count}"
    if occurrence > 1:
        text += f", occurrence {occurrence}"
    return text + ")"


def _sequence_line(tasks: Iterable[Mapping[str, Any]]) -> str:
    return ", ".join(f"{t.get('referenceTaskName')}:{t.get('status')}" for t in tasks)


def diff_workflows(expected: Mapping[str, Any], actual: Mapping[str, Any]) -> List[str]:
    """Differences between two *normalised* workflows, one readable line each; ``[]`` if equal.

    Tasks are matched by reference name and retry count. A differing task sequence is reported
    once as a whole (``tasks: expected ref:STATUS, ... got ...``), then each matched task field by
    field, e.g. ``task 'loop_t__2' (retryCount 0) outputData.result: expected 5, got 5.0``.
    """
    out: List[str] = []
    for field in sorted((set(expected) | set(actual)) - {"tasks"}):
        _diff_values(f"workflow.{field}", expected.get(field), actual.get(field), out)

    expected_tasks = list(expected.get("tasks") or [])
    actual_tasks = list(actual.get("tasks") or [])
    if [_task_key(t) for t in expected_tasks] != [_task_key(t) for t in actual_tasks]:
        out.append(
            f"tasks: expected [{_sequence_line(expected_tasks)}], got [{_sequence_line(actual_tasks)}]"
        )
    actual_by_key = dict(_keyed_tasks(actual_tasks))
    expected_keys: Set[Tuple[Any, ...]] = set()
    for key, exp_task in _keyed_tasks(expected_tasks):
        expected_keys.add(key)
        act_task = actual_by_key.get(key)
        label = _describe(key)
        if act_task is None:
            out.append(f"{label}: missing (expected status {exp_task.get('status')})")
            continue
        field_lines: List[str] = []
        _diff_values("", exp_task, act_task, field_lines)
        out.extend(f"{label} {line}" for line in field_lines)
    for key, act_task in _keyed_tasks(actual_tasks):
        if key not in expected_keys:
            out.append(f"{_describe(key)}: unexpected (status {act_task.get('status')})")
    return out


def diff_runs(expected_json: Mapping[str, Any], actual_json: Mapping[str, Any]) -> List[str]:
    """:func:`diff_workflows` of two raw Workflow JSON documents (normalises both first)."""
    return diff_workflows(normalize_workflow(expected_json), normalize_workflow(actual_json))
