"""``RemoteBackend``: run a workflow on a real Conductor server through ``POST /workflow/test``.

The same mocks as the local backend go to the server's test endpoint (``taskRefToMockOutput``,
``subWorkflowTestRequest``), and the definition travels inline, so nothing needs registering
first. Mock functions and workers cannot run there (the server would have to call back into the
test); a clear error names the tasks concerned, before anything is sent.

The server's loop stops as soon as its mock map is empty, returning the workflow as fetched one
step earlier (docs/semantics.md §6); a workflow whose last mocked task is
followed by a sub-workflow or a JOIN would come back half done. So the request carries one more
mock key, for a reference name no task has (:data:`KEEP_RUNNING_REF`): the map never empties and
the server runs until the workflow ends or a task has no mock left, which is what the local
backend does too.

The endpoint also stops at the first open task that has no mock, a system task included, and
answers with the workflow as it last read it: an HTTP call, a jq transform or a JOIN the server
runs in the background may be open there and finish a moment later, and the mocked tasks after it
were never reached. So a workflow that is not final goes on as the endpoint would have gone on:
it is read again by its id, and each open task whose mocks the endpoint did not use yet gets its
next attempt through the task API (a TaskResult built from the task, as the endpoint builds it).
This repeats until the workflow is final (the Execution's notes say the harness went on), until
every open task waits for something only the test could give and two reads in a row agree, or
until ``settle_timeout_seconds`` pass (the blockers say which).
"""

from __future__ import annotations

import time
from typing import Any, Dict, List, Mapping, Optional, Tuple

from conductor_testkit.client import Configuration
from conductor_testkit.engine import OPERATORS
from conductor_testkit.testing.backend import BackendNotSupportedError, ServerBackend
from conductor_testkit.testing.execution import Blocker, Execution
from conductor_testkit.testing.mocks import MockSet
from conductor_testkit.testing.server_runs import (
    FAILURE_WORKFLOW_ID_SECONDS,
    OPEN,
    OpenTask,
    RunFamily,
    expects_failure_workflow,
    is_worker_task,
    read_failure_workflow_id,
    read_family,
    timed_wait_seconds,
)

__all__ = ["KEEP_RUNNING_REF", "RemoteBackend"]

KEEP_RUNNING_REF = "__conductor_testkit_keep_running__"
_KEEP_RUNNING = [{"status": "COMPLETED", "output": {}}]
_EMPTY = MockSet({}, {})
# what the endpoint writes straight into its store: the task API cannot apply these attempts
_ENDPOINT_ONLY = "an IN_PROGRESS attempt or one with executionTime/queueWaitTime"


