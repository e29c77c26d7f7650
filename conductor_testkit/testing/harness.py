"""The harness: ``run_workflow`` and ``Harness``, one test API over every backend.

::

    from conductor_testkit.testing import run_workflow

    execution = run_workflow(
        order_workflow,
        input={"order_id": "o-1", "amount": 30},
        mocks={"charge_ref": [{"status": "FAILED"}, {"output": {"charged": 30}}]},
    )
    execution.assert_completed().assert_task("charge_ref", output={"charged": 30})

The same call runs on the in-memory engine (:class:`LocalBackend`, the default) or on a real
server (:class:`RemoteBackend`, through its test endpoint), so a test written once runs on both.
"""

from __future__ import annotations

import weakref
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Union

from conductor_testkit.engine import OPERATORS, workers_by_type
from conductor_testkit.errors import ConductorError, DefinitionError
from conductor_testkit.models import jackson
from conductor_testkit.testing.backend import Backend, BackendNotSupportedError, ServerBackend
from conductor_testkit.testing.continuation import ServerRunHandle
from conductor_testkit.testing.definition import cached_task_types, definition_with_content, workflow_def_dict
from conductor_testkit.testing.execution import Execution
from conductor_testkit.testing.local import LocalBackend
from conductor_testkit.testing.mocks import MockSet
from conductor_testkit.testing.snapshots import SnapshotStore
from conductor_testkit.testing.strictness import Strictness, StrictnessArg, UnusedMocksError

__all__ = ["Harness", "WorkersArg", "run_workflow", "unused_mocks_of"]

WorkersArg = Union[Iterable[Any], Mapping[str, Any], None]


# inputs nested deeper than this get the interpreter room for the recursive copies of a run
_DEEP_INPUT = 100


def _run_input(definition: Mapping[str, Any], value: Any) -> Dict[str, Any]:
    """The workflow input of a run: a dict, as deep as the server reads documents (deeper
    ones are refused by the backend as the server refuses them)."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise DefinitionError(
            f"workflow {definition.get('name')!r}, field input: expected a dict (the workflow "
            f"input, a JSON object), received {type(value).__name__} {value!r:.100}"
        )
    if jackson.nesting_depth_exceeds(value, _DEEP_INPUT):
        jackson.ensure_recursion_headroom()
    return dict(value)


def _parse_mocks(definition: Mapping[str, Any], parse: Callable[[], MockSet]) -> MockSet:
    """The run's mocks, read by ``parse``; an error names the workflow too."""
    try:
        return parse()
    except DefinitionError as error:
        raise DefinitionError(f"workflow {definition.get('name')!r}, {error}") from None


def _check_mocks(definition: Mapping[str, Any], mocks: MockSet, types: Mapping[str, str]) -> None:
    name = definition.get("name")
    has_dynamic = any(t in ("FORK_JOIN_DYNAMIC", "DYNAMIC") for t in types.values())
    for ref in mocks.by_ref:
        ttype = types.get(ref)
        if ttype is None and "__" in ref:
            ttype = types.get(ref[: ref.find("__")])
        if ttype is None:
            if has_dynamic:
                continue  # a dynamic fork's tasks get their reference names at run time
            raise DefinitionError(
                f"mocks: workflow {name!r} has no task with reference name {ref!r}; "
                f"its tasks are: {', '.join(sorted(types)) or '(none)'}"
            )
        # a DYNAMIC task becomes a task of the type it names, under its own reference: mockable
        if ttype in OPERATORS and ttype != "DYNAMIC":
            raise DefinitionError(
                f"mocks: task {ref!r} of workflow {name!r} is a {ttype}, which runs by itself and cannot be "
                "mocked (the server's test endpoint discards mocks of such tasks); mock the tasks it runs"
            )


