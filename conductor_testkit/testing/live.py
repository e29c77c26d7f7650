"""``LiveBackend``: run a workflow on a real server with real workers polling it, on wall time.

The workflow is started normally (its definition inline) with a task domain of its own, so only
this run's workers get its tasks even on a shared server. For every worker task type of the
definition, a worker polls that domain from a thread (the ordinary ``TaskHandler``) and settles
each task like the local backend does: by its mocks (per reference name), else its mock function,
else the real worker of its type. Mocked WAIT and HUMAN tasks are completed through the task API.
System tasks (INLINE, HTTP, JSON_JQ_TRANSFORM, ...) run on the server for real, so they cannot be
mocked here; neither can a mock's ``executionTime``.

Time is real: retry delays and WAIT durations take as long as they say. Register TaskDefs with
short delays for such tests (``Harness.register``). A run that cannot go on (a task with no mock and
no worker) stops at once and is terminated on the server; its :class:`Execution` says why.
"""

from __future__ import annotations

import copy
import threading
import time
import uuid
from typing import Any, Dict, List, Mapping, Optional, Set

from conductor_testkit.client import Configuration
from conductor_testkit.engine import unknown_type_note
from conductor_testkit.errors import ConflictError
from conductor_testkit.models import Task, TaskResult
from conductor_testkit.testing.backend import BackendNotSupportedError, ServerBackend
from conductor_testkit.testing.definition import walk_tasks
from conductor_testkit.testing.execution import Blocker, Execution
from conductor_testkit.testing.mocks import Attempt, MockSet, TaskMocks, outcome_of_function

__all__ = ["LiveBackend"]

_TERMINAL = frozenset({"COMPLETED", "FAILED", "TIMED_OUT", "TERMINATED"})
_LEAF_WAITS = frozenset({"WAIT", "HUMAN"})
_CONTAINERS = frozenset(
    {"SUB_WORKFLOW", "DO_WHILE", "FORK", "FORK_JOIN", "FORK_JOIN_DYNAMIC", "SWITCH", "DECISION", "JOIN"}
)
_WORKER_ID = "conductor-testkit-live"
# a task nobody may settle goes back to the queue for this long (the run is stopped before then)
_PARK_SECONDS = 3600


class _Dispatch:
    """The function of the worker of one task type: mocks, then mock functions, then the real worker."""

    def __init__(self, task_type: str, mocks: MockSet, worker: Any, lock: threading.Lock) -> None:
        self.task_type = task_type
        self.mocks = mocks
        self.worker = worker
        self.lock = lock
        self.parked: Set[str] = set()
        self.assertion: Optional[AssertionError] = None

    def __call__(self, task: Task) -> TaskResult:
        ref = str(task.reference_task_name)
        with self.lock:
            planned: Optional[TaskMocks] = self.mocks.by_ref.get(ref)
            attempt: Optional[Attempt] = planned.take() if planned is not None else None
        if attempt is not None and attempt.mock is not None:
            output = dict(task.output_data or {})
            output.update(copy.deepcopy(attempt.mock["output"]))
            return TaskResult(status=attempt.mock["status"], output_data=output)
        if attempt is not None and attempt.function is not None:
            try:
                status, output, reason, callback = outcome_of_function(
                    attempt.function(copy.deepcopy(dict(task.input_data or {})))
                )
            except AssertionError as exc:
                # a worker thread cannot end the test: keep the error for run() to raise
                self.assertion = self.assertion or exc
                status, output, reason, callback = (
                    "FAILED_WITH_TERMINAL_ERROR",
                    {},
                    f"AssertionError: {exc}",
                    0,
                )
            except Exception as exc:
                status, output, reason, callback = "FAILED", {}, f"{type(exc).__name__}: {exc}", 0
            return TaskResult(
                status=status,
                output_data=output,
                reason_for_incompletion=reason,
                callback_after_seconds=callback,
            )
        if self.worker is not None:
            try:
                return self.worker.execute(task, raise_errors=(AssertionError,))  # type: ignore[no-any-return]
            except AssertionError as exc:
                self.assertion = self.assertion or exc
                return TaskResult(
                    status="FAILED_WITH_TERMINAL_ERROR", reason_for_incompletion=f"AssertionError: {exc}"
                )
        with self.lock:
            self.parked.add(str(task.task_id))
        return TaskResult(status="IN_PROGRESS", callback_after_seconds=_PARK_SECONDS)


