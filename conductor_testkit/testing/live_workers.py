"""The worker side of a live run: who settles each task the server hands to this test's workers.

A live run has a task domain of its own; the server queues every worker task of the run (its
sub-workflows and its failure workflow included, which inherit the domain) there. For each task
type seen, a worker thread polls that domain and settles what it gets like the local backend:
by the next mocked attempt of the task's reference name, else its mock function, else the real
worker of its type; a task nobody may settle is parked (the run then stops as blocked).

Mocks are per workflow: the root's are the test's ``mocks``, a sub-workflow's are the
``sub_workflow_mocks`` of the SUB_WORKFLOW task that started it, any other workflow (a failure
workflow) has none. :class:`Scopes` finds the workflow of a task by asking the server when it has
not seen it yet, so a worker never has to wait for the watcher.
"""

from __future__ import annotations

import copy
import threading
from typing import Any, Dict, List, Mapping, Optional, Set

from conductor_testkit.models import Task, TaskResult
from conductor_testkit.testing.mocks import Attempt, MockSet, outcome_of_function
from conductor_testkit.testing.server_runs import RunFamily

__all__ = ["EMPTY", "WORKER_ID", "LiveRun", "Scopes"]

WORKER_ID = "conductor-testkit-live"
EMPTY = MockSet({}, {})
# a task nobody may settle goes back to the queue for this long (the run is stopped before then)
_PARK_SECONDS = 3600
# how long a worker that took a task of an unknown workflow waits to learn whether it is the root
_ROOT_ID_SECONDS = 30.0


class Scopes:
    """Workflow id -> the mocks of that workflow (see the module docstring)."""

    def __init__(self, mocks: MockSet, clients: Any, lock: threading.Lock) -> None:
        self.mocks = mocks
        self.clients = clients
        self.lock = lock
        self._of: Dict[str, MockSet] = {}
        # a worker may poll the first task before start_workflow has returned the root's id
        self._root_known = threading.Event()

    def set_root(self, workflow_id: str) -> None:
        with self.lock:
            self._of[workflow_id] = self.mocks
        self._root_known.set()

    def set_unmocked(self, workflow_id: str) -> None:
        """A workflow the test gave no mocks for (a failure workflow)."""
        with self.lock:
            self._of.setdefault(workflow_id, EMPTY)

    def learn(self, family: RunFamily) -> None:
        """Record the scopes of the sub-workflows seen in ``family`` (parents come first)."""
        with self.lock:
            for workflow in family.workflows:
                own = self._of.get(str(workflow.get("workflowId")))
                if own is None:
                    continue
                for task in workflow.get("tasks") or []:
                    child_id = task.get("subWorkflowId")
                    if task.get("taskType") == "SUB_WORKFLOW" and child_id:
                        child = own.sub_workflows.get(str(task.get("referenceTaskName")), EMPTY)
                        self._of.setdefault(str(child_id), child)

    def of(self, workflow_id: str) -> MockSet:
        """The mocks of ``workflow_id``, asking the server for its parent when it is new."""
        with self.lock:
            known = self._of.get(workflow_id)
        if known is not None:
            return known
        workflow = self.clients.get_workflow_client().get_workflow(workflow_id, include_tasks=False)
        if not workflow.parent_workflow_id and self._root_known.wait(timeout=_ROOT_ID_SECONDS):
            with self.lock:
                known = self._of.get(workflow_id)
            if known is not None:
                return known
        scope = EMPTY
        if workflow.parent_workflow_id and workflow.parent_workflow_task_id:
            parent = self.of(str(workflow.parent_workflow_id))
            started_by = self.clients.get_task_client().get_task(str(workflow.parent_workflow_task_id))
            scope = parent.sub_workflows.get(str(started_by.reference_task_name), EMPTY)
        with self.lock:
            return self._of.setdefault(workflow_id, scope)


