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

from typing import Any, Iterable, List, Mapping, Optional, Union

from conductor_testkit.engine import OPERATORS, workers_by_type
from conductor_testkit.errors import DefinitionError
from conductor_testkit.testing.backend import Backend, BackendNotSupportedError
from conductor_testkit.testing.definition import task_types_by_ref, workflow_def_dict
from conductor_testkit.testing.execution import Execution
from conductor_testkit.testing.local import LocalBackend
from conductor_testkit.testing.mocks import MockSet

__all__ = ["Harness", "WorkersArg", "run_workflow"]

WorkersArg = Union[Iterable[Any], Mapping[str, Any], None]


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
    """

    def __init__(self, backend: Optional[Backend] = None) -> None:
        self.backend: Backend = backend if backend is not None else LocalBackend()
        self.executions: List[Execution] = []

    @property
    def backend_name(self) -> str:
        """``"local"``, ``"remote"`` or ``"live"``."""
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
        the sub-workflows a workflow starts by name, and TaskDefs whose retry settings a test
        relies on.
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
        correlation_id: Optional[str] = None,
        task_to_domain: Optional[Mapping[str, str]] = None,
    ) -> Execution:
        """Run ``workflow`` with ``input`` and return its :class:`Execution`.

        Args:
            workflow: a ConductorWorkflow, a WorkflowDef model or a WorkflowDef dict.
            input: the workflow input.
            mocks: task reference name -> mocked attempts (see :mod:`conductor_testkit.testing.mocks`).
            workers: ``@worker_task`` functions, ``Worker`` objects or ``{task_type: function}``
                (local backend only).
            sub_workflow_mocks: SUB_WORKFLOW reference name -> the mocks of the child it starts.
            correlation_id: the workflow's correlation id.
            task_to_domain: the workflow's task-to-domain map.
        """
        definition = workflow_def_dict(workflow)
        mock_set = MockSet.parse(mocks, sub_workflow_mocks)
        _check_mocks(definition, mock_set, task_types_by_ref(definition))
        execution = self.backend.run(
            definition,
            dict(input or {}),
            mock_set,
            workers_by_type(workers),
            correlation_id=correlation_id,
            task_to_domain=task_to_domain,
        )
        self.executions.append(execution)
        return execution

    def __repr__(self) -> str:
        return f"Harness({self.backend!r}, runs={len(self.executions)})"


def run_workflow(
    workflow: Any,
    input: Optional[Mapping[str, Any]] = None,
    mocks: Optional[Mapping[str, Any]] = None,
    workers: WorkersArg = None,
    backend: Optional[Backend] = None,
    *,
    sub_workflow_mocks: Optional[Mapping[str, Any]] = None,
    correlation_id: Optional[str] = None,
    task_to_domain: Optional[Mapping[str, str]] = None,
) -> Execution:
    """Run ``workflow`` once on ``backend`` (default: a fresh in-memory engine); see :meth:`Harness.run`."""
    return Harness(backend).run(
        workflow,
        input,
        mocks,
        workers,
        sub_workflow_mocks=sub_workflow_mocks,
        correlation_id=correlation_id,
        task_to_domain=task_to_domain,
    )