class LiveBackend(ServerBackend):
    """Runs workflows on a real server with in-process worker threads (wall-clock time).

    Args:
        server_url: the API root; default ``$CONDUCTOR_SERVER_URL``.
        configuration: a ready Configuration instead of a URL.
        timeout_seconds: the longest a run may take before it is stopped and reported blocked.
        poll_interval_millis: how often the workers poll and the run is checked.
    """

    name = "live"
    supports_functions = True

    def __init__(
        self,
        server_url: Optional[str] = None,
        *,
        configuration: Optional[Configuration] = None,
        timeout_seconds: float = 60.0,
        poll_interval_millis: float = 50.0,
    ) -> None:
        super().__init__(server_url, configuration=configuration)
        self.timeout_seconds = timeout_seconds
        self.poll_interval_millis = poll_interval_millis

    def _run(
        self,
        definition: Mapping[str, Any],
        request: Dict[str, Any],
        mocks: MockSet,
        workers: Mapping[str, Any],
        task_to_domain: Dict[str, str],
    ) -> Execution:
        """Start the workflow, run the workers until it ends or cannot go on, return its Execution."""
        from conductor_testkit.worker import TaskHandler, Worker

        worker_types, waits = _check_supported(definition, mocks)
        domain = f"testkit-{uuid.uuid4().hex[:12]}"
        lock = threading.Lock()
        dispatchers = {t: _Dispatch(t, mocks, workers.get(t), lock) for t in sorted(worker_types)}
        handler = TaskHandler(
            workers=[
                Worker(
                    task_type,
                    dispatch,
                    domain=domain,
                    worker_id=_WORKER_ID,
                    poll_interval_millis=self.poll_interval_millis,
                )
                for task_type, dispatch in dispatchers.items()
            ],
            configuration=self.configuration,
            scan_for_annotated_workers=False,
            use_threads=True,
            handle_signals=False,
            stop_timeout_seconds=10.0,
        )
        request["taskToDomain"] = {"*": domain, **task_to_domain}
        workflow_client = self.clients.get_workflow_client()
        task_client = self.clients.get_task_client()
        handler.start_processes()
        try:
            workflow_id = workflow_client.start_workflow({k: v for k, v in request.items() if v is not None})
            workflow = self._watch(workflow_id, mocks, waits, dispatchers, task_client, lock)
        finally:
            handler.stop_processes()
        blockers: List[Blocker] = []
        if workflow.get("status") not in _TERMINAL:
            blockers = _blockers(workflow, mocks, dispatchers, self.timeout_seconds)
            try:
                workflow_client.terminate_workflow(
                    workflow_id, reason="conductor-testkit: the live run stopped"
                )
            except ConflictError:  # it ended in the meantime: report how
                workflow = workflow_client.get_workflow(workflow_id, include_tasks=True).to_dict()
                blockers = []
        for dispatch in dispatchers.values():
            if dispatch.assertion is not None:
                raise dispatch.assertion
        return Execution(workflow, backend=self.name, blocked=blockers, unused_mocks=mocks.unused())

    def _watch(
        self,
        workflow_id: str,
        mocks: MockSet,
        waits: Set[str],
        dispatchers: Dict[str, _Dispatch],
        task_client: Any,
        lock: threading.Lock,
    ) -> Dict[str, Any]:
        workflow_client = self.clients.get_workflow_client()
        deadline = time.monotonic() + self.timeout_seconds
        stuck_on: Optional[List[Any]] = None
        while True:
            workflow = workflow_client.get_workflow(workflow_id, include_tasks=True).to_dict()
            if workflow.get("status") in _TERMINAL or time.monotonic() > deadline:
                return workflow  # type: ignore[no-any-return]
            open_tasks = [
                t for t in workflow.get("tasks") or [] if t.get("status") in ("SCHEDULED", "IN_PROGRESS")
            ]
            progressed = False
            for task in open_tasks:
                ref = str(task.get("referenceTaskName"))
                if task.get("taskType") in waits and task.get("status") == "IN_PROGRESS":
                    with lock:
                        planned = mocks.by_ref.get(ref)
                        attempt = planned.take() if planned is not None else None
                    if attempt is not None and attempt.mock is not None:
                        task_client.update_task_by_ref_name(
                            workflow_id, ref, attempt.mock["status"], attempt.mock["output"], _WORKER_ID
                        )
                        progressed = True
            # a worker may take a mock between the fetch and this check: a run is stuck only when two
            # fetches in a row see the same open tasks and both judge them stuck
            state = [(t.get("taskId"), t.get("status")) for t in open_tasks]
            if progressed or not _stuck(open_tasks, mocks, dispatchers, waits):
                stuck_on = None
            elif stuck_on == state:
                return workflow  # type: ignore[no-any-return]
            else:
                stuck_on = state
            time.sleep(self.poll_interval_millis / 1000.0)


