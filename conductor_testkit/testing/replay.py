"""Replay a captured :class:`~conductor_testkit.testing.case.Case` on any backend and compare.

::

    from conductor_testkit.testing import Harness
    from conductor_testkit.testing.case import Case
    from conductor_testkit.testing.replay import replay

    result = replay(Case.load("tests/cases/orders_us.json"))          # on a fresh engine
    result.assert_matches()                                             # path, statuses, output
    result = replay(case, conductor)                                    # the pytest fixture's backend
    result = replay(case, definition=new_definition)                    # another definition

A replay registers the case's task definitions (retries, timeouts) and the definitions of its
sub-workflows and failure workflow, then runs the definition with the recorded input and the
recorded attempts as mocks (:meth:`Harness.run`, not strict: a replay reports what it finds
instead of refusing to run). The run is compared with the record, both normalised
(:func:`~conductor_testkit.testing.compare.normalize_workflow`) and redacted with the case's
patterns:

* the workflow's status and output;
* the path (every task that ran, in order, control-flow tasks included, a retried task once) and
  the attempts (each attempt's reference and retry count);
* per attempt: status, task type, input and output;
* the reasons (the workflow's and each attempt's) where the backend can give a mocked attempt a
  reason: a backend that runs mock functions (the engine) replays a worker task's attempt as its
  worker reported it, reason included; the server's test endpoint cannot, so there reasons are
  not compared (the result's notes say so);
* the same for each sub-workflow (its latest attempt) and, where the backend runs it (local,
  live), the failure workflow;
* mocked attempts the run never used, and tasks the run stopped at for want of a mock.

The workflows' inputs are not compared: the root's is the case's, a child's shows in its
parent's SUB_WORKFLOW task, and a failure workflow's holds the whole failed workflow.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional, Tuple

from conductor_testkit.engine import OPERATORS, base_ref
from conductor_testkit.errors import ConductorError
from conductor_testkit.models import TaskResult
from conductor_testkit.testing.capture import is_worker_task_type
from conductor_testkit.testing.case import Case, CaseMocks, Recording
from conductor_testkit.testing.definition import task_types_by_ref, workflow_def_dict
from conductor_testkit.testing.divergence import Divergence, compare_with_recording
from conductor_testkit.testing.execution import Execution
from conductor_testkit.testing.harness import Harness
from conductor_testkit.testing.mocks import MockSet
from conductor_testkit.testing.redaction import Redactor

__all__ = ["Divergence", "ReplayMismatch", "ReplayResult", "harness_mocks", "replay"]

_DYNAMIC_TYPES = ("FORK_JOIN_DYNAMIC", "DYNAMIC")


class ReplayMismatch(AssertionError, ConductorError):
    """A replay did not do what the captured execution did."""


@dataclass
class ReplayResult:
    """A replay's execution and how it compares with the record."""

    case: Case
    execution: Execution
    divergences: List[Divergence]
    #: what was not replayed or not compared, and why
    notes: List[str] = field(default_factory=list)
    #: mocked references left out because the replayed definition has no such task (ref -> why)
    dropped_mocks: Dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """Whether the replay did what the captured execution did."""
        return not self.divergences

    def kinds(self) -> List[str]:
        """The kinds of divergence found, each once, in order."""
        return list(dict.fromkeys(d.kind for d in self.divergences))

    def describe(self) -> str:
        """The comparison as text: the case, then each divergence, then the notes."""
        case = self.case
        origin = f"captured {case.captured_at}" if case.captured_at else "captured"
        if case.server.get("version"):
            origin += f" from Conductor {case.server['version']}"
        head = (
            f"case {case.name!r} (workflow {case.workflow_name!r} "
            f"version {case.workflow_version}, {origin}), "
            f"replayed on the {self.execution.backend} backend: "
        )
        if self.ok:
            lines = [head + "matches the recording"]
        else:
            lines = [
                head + f"{len(self.divergences)} divergence(s) from the recording "
                "(expected: as recorded, got: as replayed)"
            ]
            lines.extend(f"  - {d}" for d in self.divergences)
        if self.dropped_mocks:
            lines.append("mocks left out:")
            lines.extend(f"  - {ref}: {why}" for ref, why in self.dropped_mocks.items())
        if self.notes:
            lines.append("notes:")
            lines.extend(f"  - {note}" for note in self.notes)
        return "\n".join(lines)

    def assert_matches(self) -> ReplayResult:
        """Fail (:class:`ReplayMismatch`) unless the replay did what the captured execution did;
        the message lists every divergence and then the replayed run."""
        __tracebackhide__ = True
        if not self.ok:
            raise ReplayMismatch(self.describe() + "\n\nthe replay:\n" + self.execution.describe())
        return self

    def __repr__(self) -> str:
        return f"ReplayResult({self.case.name!r}, ok={self.ok}, divergences={len(self.divergences)})"


# -- the run ------------------------------------------------------------------------------------------


class _WorkerOutcome:
    """A worker task's recorded attempt, handed back as its worker reported it (reason included)."""

    def __init__(self, attempt: Mapping[str, Any]) -> None:
        self.status = str(attempt.get("status") or "COMPLETED")
        self.output = dict(attempt.get("output") or {})
        self.reason = attempt.get("reason")
        self.__name__ = f"recorded {self.status} attempt"

    def __call__(self, task_input: Dict[str, Any]) -> TaskResult:
        return TaskResult(
            status=self.status, output_data=dict(self.output), reason_for_incompletion=self.reason
        )


