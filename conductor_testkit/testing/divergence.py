"""How a replayed run differs from a captured one: :class:`Divergence` and the comparison.

Both sides are compared as :func:`normalized_record` makes them: the workflow JSON normalised by
:func:`~conductor_testkit.testing.compare.normalize_workflow` (ids and times masked) without the
workflow's input, and redacted. Attempts are matched by reference name, retry count and
occurrence; see :mod:`conductor_testkit.testing.replay` for what is compared.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Dict, Iterator, List, Mapping, Optional, Tuple

from conductor_testkit.errors import ConductorError
from conductor_testkit.testing.case import Recording
from conductor_testkit.testing.compare import diff_workflows, normalize_workflow
from conductor_testkit.testing.execution import Execution
from conductor_testkit.testing.redaction import Redactor

__all__ = ["Divergence", "compare_with_recording", "data_slots", "normalized_record", "record_path"]

# when a definition inside task data (a TaskDef in a dynamic fork's input) was registered
_AUDIT_TIMES = frozenset({"createTime", "updateTime"})
# per matched attempt: the field compared and the kind of divergence it makes
_TASK_FIELDS: Tuple[Tuple[str, str], ...] = (
    ("status", "task status"),
    ("taskType", "task type"),
    ("inputData", "task input"),
    ("outputData", "task output"),
)


@dataclass(frozen=True)
class Divergence:
    """One way a replay differs from the record.

    ``kind`` is one of ``status``, ``path``, ``attempts``, ``task status``, ``task type``,
    ``output``, ``task output``, ``task input``, ``reason``, ``unused mocks``, ``blocked``;
    ``where`` is ``""`` for the workflow itself, ``sub-workflow 'ref'`` or ``failure workflow``.
    """

    kind: str
    detail: str
    where: str = ""

    def __str__(self) -> str:
        return f"{self.where + ': ' if self.where else ''}{self.kind}: {self.detail}"


def _data_slots(normalised: Dict[str, Any]) -> Iterator[Tuple[Dict[str, Any], str]]:
    for key in ("input", "output", "variables", "reasonForIncompletion"):
        if key in normalised:
            yield normalised, key
    for task in normalised.get("tasks") or []:
        for key in ("inputData", "outputData", "reasonForIncompletion"):
            if key in task:
                yield task, key


def data_slots(recording: Recording) -> Iterator[Tuple[Dict[str, Any], str]]:
    """Where a record holds data (the workflows' output, variables and reason, each task's input,
    output and reason), in it, its sub-workflows and its failure workflow: what redaction visits."""
    yield from _data_slots(recording.workflow)
    for sub in recording.sub_workflows.values():
        yield from data_slots(sub)
    if recording.failure_workflow is not None:
        yield from data_slots(recording.failure_workflow)


def normalized_record(
    workflow_json: Mapping[str, Any],
    redactor: Optional[Redactor] = None,
    same_ids: Optional[Mapping[str, str]] = None,
) -> Dict[str, Any]:
    """The comparable content of a run: normalised, without its input (so the ids a failure
    workflow's input is full of do not shift the numbering of the rest), with the audit times of
    definitions inside task data masked (a dynamic fork's input carries its TaskDefs), and
    redacted. ``same_ids`` maps ids to the ids they stand for (a replay's mocks echo the ids of
    the captured run: they become the replay's own)."""
    document: Any = {k: v for k, v in workflow_json.items() if k != "input"}
    if same_ids:
        text = json.dumps(document)
        for old, new in same_ids.items():
            text = text.replace(old, new)
        document = json.loads(text)
    normalised = normalize_workflow(document)
    for container, key in _data_slots(normalised):
        value = _mask_audit_times(container[key])
        container[key] = redactor(value) if redactor is not None else value
    return normalised


def _mask_audit_times(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            k: "<time>" if k in _AUDIT_TIMES and isinstance(v, int) else _mask_audit_times(v)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_mask_audit_times(item) for item in value]
    return value


def record_path(normalised: Mapping[str, Any]) -> List[str]:
    """The tasks that ran, in order, control-flow tasks included, a retried task once."""
    return Execution(normalised, backend="record").path(control_flow=True)


def _value_lines(label: str, expected: Any, actual: Any) -> List[str]:
    # diff_workflows compares values with their JSON types; its lines start with "workflow.v"
    lines = diff_workflows({"v": expected}, {"v": actual})
    return [label + line[len("workflow.v") :] for line in lines]


def _path_text(recorded: List[str], replayed: List[str]) -> str:
    index = next(
        (i for i, (r, p) in enumerate(zip(recorded, replayed)) if r != p), min(len(recorded), len(replayed))
    )
    was = repr(recorded[index]) if index < len(recorded) else "the end of the run"
    now = repr(replayed[index]) if index < len(replayed) else "the end of the run"
    before = " -> ".join(recorded) or "(nothing)"
    after = " -> ".join(replayed) or "(nothing)"
    head = f"diverges at step {index + 1}: recorded {was}, replayed {now}"
    return f"{head} (recorded: {before}; replayed: {after})"


def _keyed(tasks: List[Mapping[str, Any]]) -> Dict[Tuple[Any, Any, int], Mapping[str, Any]]:
    counts: Dict[Tuple[Any, Any], int] = {}
    out: Dict[Tuple[Any, Any, int], Mapping[str, Any]] = {}
    for task in tasks:
        base = (task.get("referenceTaskName"), task.get("retryCount") or 0)
        counts[base] = counts.get(base, 0) + 1
        out[(base[0], base[1], counts[base])] = task
    return out


def _compare_workflows(
    recorded: Mapping[str, Any], replayed: Mapping[str, Any], reasons: bool, where: str
) -> List[Divergence]:
    out: List[Divergence] = []
    if recorded.get("status") != replayed.get("status"):
        out.append(
            Divergence(
                "status", f"recorded {recorded.get('status')}, replayed {replayed.get('status')}", where
            )
        )
    recorded_path, replayed_path = record_path(recorded), record_path(replayed)
    recorded_tasks = list(recorded.get("tasks") or [])
    replayed_tasks = list(replayed.get("tasks") or [])
    if recorded_path != replayed_path:
        out.append(Divergence("path", _path_text(recorded_path, replayed_path), where))
    else:
        recorded_attempts = [
            f"{t.get('referenceTaskName')}#{t.get('retryCount') or 0}" for t in recorded_tasks
        ]
        replayed_attempts = [
            f"{t.get('referenceTaskName')}#{t.get('retryCount') or 0}" for t in replayed_tasks
        ]
        if recorded_attempts != replayed_attempts:
            out.append(
                Divergence(
                    "attempts",
                    f"recorded {', '.join(recorded_attempts)}; replayed {', '.join(replayed_attempts)}",
                    where,
                )
            )
    out.extend(
        Divergence("output", line, where)
        for line in _value_lines("output", recorded.get("output"), replayed.get("output"))
    )
    if reasons:
        out.extend(
            Divergence("reason", line, where)
            for line in _value_lines(
                "reasonForIncompletion",
                recorded.get("reasonForIncompletion"),
                replayed.get("reasonForIncompletion"),
            )
        )
    fields = _TASK_FIELDS + ((("reasonForIncompletion", "reason"),) if reasons else ())
    replayed_by_key = _keyed(replayed_tasks)
    for key, task in _keyed(recorded_tasks).items():
        other = replayed_by_key.get(key)
        if other is None:
            continue  # the path or the attempts say it
        ref, retry_count, _ = key
        label = f"{ref}" + (f" (retry {retry_count})" if retry_count else "")
        for name, kind in fields:
            out.extend(
                Divergence(kind, line, where)
                for line in _value_lines(label + f" {name}", task.get(name), other.get(name))
            )
    return out


def _pairs(
    recorded: Recording, execution: Execution, failure_workflow: bool, where: str = ""
) -> Iterator[Tuple[Recording, Execution, str]]:
    """Each recorded workflow with its replay: the run, its sub-workflows (the latest attempt of
    each), its failure workflow; a workflow the replay did not start is left out (the path of
    the workflow that would have started it says so)."""
    yield recorded, execution, where
    for ref, sub in recorded.sub_workflows.items():
        try:
            child = execution.sub_workflow(ref)
        except (AssertionError, ConductorError):
            continue
        yield from _pairs(sub, child, False, f"{where + ' > ' if where else ''}sub-workflow {ref!r}")
    if failure_workflow and recorded.failure_workflow is not None and execution.failure_workflow is not None:
        yield from _pairs(recorded.failure_workflow, execution.failure_workflow, False, "failure workflow")


def compare_with_recording(
    recorded: Recording,
    execution: Execution,
    *,
    reasons: bool = True,
    redactor: Optional[Redactor] = None,
    failure_workflow: bool = True,
) -> List[Divergence]:
    """Every way ``execution`` differs from ``recorded`` (see :mod:`conductor_testkit.testing.replay`).

    Args:
        recorded: the case's record.
        execution: the replay.
        reasons: compare reasons too (only where the backend could replay them).
        redactor: redacts the replay as the record was (values under the case's key patterns).
        failure_workflow: compare the failure workflow (only where the backend ran it).
    """
    pairs = list(_pairs(recorded, execution, failure_workflow))
    same_ids = {r.workflow_id: e.workflow_id for r, e, _ in pairs if r.workflow_id and e.workflow_id}
    out: List[Divergence] = []
    for recording, replayed, where in pairs:
        normalised = normalized_record(replayed.workflow, redactor, same_ids)
        out.extend(_compare_workflows(recording.workflow, normalised, reasons, where))
    if execution.unused_mocks:
        unused = ", ".join(f"{ref} ({count} left)" for ref, count in sorted(execution.unused_mocks.items()))
        out.append(Divergence("unused mocks", unused))
    if execution.blocked and recorded.status != execution.status:
        out.extend(Divergence("blocked", str(blocker)) for blocker in execution.blocked)
    if failure_workflow and recorded.failure_workflow is not None and execution.failure_workflow is None:
        out.append(
            Divergence(
                "path",
                "the recorded run started its failure workflow, the replay did not",
                "failure workflow",
            )
        )
    return out