def _check_supported(definition: Mapping[str, Any], mocks: MockSet) -> Any:
    """(worker task types, mocked WAIT/HUMAN types); raises for what a live run cannot do."""
    name = definition.get("name")
    if mocks.sub_workflows:
        raise BackendNotSupportedError(
            f"workflow {name!r}: the live backend cannot mock tasks of sub-workflows "
            f"({', '.join(sorted(mocks.sub_workflows))}); give the child's workers instead"
        )
    worker_types: Set[str] = set()
    types_by_ref: Dict[str, str] = {}
    for site in walk_tasks(list(definition.get("tasks") or [])):
        types_by_ref[site.ref] = site.type
        if site.type == "SIMPLE":
            worker_types.add(str(site.task.get("name")))
    waits: Set[str] = set()
    for ref, planned in mocks.by_ref.items():
        ttype = types_by_ref.get(ref) or types_by_ref.get(ref.split("__")[0])
        if any(
            a.mock is not None and (a.mock["executionTime"] or a.mock["queueWaitTime"])
            for a in planned.attempts
        ):
            raise BackendNotSupportedError(
                f"workflow {name!r}: the live backend runs on wall time; mocks[{ref!r}] sets "
                "executionTime or queueWaitTime, which only the local and remote backends can simulate"
            )
        if ttype in _LEAF_WAITS:
            if planned.has_functions:
                raise BackendNotSupportedError(
                    f"workflow {name!r}: {ttype} task {ref!r} can be mocked with data only "
                    "on the live backend"
                )
            waits.add(ttype)
        elif ttype not in (None, "SIMPLE"):
            raise BackendNotSupportedError(
                f"workflow {name!r}: task {ref!r} is a {ttype}, which the server runs by itself on the live "
                "backend; run this test on the local or remote backend to mock it"
            )
    return worker_types, waits


def _stuck(
    open_tasks: List[Dict[str, Any]], mocks: MockSet, dispatchers: Dict[str, _Dispatch], waits: Set[str]
) -> bool:
    """Whether every open leaf task is one no mock and no worker will ever settle."""
    leaves = [t for t in open_tasks if t.get("taskType") not in _CONTAINERS]
    if not leaves:
        return False
    return all(_why_stuck(t, mocks, dispatchers, waits) is not None for t in leaves)


def _why_stuck(
    task: Mapping[str, Any], mocks: MockSet, dispatchers: Dict[str, _Dispatch], waits: Set[str]
) -> Optional[str]:
    ref = str(task.get("referenceTaskName"))
    ttype = str(task.get("taskType"))
    planned = mocks.by_ref.get(ref)
    exhausted = planned is not None and planned.exhausted
    if ttype in _LEAF_WAITS:
        if planned is None:
            return f"the {ttype} task waits to be completed; mock it: mocks={{{ref!r}: {{}}}}"
        return (
            f"its {planned.given} mocked attempt(s) are used up; add more to mocks[{ref!r}]"
            if exhausted
            else None
        )
    dispatch = dispatchers.get(ttype)
    if dispatch is None or dispatch.worker is not None:
        # a system task the server runs, a type outside the definition (dynamic), or a real worker
        return None
    if planned is None:
        return (
            f"no mock, mock function or worker for it (task type {ttype!r}); "
            f"pass mocks={{{ref!r}: ...}} or a worker for {ttype!r}" + unknown_type_note(task)
        )
    # the last planned attempt may be in flight (IN_PROGRESS): only a queued or parked task is stuck
    if exhausted and (task.get("status") == "SCHEDULED" or str(task.get("taskId")) in dispatch.parked):
        return f"its {planned.given} mocked attempt(s) are used up; add more to mocks[{ref!r}]"
    return None


def _blockers(
    workflow: Mapping[str, Any], mocks: MockSet, dispatchers: Dict[str, _Dispatch], timeout_seconds: float
) -> List[Blocker]:
    out: List[Blocker] = []
    for task in workflow.get("tasks") or []:
        if task.get("status") not in ("SCHEDULED", "IN_PROGRESS") or task.get("taskType") in _CONTAINERS:
            continue
        reason = _why_stuck(task, mocks, dispatchers, set(_LEAF_WAITS))
        if reason is None:
            reason = f"still {task.get('status')} when the run stopped after {timeout_seconds:.0f} s"
        out.append(
            Blocker(
                str(task.get("referenceTaskName")),
                str(task.get("taskType")),
                str(task.get("status")),
                reason,
                str(workflow.get("workflowId")),
            )
        )
    return out
