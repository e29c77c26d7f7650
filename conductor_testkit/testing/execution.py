"""``Execution``: the Workflow JSON of one harness run, with readable accessors and assertions.

Every backend returns the server's Workflow JSON, so the same assertions read the same whichever
backend ran the workflow. Failed assertions raise ``AssertionError`` whose message shows the
workflow's status, its reason and the task sequence (and, for a blocked run, which task blocks and
why), so a failing test explains itself without a debugger.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any, Callable, Dict, Iterable, List, Mapping, Optional, Sequence, Union

from conductor_testkit.engine import WORKFLOW_TERMINAL, Blocker, DeferredSnapshot, base_ref
from conductor_testkit.models import Task, Workflow

if TYPE_CHECKING:  # pragma: no cover
    from conductor_testkit.testing.continuation import RunHandle

__all__ = ["Blocker", "Execution"]

_NOT_RUN = frozenset({"SKIPPED"})
_MISSING = object()
_OPEN = frozenset({"SCHEDULED", "IN_PROGRESS"})
# tasks that only steer the flow: a path lists them only when a test names them
_CONTROL_FLOW = frozenset(
    {"SWITCH", "DECISION", "FORK", "FORK_JOIN", "FORK_JOIN_DYNAMIC", "JOIN", "EXCLUSIVE_JOIN", "DO_WHILE"}
)
FAILURE_WORKFLOW_KEY = "conductor.failure_workflow"


def _in_seq_order(workflow: Mapping[str, Any]) -> List[Dict[str, Any]]:
    return sorted(workflow.get("tasks") or [], key=lambda t: t.get("seq") or 0)


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
        unused_mocks: reference name -> planned mock attempts never used (``None`` where the
            backend cannot tell).
        notes: what the backend did that a reader of the result should know (a WAIT it shortened,
            a server answer it had to re-read, a failure workflow it stopped).
        expected_path: the path the last path assertion expected (shown in failure reports).
    """

    def __init__(
        self,
        workflow: Union[Mapping[str, Any], DeferredSnapshot],
        *,
        backend: str,
        blocked: Sequence[Blocker] = (),
        unused_mocks: Optional[Mapping[str, int]] = None,
        notes: Sequence[str] = (),
        handle: Optional[RunHandle] = None,
    ) -> None:
        self._deferred: Optional[DeferredSnapshot] = None
        if isinstance(workflow, DeferredSnapshot):
            # a drive's JSON, this execution's alone: the definition parts in it are copied the
            # first time the JSON is handed out (the accessors below only read them)
            self._workflow: Dict[str, Any] = workflow.shared
            self._deferred = None if workflow.detached else workflow
        else:
            self._workflow = dict(workflow)
        self.backend = backend
        self.blocked: List[Blocker] = list(blocked)
        self.unused_mocks: Optional[Dict[str, int]] = dict(unused_mocks) if unused_mocks is not None else None
        self.notes: List[str] = list(notes)
        self.expected_path: Optional[List[str]] = None
        #: with the both backend: the server's execution of the same test
        self.other: Optional[Execution] = None
        self._handle = handle
        # what the harness checks of each execution a continuation returns
        self._after_continue: Optional[Callable[[Execution], None]] = None
        self._raw_tasks: List[Dict[str, Any]] = _in_seq_order(self._workflow)
        self._models: Optional[List[Optional[Task]]] = None  # built when first asked for

    # -- accessors ------------------------------------------------------------------------------

    @property
    def workflow(self) -> Dict[str, Any]:
        """The Workflow JSON exactly as the backend returned it."""
        self._detach()
        return self._workflow

    @workflow.setter
    def workflow(self, value: Mapping[str, Any]) -> None:
        self._workflow = dict(value)
        self._deferred = None
        self._raw_tasks = _in_seq_order(self._workflow)
        self._models = None

    def _detach(self) -> None:
        """Give the JSON its own copies of what it still shares with the engine (once)."""
        if self._deferred is not None:
            self._deferred.detach()
            self._deferred = None

    @property
    def workflow_id(self) -> str:
        return str(self._workflow.get("workflowId") or "")

    @property
    def name(self) -> str:
        return str(
            self._workflow.get("workflowName") or (self._workflow.get("workflowDefinition") or {}).get("name")
        )

    @property
    def status(self) -> str:
        """The workflow status (``COMPLETED``, ``FAILED``, ``RUNNING``, ...)."""
        return str(self._workflow.get("status"))

    @property
    def input(self) -> Dict[str, Any]:
        return dict(self._workflow.get("input") or {})

    @property
    def output(self) -> Dict[str, Any]:
        return dict(self._workflow.get("output") or {})

    @property
    def variables(self) -> Dict[str, Any]:
        return dict(self._workflow.get("variables") or {})

    @property
    def reason(self) -> Optional[str]:
        """The workflow's ``reasonForIncompletion``."""
        return self._workflow.get("reasonForIncompletion")

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
        return [self._model(index) for index in range(len(self._raw_tasks))]

    def _model(self, index: int) -> Task:
        """The model of the task attempt at ``index`` (in ``seq`` order), built once."""
        models = self._models
        if models is None:
            self._detach()  # models are built from the execution's own copies
            models = self._models = [None] * len(self._raw_tasks)
        model = models[index]
        if model is None:
            model = models[index] = Task.from_dict(self._raw_tasks[index])
        return model

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
        return [self._model(i) for i in self._indices(ref)]

    def task(self, ref: str) -> Task:
        """The latest attempt of the task ``ref``; fails (with the task sequence) if it never ran."""
        __tracebackhide__ = True
        indices = self._indices(ref)
        if not indices:
            raise AssertionError(self._message(f"task {ref!r} did not run"))
        return self._model(indices[-1])

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

    def path(self, *, control_flow: bool = False) -> List[str]:
        """The reference names of the tasks that ran, in order; a retried task appears once.

        Loop iterations appear as ``ref__N``. Control-flow tasks (SWITCH, FORK, JOIN, DO_WHILE,
        ...) are left out unless ``control_flow``.
        """
        out = []
        for t in self._raw_tasks:
            if t.get("status") in _NOT_RUN or t.get("retryCount"):
                continue
            if not control_flow and t.get("taskType") in _CONTROL_FLOW:
                continue
            out.append(str(t.get("referenceTaskName")))
        return out

    def calls(self, ref: str) -> List[Dict[str, Any]]:
        """The input the task ``ref`` received, one dict per attempt (retries, loop iterations)."""
        return [
            dict(self._raw_tasks[i].get("inputData") or {})
            for i in self._indices(ref)
            if self._raw_tasks[i].get("status") not in _NOT_RUN
        ]

    def times_ran(self, ref: str) -> int:
        """How many attempts of the task ``ref`` ran (retries and loop iterations count)."""
        return len(self.calls(ref))

    def is_waiting_on(self, ref: str) -> bool:
        """Whether the run has not ended and the task ``ref`` is open (scheduled or in progress)."""
        if self.is_terminal:
            return False
        if any(b.reference_task_name == ref for b in self.blocked):
            return True
        return any(self._raw_tasks[i].get("status") in _OPEN for i in self._indices(ref))

    # -- other workflows of the run ----------------------------------------------------------------

    def sub_workflow(self, ref: str) -> Execution:
        """The execution of the sub-workflow the SUB_WORKFLOW task ``ref`` started (latest attempt)."""
        __tracebackhide__ = True
        task = self.task(ref)
        child_id = task.sub_workflow_id or (task.output_data or {}).get("subWorkflowId")
        if not child_id:
            raise AssertionError(self._message(f"task {ref!r} started no sub-workflow"))
        return self.related(str(child_id))

    @property
    def failure_workflow_id(self) -> Optional[str]:
        """The id of the failure workflow the run started, or None."""
        value = (self._workflow.get("output") or {}).get(FAILURE_WORKFLOW_KEY)
        return str(value) if value and " " not in str(value) else None

    @property
    def failure_workflow(self) -> Optional[Execution]:
        """The execution of the failure workflow the run started (None when it started none)."""
        workflow_id = self.failure_workflow_id
        return self.related(workflow_id) if workflow_id else None

    def related(self, workflow_id: str) -> Execution:
        """The execution of another workflow of this run by id (any sub-workflow attempt, a
        workflow a task started), read from the backend that ran it."""
        handle = self._require_handle("read another workflow of the run")
        return handle.related(workflow_id)

    # -- continuing a waiting run ------------------------------------------------------------------

    def complete(self, ref: str, output: Optional[Mapping[str, Any]] = None) -> Execution:
        """Complete the open task ``ref`` (a HUMAN or WAIT task, a worker task nobody took) with
        ``output`` and let the run go on; returns the execution after that."""
        return self._update(ref, "COMPLETED", output, None)

    def fail(
        self,
        ref: str,
        reason: str = "failed by the test",
        output: Optional[Mapping[str, Any]] = None,
        *,
        terminal: bool = False,
    ) -> Execution:
        """Fail the open task ``ref`` (``terminal``: FAILED_WITH_TERMINAL_ERROR, no retry) and let
        the run go on; returns the execution after that."""
        status = "FAILED_WITH_TERMINAL_ERROR" if terminal else "FAILED"
        return self._update(ref, status, output, reason)

    def signal(self, ref: str, output: Optional[Mapping[str, Any]] = None) -> Execution:
        """Signal the waiting task ``ref`` (a WAIT or HUMAN task) with ``output``: :meth:`complete`."""
        return self.complete(ref, output)

    def advance(
        self,
        delta: Union[timedelta, float, None] = None,
        *,
        seconds: float = 0,
        minutes: float = 0,
        hours: float = 0,
        days: float = 0,
    ) -> Execution:
        """Let time pass (local backend: virtual time): timers, WAIT deadlines, retries and
        timeouts due on the way fire in order, mocks and workers settle what becomes ready;
        returns the execution after that. ``delta`` is a timedelta or seconds."""
        if isinstance(delta, timedelta):
            total = delta.total_seconds()
        else:
            total = float(delta or 0)
        total += seconds + minutes * 60 + hours * 3600 + days * 86400
        if total < 0:
            raise ValueError(f"advance: time only moves forward, received {total} s")
        handle = self._require_handle("advance time")
        return self._continued(handle.advance(self, int(total * 1000)))

    def refresh(self) -> Execution:
        """The run as it is now (a server may have moved it on since)."""
        return self._require_handle("read the run again").related(self.workflow_id)

    def _update(
        self, ref: str, status: str, output: Optional[Mapping[str, Any]], reason: Optional[str]
    ) -> Execution:
        __tracebackhide__ = True
        handle = self._require_handle(f"{status.lower()} task {ref!r}")
        return self._continued(handle.update(self, ref, status, dict(output or {}), reason))

    def _continued(self, execution: Execution) -> Execution:
        __tracebackhide__ = True
        execution._after_continue = self._after_continue
        if self._after_continue is not None:
            self._after_continue(execution)
        return execution

    def connect(self, handle: RunHandle) -> None:
        """Connect this execution to the backend that ran it (to read related runs and go on)."""
        self._handle = handle

    @property
    def connected(self) -> bool:
        return self._handle is not None

    def _require_handle(self, what: str) -> RunHandle:
        if self._handle is None:
            from conductor_testkit.testing.backend import BackendNotSupportedError

            raise BackendNotSupportedError(
                f"cannot {what}: this execution of workflow {self.name!r} ({self.backend} backend) "
                "is not connected to the backend that ran it"
            )
        return self._handle

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
        """Fail unless the run has not ended and waits for the task ``ref`` (see :meth:`is_waiting_on`)."""
        __tracebackhide__ = True
        if not self.is_waiting_on(ref):
            raise AssertionError(self._message(f"expected the run to be waiting on {ref!r}"))
        return self

    assert_waiting_on = assert_blocked_on

    def assert_never_ran(self, *refs: str) -> Execution:
        """Fail if any task in ``refs`` ran (a branch that must not be taken): :meth:`assert_not_ran`."""
        __tracebackhide__ = True
        return self.assert_not_ran(*refs)

    def assert_ran_times(self, ref: str, times: int) -> Execution:
        """Fail unless the task ``ref`` ran exactly ``times`` attempts (retries, loop iterations)."""
        __tracebackhide__ = True
        actual = self.times_ran(ref)
        if actual != times:
            raise AssertionError(self._message(f"task {ref!r} ran {actual} time(s), expected {times}"))
        return self

    def assert_path(self, *refs: str) -> Execution:
        """Fail unless exactly these tasks ran, in this order (retries once; control-flow tasks
        count only when named); the message marks the first divergence."""
        __tracebackhide__ = True
        named_flow = any(self._type_of(ref) in _CONTROL_FLOW for ref in refs)
        actual = self.path(control_flow=named_flow)
        if named_flow:
            wanted = set(refs)
            actual = [r for r in actual if self._type_of(r) not in _CONTROL_FLOW or r in wanted]
        self.expected_path = list(refs)
        if actual != list(refs):
            raise AssertionError(self._message(_path_divergence(list(refs), actual, exact=True)))
        return self

    def assert_ran_in_order(self, *refs: str) -> Execution:
        """Fail unless these tasks ran in this order, other tasks allowed in between."""
        __tracebackhide__ = True
        actual = self.path(control_flow=True)
        self.expected_path = list(refs)
        position = 0
        for ref in actual:
            if position < len(refs) and ref == refs[position]:
                position += 1
        if position < len(refs):
            raise AssertionError(self._message(_path_divergence(list(refs), actual, exact=False)))
        return self

    def assert_called_with(
        self,
        ref: str,
        expected: Optional[Mapping[str, Any]] = None,
        *,
        attempt: int = -1,
        exact: bool = False,
        **fields: Any,
    ) -> Execution:
        """Fail unless attempt ``attempt`` (default: the latest) of ``ref`` received this input:
        the keys of ``expected`` and ``fields`` with these values (``exact``: nothing else)."""
        __tracebackhide__ = True
        calls = self.calls(ref)
        if not calls:
            raise AssertionError(self._message(f"task {ref!r} was never called"))
        try:
            received = calls[attempt]
        except IndexError:
            raise AssertionError(
                self._message(f"task {ref!r} was called {len(calls)} time(s), there is no attempt {attempt}")
            ) from None
        wanted = {**dict(expected or {}), **fields}
        problems = list(_missing_items("input", received, wanted))
        if exact and set(received) != set(wanted):
            problems.append(f"input has the keys {sorted(received)}, expected exactly {sorted(wanted)}")
        if problems:
            calls_text = "\n".join(f"  attempt {i}: {_short(c, 300)}" for i, c in enumerate(calls))
            raise AssertionError(
                self._message(
                    f"task {ref!r}, attempt {attempt}: " + "; ".join(problems) + "\ncalls:\n" + calls_text
                )
            )
        return self

    def assert_not_called(self, ref: str) -> Execution:
        """Fail if the task ``ref`` was called (ran) at all."""
        __tracebackhide__ = True
        return self.assert_not_ran(ref)

    def _type_of(self, ref: str) -> Optional[str]:
        indices = self._indices(ref)
        return str(self._raw_tasks[indices[-1]].get("taskType")) if indices else None

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

    def describe_failure(self, headline: str) -> str:
        """An assertion message: ``headline`` and the execution (:meth:`describe`)."""
        return headline + "\n" + self.describe()

    _message = describe_failure

    def __repr__(self) -> str:
        return (
            f"Execution({self.name!r}, status={self.status}, backend={self.backend!r}, "
            f"tasks={len(self._raw_tasks)})"
        )


def _path_divergence(expected: List[str], actual: List[str], *, exact: bool) -> str:
    """Where a path differs from the expected one, both shown, the first divergence marked."""
    if exact:
        index = next(
            (i for i, (e, a) in enumerate(zip(expected, actual)) if e != a), min(len(expected), len(actual))
        )
        got = repr(actual[index]) if index < len(actual) else "the end of the run"
        want = repr(expected[index]) if index < len(expected) else "the end of the run"
        headline = f"the path differs at step {index + 1}: expected {want}, the run had {got}"
    else:
        position = 0
        for ref in actual:
            if position < len(expected) and ref == expected[position]:
                position += 1
        index = position
        headline = (
            f"the tasks did not run in this order: {expected[index]!r} (step {index + 1}) never ran"
            + (f" after {expected[index - 1]!r}" if index else "")
        )
    return (
        f"{headline}\n  expected path: {_marked(expected, index)}"
        f"\n  actual path:   {_marked(actual, index if exact else -1)}"
    )


def _marked(path: List[str], index: int) -> str:
    if not path:
        return "(nothing ran)"
    return " -> ".join(f">>{ref}<<" if i == index else ref for i, ref in enumerate(path))


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
