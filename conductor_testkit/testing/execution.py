"""``Execution``: the Workflow JSON of one harness run, with readable accessors and assertions.

Every backend returns the server's Workflow JSON, so the same assertions read the same whichever
backend ran the workflow. Failed assertions raise ``AssertionError`` whose message shows the
workflow's status, its reason and the task sequence (and, for a blocked run, which task blocks and
why), so a failing test explains itself without a debugger.
"""

from __future__ import annotations

from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence

from conductor_testkit.engine import WORKFLOW_TERMINAL, Blocker, base_ref
from conductor_testkit.models import Task, Workflow

__all__ = ["Blocker", "Execution"]

_NOT_RUN = frozenset({"SKIPPED"})
_MISSING = object()


def _short(value: Any, limit: int = 120) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


class Execution:
    """One run of a workflow: status, output, tasks, and assertions about them.

    Tasks are looked up by reference name. ``task(ref)`` is the latest attempt; a loop iteration
    is addressed as ``ref__N`` (the server's names), and a bare ``ref`` inside a loop means the
    latest iteration.

    Attributes:
        workflow: the Workflow JSON exactly as the backend returned it.
        backend: ``"local"``, ``"remote"`` or ``"live"``.
        blocked: for a run that did not end, the tasks it waits for and why.
        unused_mocks: reference name -> planned mock attempts never used (local backend; ``None``
            where the backend cannot tell).
        notes: what the backend did that a reader of the result should know (a WAIT it shortened,
            a server answer it had to re-read, a failure workflow it stopped).
    """

    def __init__(
        self,
        workflow: Mapping[str, Any],
        *,
        backend: str,
        blocked: Sequence[Blocker] = (),
        unused_mocks: Optional[Mapping[str, int]] = None,
        notes: Sequence[str] = (),
    ) -> None:
        self.workflow: Dict[str, Any] = dict(workflow)
        self.backend = backend
        self.blocked: List[Blocker] = list(blocked)
        self.unused_mocks: Optional[Dict[str, int]] = dict(unused_mocks) if unused_mocks is not None else None
        self.notes: List[str] = list(notes)
        raw = sorted(self.workflow.get("tasks") or [], key=lambda t: t.get("seq") or 0)
        self._raw_tasks: List[Dict[str, Any]] = raw
        self._models: Optional[List[Task]] = None

    # -- accessors ------------------------------------------------------------------------------

    @property
    def workflow_id(self) -> str:
        return str(self.workflow.get("workflowId") or "")

    @property
    def name(self) -> str:
        return str(
            self.workflow.get("workflowName") or (self.workflow.get("workflowDefinition") or {}).get("name")
        )

    @property
    def status(self) -> str:
        """The workflow status (``COMPLETED``, ``FAILED``, ``RUNNING``, ...)."""
        return str(self.workflow.get("status"))

    @property
    def input(self) -> Dict[str, Any]:
        return dict(self.workflow.get("input") or {})

    @property
    def output(self) -> Dict[str, Any]:
        return dict(self.workflow.get("output") or {})

    @property
    def variables(self) -> Dict[str, Any]:
        return dict(self.workflow.get("variables") or {})

    @property
    def reason(self) -> Optional[str]:
        """The workflow's ``reasonForIncompletion``."""
        return self.workflow.get("reasonForIncompletion")

    @property
    def is_terminal(self) -> bool:
        return self.status in WORKFLOW_TERMINAL

    @property
    def is_blocked(self) -> bool:
        """The run stopped before the workflow ended (see :attr:`blocked` for why)."""
        return not self.is_terminal

    @property
    def tasks(self) -> List[Task]:
        """Every task attempt in ``seq`` order, as :class:`~conductor_testkit.models.Task` models."""
        if self._models is None:
            self._models = [Task.from_dict(t) for t in self._raw_tasks]
        return list(self._models)

    def to_model(self) -> Workflow:
        """The workflow as a :class:`~conductor_testkit.models.Workflow` model."""
        return Workflow.from_dict(self.workflow)

    def _indices(self, ref: str) -> List[int]:
        exact = [i for i, t in enumerate(self._raw_tasks) if t.get("referenceTaskName") == ref]
        if exact:
            return exact
        return [i for i, t in enumerate(self._raw_tasks) if base_ref(str(t.get("referenceTaskName"))) == ref]

    def attempts(self, ref: str) -> List[Task]:
        """Every attempt of the task ``ref`` in order (retries, loop iterations); [] if it never ran."""
        models = self.tasks
        return [models[i] for i in self._indices(ref)]

    def task(self, ref: str) -> Task:
        """The latest attempt of the task ``ref``; fails (with the task sequence) if it never ran."""
        __tracebackhide__ = True
        indices = self._indices(ref)
        if not indices:
            raise AssertionError(self._message(f"task {ref!r} did not run"))
        return self.tasks[indices[-1]]

    def task_sequence(self) -> List[str]:
        """The reference names of every task attempt in ``seq`` order (repeats for retries)."""
        return [str(t.get("referenceTaskName")) for t in self._raw_tasks]

    def ran(self, ref: str) -> bool:
        """Whether the task ``ref`` was scheduled in this run (a SKIPPED task did not run)."""
        return any(self._raw_tasks[i].get("status") not in _NOT_RUN for i in self._indices(ref))

    def skipped(self, ref: str) -> bool:
        """Whether the task ``ref`` did not run (a branch not taken, or skipped)."""
        return not self.ran(ref)

    def selected_case(self, switch_ref: str) -> Optional[str]:
        """The case a SWITCH (or DECISION) chose: its ``selectedCase`` output, ``None`` if it never ran."""
        indices = self._indices(switch_ref)
        if not indices:
            return None
        output = self._raw_tasks[indices[-1]].get("outputData") or {}
        if "selectedCase" in output:
            return str(output["selectedCase"])
        cases = output.get("caseOutput") or output.get("evaluationResult")
        return str(cases[0]) if isinstance(cases, list) and cases else None

    # -- assertions -----------------------------------------------------------------------------

    def assert_status(self, expected: str) -> Execution:
        """Fail unless the workflow's status is ``expected``."""
        __tracebackhide__ = True
        if self.status != str(expected):
            raise AssertionError(
                self._message(f"workflow {self.name!r} is {self.status}, expected {expected}")
            )
        return self

    def assert_completed(self) -> Execution:
        """Fail unless the workflow COMPLETED."""
        __tracebackhide__ = True
        return self.assert_status("COMPLETED")

    def assert_failed(self, reason_contains: Optional[str] = None) -> Execution:
        """Fail unless the workflow FAILED (and its reason contains ``reason_contains``, if given)."""
        __tracebackhide__ = True
        self.assert_status("FAILED")
        if reason_contains is not None and reason_contains not in (self.reason or ""):
            raise AssertionError(
                self._message(
                    f"workflow {self.name!r} FAILED, but its reason does not contain {reason_contains!r}"
                )
            )
        return self

    def assert_task(
        self,
        ref: str,
        status: Optional[str] = None,
        output: Any = _MISSING,
        *,
        output_contains: Optional[Mapping[str, Any]] = None,
        input_contains: Optional[Mapping[str, Any]] = None,
    ) -> Execution:
        """Fail unless the latest attempt of ``ref`` ran with this status / output.

        Args:
            ref: the task reference name.
            status: the expected task status.
            output: the expected ``outputData``, compared whole.
            output_contains: keys the output must have with these values (others ignored).
            input_contains: keys the input must have with these values (others ignored).
        """
        __tracebackhide__ = True
        task = self.task(ref)
        problems: List[str] = []
        if status is not None and str(task.status) != str(status):
            problems.append(f"status is {task.status}, expected {status}")
        actual_output = dict(task.output_data or {})
        if output is not _MISSING and actual_output != output:
            problems.append(f"output is {_short(actual_output, 300)}, expected {_short(output, 300)}")
        problems.extend(_missing_items("output", actual_output, output_contains))
        problems.extend(_missing_items("input", dict(task.input_data or {}), input_contains))
        if problems:
            raise AssertionError(self._message(f"task {ref!r}: " + "; ".join(problems)))
        return self

    def assert_ran(self, *refs: str) -> Execution:
        """Fail unless every task in ``refs`` ran."""
        __tracebackhide__ = True
        missing = [ref for ref in refs if not self.ran(ref)]
        if missing:
            raise AssertionError(self._message(f"expected these tasks to run: {', '.join(missing)}"))
        return self

    def assert_not_ran(self, *refs: str) -> Execution:
        """Fail if any task in ``refs`` ran (e.g. the tasks of a branch that must not be taken)."""
        __tracebackhide__ = True
        ran = [ref for ref in refs if self.ran(ref)]
        if ran:
            raise AssertionError(self._message(f"expected these tasks not to run: {', '.join(ran)}"))
        return self

    def assert_blocked_on(self, ref: str) -> Execution:
        """Fail unless the run stopped before the end, waiting for the task ``ref``."""
        __tracebackhide__ = True
        if not any(b.reference_task_name == ref for b in self.blocked):
            raise AssertionError(self._message(f"expected the run to be blocked on {ref!r}"))
        return self

    def assert_mocks_used(self) -> Execution:
        """Fail if some planned mock attempts were never used (local and live backends).

        The remote backend cannot tell which mocks the server used; there this check passes.
        """
        __tracebackhide__ = True
        if self.unused_mocks:
            unused = ", ".join(f"{ref} ({count} left)" for ref, count in sorted(self.unused_mocks.items()))
            raise AssertionError(self._message(f"mocked attempts never used: {unused}"))
        return self

    # -- text -----------------------------------------------------------------------------------

    def describe(self) -> str:
        """Status, reason, blockers and the task sequence as text (what assertion messages show)."""
        lines = [f"workflow {self.name!r} ({self.backend} backend): {self.status}"]
        if self.reason:
            lines.append(f"reason: {self.reason}")
        if self.blocked:
            lines.append("blocked on:")
            lines.extend(f"  - {b}" for b in self.blocked)
        if self.notes:
            lines.append("notes:")
            lines.extend(f"  - {note}" for note in self.notes)
        lines.append("task sequence:" if self._raw_tasks else "task sequence: (no tasks)")
        lines.extend(_task_lines(self._raw_tasks))
        return "\n".join(lines)

    def _message(self, headline: str) -> str:
        return headline + "\n" + self.describe()

    def __repr__(self) -> str:
        return (
            f"Execution({self.name!r}, status={self.status}, backend={self.backend!r}, "
            f"tasks={len(self._raw_tasks)})"
        )