def _task_types(recording: Optional[Recording]) -> Dict[str, str]:
    if recording is None:
        return {}
    return {
        str(t.get("referenceTaskName")): str(t.get("taskType")) for t in recording.workflow.get("tasks") or []
    }


def _attempts(attempts: List[Dict[str, Any]], worker_task: bool, with_reasons: bool) -> List[Any]:
    out: List[Any] = []
    for attempt in attempts:
        if with_reasons and worker_task and not attempt.get("executionTime"):
            out.append(_WorkerOutcome(attempt))
        else:
            out.append({k: v for k, v in attempt.items() if k != "reason"})
    return out


def harness_mocks(
    case_mocks: CaseMocks, recording: Optional[Recording], with_reasons: bool
) -> Tuple[Dict[str, List[Any]], Dict[str, MockSet]]:
    """The harness's ``mocks`` and ``sub_workflow_mocks`` for ``case_mocks``: the recorded
    attempts of worker tasks as functions that report them with their reasons (``with_reasons``),
    any other attempt as data."""
    types = _task_types(recording)
    mocks = {
        ref: _attempts(attempts, is_worker_task_type(types.get(ref, "SIMPLE")), with_reasons)
        for ref, attempts in case_mocks.mocks.items()
    }
    subs = {
        ref: MockSet.parse(
            *harness_mocks(sub, recording.sub_workflows.get(ref) if recording else None, with_reasons)
        )
        for ref, sub in case_mocks.sub_workflows.items()
    }
    return mocks, subs


def _applicable(case_mocks: CaseMocks, definition: Mapping[str, Any]) -> Tuple[CaseMocks, Dict[str, str]]:
    """The mocks of ``case_mocks`` that ``definition`` can use, and why the others cannot."""
    types = task_types_by_ref(definition)
    dynamic = any(t in _DYNAMIC_TYPES for t in types.values())
    kept = CaseMocks()
    dropped: Dict[str, str] = {}
    for ref, attempts in case_mocks.mocks.items():
        ttype = types.get(ref) or types.get(base_ref(ref))
        if ttype is None and not dynamic:
            dropped[ref] = "the definition has no task with this reference name"
        elif ttype in OPERATORS and ttype != "DYNAMIC":
            dropped[ref] = f"the task is now of type {ttype}, which runs by itself"
        else:
            kept.mocks[ref] = attempts
    for ref, sub in case_mocks.sub_workflows.items():
        ttype = types.get(ref) or types.get(base_ref(ref))
        if ttype == "SUB_WORKFLOW" or (ttype is None and dynamic):
            kept.sub_workflows[ref] = sub
        else:
            what = f"a {ttype}" if ttype else "no task with this reference name"
            dropped[ref + "/*"] = f"the sub-workflow's mocks: the definition has {what} there"
    return kept, dropped


def replay(
    case: Case,
    harness: Optional[Harness] = None,
    *,
    definition: Any = None,
) -> ReplayResult:
    """Run ``case`` again and compare the run with its record (see the module docstring).

    Args:
        case: the captured case.
        harness: where to run it (the pytest fixture ``conductor``, or a :class:`Harness` on any
            backend); default a fresh in-memory engine.
        definition: run this definition instead of the captured one (a DSL workflow, a
            WorkflowDef or a dict); mocks of references it does not have are left out and listed
            in :attr:`ReplayResult.dropped_mocks`.
    """
    harness = harness if harness is not None else Harness()
    backend = harness.backend
    notes = list(case.notes)
    with_reasons = bool(backend.supports_functions)
    if not with_reasons:
        notes.append(
            f"reasons are not compared: the {backend.name} backend cannot give a mocked attempt a reason"
        )
    harness.register(*case.task_definitions, *case.workflow_definitions)
    run_definition = workflow_def_dict(definition) if definition is not None else dict(case.definition)
    mocks, dropped = _applicable(case.mocks, run_definition)
    failure_mocks: Optional[MockSet] = None
    if case.failure_workflow_mocks is not None:
        if backend.name in ("local", "live"):
            failure_mocks = MockSet.parse(
                *harness_mocks(case.failure_workflow_mocks, case.recorded.failure_workflow, with_reasons)
            )
        else:
            notes.append(f"the failure workflow is not replayed: the {backend.name} backend does not run it")
    root_mocks, sub_mocks = harness_mocks(mocks, case.recorded, with_reasons)
    execution = harness.run(
        run_definition,
        case.input,
        root_mocks,
        sub_workflow_mocks=sub_mocks,
        failure_workflow_mocks=failure_mocks,
        correlation_id=case.correlation_id,
        strict=False,
    )
    redactor = Redactor(case.redaction.get("patterns") or (), defaults=False)
    divergences = compare_with_recording(
        case.recorded,
        execution,
        reasons=with_reasons,
        redactor=redactor,
        failure_workflow=failure_mocks is not None,
    )
    return ReplayResult(case, execution, divergences, notes, dropped)