class RemoteBackend(ServerBackend):
    """Runs workflows on a real server's test endpoint.

    Args:
        server_url: the API root (``http://127.0.0.1:8080/api``); default ``$CONDUCTOR_SERVER_URL``.
        configuration: a ready :class:`~conductor_testkit.client.Configuration` instead of a URL.
        settle_timeout_seconds: how long a workflow the endpoint answered before it ended is read
            again while the server still works on it.
        poll_interval_millis: the pause between two of those reads.
    """

    name = "remote"
    supports_functions = False

    def __init__(
        self,
        server_url: Optional[str] = None,
        *,
        configuration: Optional[Configuration] = None,
        settle_timeout_seconds: float = 10.0,
        poll_interval_millis: float = 50.0,
    ) -> None:
        super().__init__(server_url, configuration=configuration)
        self.settle_timeout_seconds = settle_timeout_seconds
        self.poll_interval_millis = poll_interval_millis

    def _run(
        self,
        definition: Mapping[str, Any],
        request: Dict[str, Any],
        mocks: MockSet,
        workers: Mapping[str, Any],
        task_to_domain: Dict[str, str],
    ) -> Execution:
        """Send a WorkflowTestRequest, then go on until the workflow is final or waits for the test."""
        _check_supported(definition, mocks, workers)
        task_mocks, sub_requests = mocks.to_test_request()
        request["taskRefToMockOutput"] = {**task_mocks, KEEP_RUNNING_REF: _KEEP_RUNNING}
        request["taskToDomain"] = task_to_domain
        if sub_requests:
            request["subWorkflowTestRequest"] = sub_requests
        body = {k: v for k, v in request.items() if v is not None}
        answer = self.clients.get_workflow_client().test_workflow(body).to_dict()
        started = time.monotonic()
        answered = read_family(self.clients.get_workflow_client(), answer)
        stopped_at = [t for t in answered.open_leaves() if _unmocked(t, _scopes(answered, mocks))]
        family, applied = self._go_on(answered, mocks)
        notes: List[str] = []
        if not answered.is_final and family.is_final:
            went_on = f"applied the next mocks of {', '.join(applied)} and " if applied else ""
            notes.append(
                f"the test endpoint answered while the workflow was {answer.get('status')}, stopped at "
                f"{_names(stopped_at or answered.open_leaves())}; the harness {went_on}read the "
                f"workflow again until it ended {family.root.get('status')}, "
                f"{time.monotonic() - started:.1f} s later"
            )
        blockers = [] if family.is_final else _blockers(family, mocks, stopped_at, self)
        return Execution(family.root, backend=self.name, blocked=blockers, notes=notes)

    def _go_on(self, family: RunFamily, mocks: MockSet) -> Tuple[RunFamily, List[str]]:
        """Read and apply mocks until final, waiting for the test (two equal reads), or the deadline."""
        workflow_client = self.clients.get_workflow_client()
        task_client = self.clients.get_task_client()
        workflow_id = str(family.root.get("workflowId"))
        deadline = time.monotonic() + self.settle_timeout_seconds
        applied: List[str] = []
        previous: Optional[Tuple[Any, ...]] = None
        while not family.is_final and family.root.get("status") != "PAUSED":
            scopes = _scopes(family, mocks)
            moved = False
            for task in family.open_leaves():
                attempt = _next_attempt(task, family, scopes)
                if attempt is not None and attempt is not _ENDPOINT_ONLY:
                    task_client.update_task(_task_result(task, attempt))
                    applied.append(task.ref)
                    moved = True
            left = deadline - time.monotonic()
            leaves = family.open_leaves()
            state = family.state()
            if not moved:
                if leaves and all(_waits_for_the_test(t, left) for t in leaves) and state == previous:
                    break
                if left <= 0:
                    break
                previous = state
                time.sleep(self.poll_interval_millis / 1000.0)
            root = workflow_client.get_workflow(workflow_id, include_tasks=True).to_dict()
            family = read_family(workflow_client, root)
        if family.is_final and expects_failure_workflow(family.root):
            # the answer or the last read may precede the output the server writes last
            root = read_failure_workflow_id(
                workflow_client,
                family.root,
                min(deadline, time.monotonic() + FAILURE_WORKFLOW_ID_SECONDS),
                self.poll_interval_millis / 1000.0,
            )
            family = RunFamily([root, *family.workflows[1:]])
        return family, applied


def _check_supported(definition: Mapping[str, Any], mocks: MockSet, workers: Mapping[str, Any]) -> None:
    """Refuse, before anything is sent, what only the backends running code here can do."""
    name = definition.get("name")
    with_functions = mocks.refs_with_functions()
    if with_functions:
        raise BackendNotSupportedError(
            f"workflow {name!r}: mock functions run only on the local and live backends, but "
            f"{', '.join(repr(r) for r in with_functions)} "
            f"{'is' if len(with_functions) == 1 else 'are'} mocked with a function; on the "
            "remote backend give the mocked attempts as data (dicts or TaskMock)"
        )
    if workers:
        raise BackendNotSupportedError(
            f"workflow {name!r}: workers run only on the local and live backends (the remote backend "
            f"uses the server's test endpoint), but workers were given for {', '.join(sorted(workers))}; "
            "mock those tasks instead, or run the test on the local or live backend"
        )


def _scopes(family: RunFamily, mocks: MockSet) -> Dict[str, MockSet]:
    """Workflow id -> the mocks the test gave for it (a child's: its SUB_WORKFLOW's sub-mocks)."""
    scopes: Dict[str, MockSet] = {str(family.root.get("workflowId")): mocks}
    for workflow in family.workflows:
        own = scopes.get(str(workflow.get("workflowId")), _EMPTY)
        for task in workflow.get("tasks") or []:
            if task.get("taskType") == "SUB_WORKFLOW" and task.get("subWorkflowId"):
                child = own.sub_workflows.get(str(task.get("referenceTaskName")), _EMPTY)
                scopes.setdefault(str(task["subWorkflowId"]), child)
    return scopes


def _ended_attempts(task: OpenTask, family: RunFamily) -> int:
    """How many attempts of the task's reference have ended (each used one mocked attempt)."""
    for workflow in family.workflows:
        if str(workflow.get("workflowId")) == task.workflow_id:
            return sum(
                1
                for t in workflow.get("tasks") or []
                if t.get("referenceTaskName") == task.ref and t.get("status") not in OPEN
            )
    return 0


