"""Going on with a run from the test: complete or fail a task, signal, let time pass.

An :class:`~conductor_testkit.testing.Execution` keeps a handle to the backend that ran it.
:class:`LocalRunHandle` continues on the engine (virtual time: ``advance`` fires what falls due,
in order, and the run's remaining mocks and its workers settle what becomes ready).
:class:`ServerRunHandle` continues on a real server through the task API and reads the run again
until it settles; a real server's clock cannot be moved.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any, Callable, Dict, List, Mapping, Optional, Protocol

from conductor_testkit.engine import WORKFLOW_TERMINAL
from conductor_testkit.errors import DefinitionError

if TYPE_CHECKING:  # pragma: no cover
    from conductor_testkit.engine import Engine, RunOutcome
    from conductor_testkit.testing.execution import Execution

__all__ = ["LocalRunHandle", "RunHandle", "ServerRunHandle"]

_OPEN = ("SCHEDULED", "IN_PROGRESS")


class RunHandle(Protocol):
    """What an Execution needs of the backend that ran it to go on with the run."""

    def related(self, workflow_id: str) -> Execution:
        """Another workflow of the run (a sub-workflow, the failure workflow), or the run again."""

    def update(
        self, execution: Execution, ref: str, status: str, output: Dict[str, Any], reason: Optional[str]
    ) -> Execution:
        """Settle the open task ``ref`` of the run and let the run go on."""

    def advance(self, execution: Execution, milliseconds: int) -> Execution:
        """Let time pass and the run go on."""


def open_task(
    read: Callable[[str], Mapping[str, Any]], workflow: Mapping[str, Any], ref: str
) -> Optional[Mapping[str, Any]]:
    """The open task ``ref`` of ``workflow`` or of its running sub-workflows (read by ``read``)."""
    tasks: List[Mapping[str, Any]] = sorted(workflow.get("tasks") or [], key=lambda t: t.get("seq") or 0)
    for task in reversed(tasks):
        if task.get("status") in _OPEN and ref in (task.get("referenceTaskName"), _base(task)):
            return {**task, "workflowInstanceId": workflow.get("workflowId")}
    for task in tasks:
        child = task.get("subWorkflowId")
        if task.get("taskType") == "SUB_WORKFLOW" and child and task.get("status") in _OPEN:
            found = open_task(read, read(str(child)), ref)
            if found is not None:
                return found
    return None


def _base(task: Mapping[str, Any]) -> str:
    ref = str(task.get("referenceTaskName"))
    return ref.split("__")[0] if "__" in ref else ref


def _no_open_task(execution: Execution, ref: str) -> DefinitionError:
    tasks = execution.workflow.get("tasks") or []
    open_refs = ", ".join(t["referenceTaskName"] for t in tasks if t.get("status") in _OPEN) or "none"
    return DefinitionError(
        f"workflow {execution.name!r}: no open task {ref!r} to settle (open tasks: {open_refs}; "
        f"the run is {execution.status})"
    )


def _result(
    task: Mapping[str, Any], status: str, output: Dict[str, Any], reason: Optional[str]
) -> Dict[str, Any]:
    merged = dict(task.get("outputData") or {})
    merged.update(output)
    result: Dict[str, Any] = {
        "taskId": task.get("taskId"),
        "workflowInstanceId": task.get("workflowInstanceId"),
        "status": status,
        "outputData": merged,
        "workerId": "conductor-testkit-test",
    }
    if reason is not None:
        result["reasonForIncompletion"] = reason
    return result


class LocalRunHandle:
    """Continues a run on the engine that ran it, with the mocks the run has left."""

    def __init__(self, engine: Engine, outcome: RunOutcome, backend: str = "local") -> None:
        self.engine = engine
        self.root_id = outcome.workflow_id
        self.settler = outcome.settler
        self.backend = backend

    def execution(self, outcome: RunOutcome) -> Execution:
        from conductor_testkit.testing.execution import Execution

        return Execution(
            outcome.snapshot,
            backend=self.backend,
            blocked=outcome.blocked,
            unused_mocks=outcome.unused_mocks,
            handle=self,
        )

    def related(self, workflow_id: str) -> Execution:
        from conductor_testkit.testing.execution import Execution

        if workflow_id == self.root_id:  # the run as it is: what blocks it, nothing moved
            return self.execution(self.engine.drive(self.root_id, self.settler, moves_clock=False))
        return Execution(self.engine.get_workflow(workflow_id), backend=self.backend, handle=self)

    def update(
        self, execution: Execution, ref: str, status: str, output: Dict[str, Any], reason: Optional[str]
    ) -> Execution:
        task = open_task(self.engine.get_workflow, self.engine.get_workflow(self.root_id), ref)
        if task is None:
            raise _no_open_task(execution, ref)
        self.engine.update_task(_result(task, status, output, reason))
        return self.execution(self.engine.drive(self.root_id, self.settler))

    def advance(self, execution: Execution, milliseconds: int) -> Execution:
        until = self.engine.clock.now_ms() + milliseconds
        return self.execution(self.engine.drive(self.root_id, self.settler, until_ms=until))


class ServerRunHandle:
    """Continues a run on a real server: the task API, then the run read again until it settles.

    Args:
        clients: the server's ``OrkesClients``.
        backend: the backend's name.
        settle_seconds: how long to wait for the server to move the run on after an update.
    """

    def __init__(self, clients: Any, backend: str, settle_seconds: float = 10.0) -> None:
        self.clients = clients
        self.backend = backend
        self.settle_seconds = settle_seconds

    def _read(self, workflow_id: str) -> Dict[str, Any]:
        return self.clients.get_workflow_client().get_workflow(workflow_id, include_tasks=True).to_dict()  # type: ignore[no-any-return]

    def related(self, workflow_id: str) -> Execution:
        from conductor_testkit.testing.execution import Execution

        return Execution(self._read(workflow_id), backend=self.backend, handle=self)

    def update(
        self, execution: Execution, ref: str, status: str, output: Dict[str, Any], reason: Optional[str]
    ) -> Execution:
        task = open_task(self._read, self._read(execution.workflow_id), ref)
        if task is None:
            raise _no_open_task(execution, ref)
        self.clients.get_task_client().update_task(_result(task, status, output, reason))
        return self.related_after_change(execution.workflow_id, str(task.get("taskId")))

    def related_after_change(self, workflow_id: str, task_id: str) -> Execution:
        """The run once the server has moved it on: ended, or the same for two reads in a row."""
        deadline = time.monotonic() + self.settle_seconds
        previous: Optional[Dict[str, Any]] = None
        while True:
            workflow = self._read(workflow_id)
            if workflow.get("status") in WORKFLOW_TERMINAL or time.monotonic() > deadline:
                break
            if previous is not None and _shape(previous) == _shape(workflow):
                break
            previous = workflow
            time.sleep(0.1)
        return self.related(workflow_id)

    def advance(self, execution: Execution, milliseconds: int) -> Execution:
        from conductor_testkit.testing.backend import BackendNotSupportedError

        raise BackendNotSupportedError(
            f"workflow {execution.name!r}: the {self.backend} backend runs on a real server, whose clock "
            "cannot be moved; pin the test to the local backend to let virtual time pass"
        )


def _shape(workflow: Mapping[str, Any]) -> List[Any]:
    return [workflow.get("status")] + [
        (t.get("taskId"), t.get("status")) for t in workflow.get("tasks") or []
    ]