class Harness:
    """A backend with a count of the workflows it ran; what the pytest fixture ``conductor`` is.

    Args:
        backend: where workflows run (default: a :class:`LocalBackend` with a fresh engine).
        strict: the checks around each run (see :mod:`conductor_testkit.testing.strictness`):
            ``True`` (the default: every check), ``False``, a :class:`Strictness` or a dict of
            its fields.
        observers: functions called with every execution the harness hands out (each run and
            each continuation of one), e.g. a coverage recorder's.
    """

    def __init__(
        self,
        backend: Optional[Backend] = None,
        *,
        strict: StrictnessArg = True,
        snapshots: Optional[SnapshotStore] = None,
        snapshot_key: str = "",
        observers: Iterable[Callable[[Execution], None]] = (),
    ) -> None:
        self.backend: Backend = backend if backend is not None else LocalBackend()
        self.strictness = Strictness.of(strict)
        self.snapshots = snapshots
        self.snapshot_key = snapshot_key
        #: every execution the harness handed out (runs and their continuations), in order
        self.executions: List[Execution] = []
        #: how many workflows it ran
        self.runs = 0
        #: called with each execution in :attr:`executions` as it is added
        self.observers: List[Callable[[Execution], None]] = list(observers)

    @property
    def backend_name(self) -> str:
        """``"local"``, ``"remote"``, ``"live"`` or ``"both"``."""
        return self.backend.name

    @property
    def engine(self) -> Any:
        """The in-memory engine of a local backend (``BackendNotSupportedError`` elsewhere)."""
        engine = getattr(self.backend, "engine", None)
        if engine is None:
            raise BackendNotSupportedError(
                f"the {self.backend_name} backend has no in-memory engine; pin the test to the local "
                "backend with @pytest.mark.conductor_backend('local')"
            )
        return engine

    @property
    def clock(self) -> Any:
        """The virtual clock of a local backend."""
        return self.engine.clock

    def register(self, *definitions: Any) -> Harness:
        """Register workflow definitions (DSL, model or dict) and task definitions on the backend.

        A definition with ``tasks`` is a workflow definition; anything else a TaskDef. Register
        the sub-workflows a workflow starts by name, the failure workflow it names, and TaskDefs
        whose retry settings a test relies on.
        """
        for definition in definitions:
            data = definition.to_dict() if hasattr(definition, "to_dict") else dict(definition)
            if "tasks" in data:
                self.backend.register_workflow_def(workflow_def_dict(data))
            else:
                if not data.get("name"):
                    raise DefinitionError(f"register: a task definition needs a name, received {data!r:.200}")
                self.backend.register_task_def(data)
        return self

    def run(
        self,
        workflow: Any,
        input: Optional[Mapping[str, Any]] = None,
        mocks: Optional[Mapping[str, Any]] = None,
        workers: WorkersArg = None,
        *,
        sub_workflow_mocks: Optional[Mapping[str, Any]] = None,
        failure_workflow_mocks: Union[Mapping[str, Any], MockSet, None] = None,
        correlation_id: Optional[str] = None,
        task_to_domain: Optional[Mapping[str, str]] = None,
        strict: StrictnessArg = None,
    ) -> Execution:
        """Run ``workflow`` with ``input`` and return its :class:`Execution`.

        Args:
            workflow: a ConductorWorkflow, a WorkflowDef model or a WorkflowDef dict.
            input: the workflow input.
            mocks: task reference name -> mocked attempts (see :mod:`conductor_testkit.testing.mocks`);
                a loop's iterations are ``ref__1``, ``ref__2``, ...
            workers: ``@worker_task`` functions, ``Worker`` objects or ``{task_type: function}``
                (local and live backends).
            sub_workflow_mocks: SUB_WORKFLOW reference name -> the mocks of the child it starts
                (nested: :func:`~conductor_testkit.testing.mocks.sub_workflow`).
            failure_workflow_mocks: the mocks of the failure workflow the run starts if it fails
                (it is driven too, and reachable as ``execution.failure_workflow``).
            correlation_id: the workflow's correlation id.
            task_to_domain: the workflow's task-to-domain map.
            strict: this run's checks, instead of the harness's (see :class:`Strictness`).

        Raises:
            DefinitionError: before the run, for malformed mocks and (strict) definition problems.
            UnusedMocksError: (strict) when planned mock attempts were never used.
        """
        __tracebackhide__ = True
        strictness = self.strictness if strict is None else Strictness.of(strict)
        definition, content = definition_with_content(workflow)
        run_input = _run_input(definition, input)
        mock_set = _parse_mocks(
            definition,
            lambda: MockSet.parse(
                mocks,
                sub_workflow_mocks,
                strict=strictness.mock_keys,
                failure_workflow_mocks=failure_workflow_mocks,
            ),
        )
        _check_mocks(definition, mock_set, cached_task_types(definition, content))
        if mock_set.failure_workflow is not None and self.backend.name in ("remote", "both"):
            raise BackendNotSupportedError(
                f"workflow {definition.get('name')!r}: failure_workflow_mocks need the local or live "
                "backend; the server's test endpoint does not run the failure workflow"
            )
        strictness.check_definition(definition, run_input, content=content)
        execution = self.backend.run(
            definition,
            run_input,
            mock_set,
            workers_by_type(workers),
            correlation_id=correlation_id,
            task_to_domain=task_to_domain,
        )
        if not execution.connected and isinstance(self.backend, ServerBackend):
            execution.connect(ServerRunHandle(self.backend.clients, self.backend.name))
        if execution.unused_mocks is None:
            execution.unused_mocks = unused_mocks_of(execution, mock_set)
        self.runs += 1
        execution._after_continue = _continuation_recorder(self, strictness)
        self._record(execution, strictness)
        return execution

    def _record(self, execution: Execution, strictness: Strictness) -> None:
        """Keep a run (or a continuation of one) for failure reports, then :func:`_observe` it."""
        __tracebackhide__ = True
        self.executions.append(execution)
        _observe(execution, self.observers, strictness)

    def assert_snapshot(self, execution: Execution, name: str = "") -> Execution:
        """Fail unless ``execution`` matches its saved snapshot (:mod:`conductor_testkit.testing.snapshots`).

        In a pytest test the snapshot is ``__snapshots__/<module>/<test>[-<name>].json`` beside the
        test file; give each snapshot of one test its own ``name``.
        """
        __tracebackhide__ = True
        if self.snapshots is None:
            raise DefinitionError(
                "assert_snapshot: this harness has no snapshot directory; use the pytest fixture "
                "'conductor', or Harness(snapshots=SnapshotStore(directory))"
            )
        key = "-".join(part for part in (self.snapshot_key, name) if part)
        if not key:
            raise DefinitionError("assert_snapshot: outside a pytest test, name the snapshot: name='...'")
        self.snapshots.check(key, execution)
        return execution

    def __repr__(self) -> str:
        return f"Harness({self.backend!r}, runs={self.runs})"