def _next_attempt(task: OpenTask, family: RunFamily, scopes: Mapping[str, MockSet]) -> Any:
    """The wire mock the endpoint would apply to this open task next; None when there is none
    left, :data:`_ENDPOINT_ONLY` when only the endpoint itself could apply what the test gave."""
    if task.type in OPERATORS:
        return None
    planned = scopes.get(task.workflow_id, _EMPTY).by_ref.get(task.ref)
    if planned is None:
        return None
    wire = planned.wire()
    if any(m["status"] == "IN_PROGRESS" or m["executionTime"] or m["queueWaitTime"] for m in wire):
        # such attempts do not end the task (or change its times): the attempts used cannot be counted
        return _ENDPOINT_ONLY
    used = _ended_attempts(task, family)
    return wire[used] if used < len(wire) else None


def _task_result(task: OpenTask, mock: Mapping[str, Any]) -> Dict[str, Any]:
    """The TaskResult the endpoint builds for a mocked attempt: the task's own fields, the mock's
    status, the mock's output over the task's."""
    return {
        "workflowInstanceId": task.workflow_id,
        "taskId": task.task.get("taskId"),
        "status": mock["status"],
        "outputData": {**(task.task.get("outputData") or {}), **mock["output"]},
        "reasonForIncompletion": task.task.get("reasonForIncompletion"),
        "callbackAfterSeconds": task.task.get("callbackAfterSeconds"),
        "workerId": task.task.get("workerId"),
    }


def _waits_for_the_test(task: OpenTask, seconds_left: float) -> bool:
    """Whether only the test could move this open task (the server will not, soon enough)."""
    if is_worker_task(task.task) or task.type == "HUMAN":
        return True
    if task.type == "WAIT":
        waits = timed_wait_seconds(task.task)
        return waits is None or waits > seconds_left
    return False


def _unmocked(task: OpenTask, scopes: Mapping[str, MockSet]) -> bool:
    """An open task the endpoint stops at: not an operator, and no mock key for it."""
    return task.type not in OPERATORS and task.ref not in scopes.get(task.workflow_id, _EMPTY).by_ref


def _names(tasks: List[OpenTask]) -> str:
    return ", ".join(f"{t.ref} ({t.type}, {t.status})" for t in tasks) or "no open task"


def _blockers(
    family: RunFamily, mocks: MockSet, stopped_at: List[OpenTask], backend: RemoteBackend
) -> List[Blocker]:
    root = family.root
    root_id = str(root.get("workflowId"))
    if root.get("status") == "PAUSED":
        return [Blocker("", "", "PAUSED", "the workflow is paused", root_id)]
    scopes = _scopes(family, mocks)
    out = [
        Blocker(t.ref, t.type, t.status, _why_open(t, family, scopes, stopped_at, backend), t.workflow_id)
        for t in family.open_leaves()
    ]
    if not out:
        out.append(
            Blocker(
                "",
                "",
                str(root.get("status")),
                f"the workflow is still {root.get('status')} after reading it again for "
                f"{backend.settle_timeout_seconds:g} s",
                root_id,
            )
        )
    return out


def _why_open(
    task: OpenTask,
    family: RunFamily,
    scopes: Mapping[str, MockSet],
    stopped_at: List[OpenTask],
    backend: RemoteBackend,
) -> str:
    ref = task.ref
    waits = timed_wait_seconds(task.task)
    if waits is not None:
        return (
            f"the WAIT ends {waits} s after it started, and the test endpoint does not wait for "
            f"timers; mock it: mocks={{{ref!r}: {{}}}}"
        )
    if not (is_worker_task(task.task) or task.type in ("HUMAN", "WAIT")):
        return (
            f"still {task.status} after reading the workflow again for "
            f"{backend.settle_timeout_seconds:g} s (RemoteBackend(settle_timeout_seconds=...) waits longer)"
        )
    planned = scopes.get(task.workflow_id, _EMPTY).by_ref.get(ref)
    if planned is None or not planned.given:
        return (
            "no mock for it (the test endpoint stops at a task without a mock); "
            f"pass mocks={{{ref!r}: ...}}"
        )
    others = [t for t in stopped_at if (t.ref, t.workflow_id) != (ref, task.workflow_id)]
    if _next_attempt(task, family, scopes) is _ENDPOINT_ONLY and others:
        return (
            f"its mocks include {_ENDPOINT_ONLY}, which only the test endpoint can apply, and it had "
            f"answered before this task was scheduled (it stops at the first open task without a "
            f"mock: {_names(others)})"
        )
    return (
        f"its {planned.given} mocked attempt(s) are used up (the test endpoint stops at a task without "
        f"a mock); add more to mocks[{ref!r}]"
    )