def _missing_items(
    label: str, actual: Mapping[str, Any], expected: Optional[Mapping[str, Any]]
) -> Iterable[str]:
    for key, value in (expected or {}).items():
        if key not in actual:
            yield f"{label} has no key {key!r} (keys: {sorted(actual)})"
        elif actual[key] != value:
            yield f"{label}[{key!r}] is {_short(actual[key])}, expected {_short(value)}"


def _task_lines(tasks: List[Dict[str, Any]]) -> List[str]:
    if not tasks:
        return []
    width = max(len(str(t.get("referenceTaskName"))) for t in tasks)
    type_width = max(len(str(t.get("taskType"))) for t in tasks)
    lines = []
    for number, t in enumerate(tasks, start=1):
        extra = []
        if t.get("retryCount"):
            extra.append(f"retry {t['retryCount']}")
        output = t.get("outputData") or {}
        if t.get("taskType") in ("SWITCH", "DECISION") and "selectedCase" in output:
            extra.append(f"case {output['selectedCase']!r}")
        if t.get("reasonForIncompletion"):
            extra.append(f"reason: {_short(t['reasonForIncompletion'], 100)}")
        line = (
            f"  {number:>2}. {str(t.get('referenceTaskName')):<{width}}  "
            f"{str(t.get('taskType')):<{type_width}}  {t.get('status')}"
        )
        if extra:
            line += "  (" + ", ".join(extra) + ")"
        lines.append(line.rstrip())
    return lines