def _continuation_recorder(harness: Harness, strictness: Strictness) -> Callable[[Execution], None]:
    """What a continued run reports to the harness that started it.

    The harness keeps its executions and each execution keeps this callback: holding the harness
    weakly leaves no reference cycle, so an engine and its runs are freed when the test lets go of
    them. A continuation after the harness is gone is still observed and checked.
    """
    harness_ref = weakref.ref(harness)
    observers = harness.observers

    def after_continue(later: Execution) -> None:
        __tracebackhide__ = True
        alive = harness_ref()
        if alive is not None:
            alive._record(later, strictness)
        else:
            _observe(later, observers, strictness)

    return after_continue


def _observe(
    execution: Execution, observers: Iterable[Callable[[Execution], None]], strictness: Strictness
) -> None:
    """Tell the observers of a run (or a continuation of one) and fail on unused mocks once it has
    ended: until then, a test that goes on with the run may still use them."""
    __tracebackhide__ = True
    for observe in observers:
        observe(execution)
    if strictness.unused_mocks and execution.is_terminal and execution.unused_mocks:
        left = sorted(execution.unused_mocks.items())
        unused = ", ".join(f"{ref} ({count} left)" for ref, count in left)
        raise UnusedMocksError(
            execution.describe_failure(
                f"mocked attempts the run never used: {unused} (strict mode; remove them, or "
                "pass strict={'unused_mocks': False} / @pytest.mark.conductor_strict(unused_mocks=False))"
            )
        )


def unused_mocks_of(execution: Execution, mocks: MockSet, prefix: str = "") -> Dict[str, int]:
    """Planned attempts a run did not use, read from its tasks (for backends that cannot count
    them as they go, such as a server's test endpoint): each attempt of a mocked reference that
    left SCHEDULED used one."""
    out: Dict[str, int] = {}
    tasks = execution.workflow.get("tasks") or []
    for ref, planned in mocks.by_ref.items():
        used = sum(
            1
            for t in tasks
            if t.get("referenceTaskName") == ref
            and t.get("status") != "SCHEDULED"
            and t.get("taskType") not in OPERATORS
        )
        if planned.given - used > 0:
            out[prefix + ref] = planned.given - used
    for sub_ref, sub in mocks.sub_workflows.items():
        try:
            child = execution.sub_workflow(sub_ref)
        except (AssertionError, ConductorError):  # it never started one
            out.update(sub.unused(f"{prefix}{sub_ref}/"))
            continue
        out.update(unused_mocks_of(child, sub, f"{prefix}{sub_ref}/"))
    return out


def run_workflow(
    workflow: Any,
    input: Optional[Mapping[str, Any]] = None,
    mocks: Optional[Mapping[str, Any]] = None,
    workers: WorkersArg = None,
    backend: Optional[Backend] = None,
    *,
    sub_workflow_mocks: Optional[Mapping[str, Any]] = None,
    failure_workflow_mocks: Union[Mapping[str, Any], MockSet, None] = None,
    correlation_id: Optional[str] = None,
    task_to_domain: Optional[Mapping[str, str]] = None,
    strict: StrictnessArg = True,
) -> Execution:
    """Run ``workflow`` once on ``backend`` (default: a fresh in-memory engine); see :meth:`Harness.run`."""
    __tracebackhide__ = True
    return Harness(backend, strict=strict).run(
        workflow,
        input,
        mocks,
        workers,
        sub_workflow_mocks=sub_workflow_mocks,
        failure_workflow_mocks=failure_workflow_mocks,
        correlation_id=correlation_id,
        task_to_domain=task_to_domain,
    )