class LiveRun:
    """The shared state of one live run: mocks per workflow, workers, parked tasks, worker threads.

    Args:
        scopes: the mocks per workflow.
        workers: task type -> the test's real worker.
        domain: the run's task domain.
        configuration: the server's client configuration.
        poll_interval_millis: how often the worker threads poll.
    """

    def __init__(
        self,
        scopes: Scopes,
        workers: Mapping[str, Any],
        domain: str,
        configuration: Any,
        poll_interval_millis: float,
    ) -> None:
        self.scopes = scopes
        self.lock = scopes.lock
        self.workers = dict(workers)
        self.domain = domain
        self.configuration = configuration
        self.poll_interval_millis = poll_interval_millis
        self.parked: Set[str] = set()
        self.assertion: Optional[AssertionError] = None
        self._served: Set[str] = set()
        self._handlers: List[Any] = []

    # -- worker threads --------------------------------------------------------------------------

    def serve(self, task_types: Any) -> None:
        """Start polling the run's domain for each of ``task_types`` not polled yet."""
        from conductor_testkit.worker import TaskHandler, Worker

        new = sorted(set(task_types) - self._served)
        if not new:
            return
        self._served.update(new)
        handler = TaskHandler(
            workers=[
                Worker(
                    task_type,
                    _Dispatch(task_type, self),
                    domain=self.domain,
                    worker_id=WORKER_ID,
                    poll_interval_millis=self.poll_interval_millis,
                )
                for task_type in new
            ],
            configuration=self.configuration,
            scan_for_annotated_workers=False,
            use_threads=True,
            handle_signals=False,
            stop_timeout_seconds=10.0,
        )
        handler.start_processes()
        self._handlers.append(handler)

    def stop(self) -> None:
        for handler in self._handlers:
            handler.stop_processes()
        self._handlers.clear()

    # -- settling --------------------------------------------------------------------------------

    def next_attempt(self, workflow_id: str, ref: str) -> Optional[Attempt]:
        scope = self.scopes.of(workflow_id)
        with self.lock:
            planned = scope.by_ref.get(ref)
            return planned.take() if planned is not None else None

    def keep(self, error: AssertionError) -> None:
        """An assertion in test code run by a worker thread: run() raises it once the run is over."""
        with self.lock:
            self.assertion = self.assertion or error


class _Dispatch:
    """The function of the worker of one task type: mocks, then mock functions, then the real worker."""

    def __init__(self, task_type: str, run: LiveRun) -> None:
        self.task_type = task_type
        self.run = run

    def __call__(self, task: Task) -> TaskResult:
        run = self.run
        attempt = run.next_attempt(str(task.workflow_instance_id), str(task.reference_task_name))
        if attempt is not None and attempt.mock is not None:
            output = dict(task.output_data or {})
            output.update(copy.deepcopy(attempt.mock["output"]))
            return TaskResult(status=attempt.mock["status"], output_data=output)
        if attempt is not None and attempt.function is not None:
            return self._call(attempt.function, task)
        worker = run.workers.get(self.task_type)
        if worker is not None:
            try:
                return worker.execute(task, raise_errors=(AssertionError,))  # type: ignore[no-any-return]
            except AssertionError as exc:
                run.keep(exc)
                return TaskResult(
                    status="FAILED_WITH_TERMINAL_ERROR", reason_for_incompletion=f"AssertionError: {exc}"
                )
        with run.lock:
            run.parked.add(str(task.task_id))
        return TaskResult(status="IN_PROGRESS", callback_after_seconds=_PARK_SECONDS)

    def _call(self, function: Any, task: Task) -> TaskResult:
        try:
            status, output, reason, callback = outcome_of_function(
                function(copy.deepcopy(dict(task.input_data or {})))
            )
        except AssertionError as exc:
            # a worker thread cannot end the test: run() raises it after the run
            self.run.keep(exc)
            status, output, reason, callback = "FAILED_WITH_TERMINAL_ERROR", {}, f"AssertionError: {exc}", 0
        except Exception as exc:
            status, output, reason, callback = "FAILED", {}, f"{type(exc).__name__}: {exc}", 0
        return TaskResult(
            status=status, output_data=output, reason_for_incompletion=reason, callback_after_seconds=callback
        )
