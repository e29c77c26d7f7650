"""``RemoteBackend``: run a workflow on a real Conductor server through ``POST /workflow/test``.

The same mocks as the local backend go to the server's test endpoint (``taskRefToMockOutput``,
``subWorkflowTestRequest``), and the definition travels inline, so nothing needs registering
first. Mock functions and workers cannot run there (the server would have to call back into the
test); a clear error names the tasks concerned.

The server's loop stops as soon as its mock map is empty, returning the workflow as fetched one
step earlier (docs/semantics.md §6); a workflow whose last mocked task is followed by
a sub-workflow or a JOIN would come back half done. So the request carries one more mock key, for
a reference name no task has (:data:`KEEP_RUNNING_REF`): the map never empties and the server runs
until the workflow ends or a task has no mock left, which is what the local backend does too.
"""

from __future__ import annotations

from typing import Any, Dict, List, Mapping

from conductor_testkit.engine import OPERATORS
from conductor_testkit.testing.backend import BackendNotSupportedError, ServerBackend
from conductor_testkit.testing.execution import Blocker, Execution
from conductor_testkit.testing.mocks import MockSet

__all__ = ["KEEP_RUNNING_REF", "RemoteBackend"]

KEEP_RUNNING_REF = "__conductor_testkit_keep_running__"
_KEEP_RUNNING = [{"status": "COMPLETED", "output": {}}]


class RemoteBackend(ServerBackend):
    """Runs workflows on a real server's test endpoint.

    Args:
        server_url: the API root (``http://127.0.0.1:8080/api``); default ``$CONDUCTOR_SERVER_URL``.
        configuration: a ready :class:`~conductor_testkit.client.Configuration` instead of a URL.
    """

    name = "remote"
    supports_functions = False

    def _run(
        self,
        definition: Mapping[str, Any],
        request: Dict[str, Any],
        mocks: MockSet,
        workers: Mapping[str, Any],
        task_to_domain: Dict[str, str],
    ) -> Execution:
        """Send a WorkflowTestRequest and wrap the Workflow JSON the server answers."""
        name = definition.get("name")
        with_functions = mocks.refs_with_functions()
        if with_functions:
            raise BackendNotSupportedError(
                f"workflow {name!r}: mock functions run only on the local backend, but "
                f"{', '.join(repr(r) for r in with_functions)} "
                f"{'is' if len(with_functions) == 1 else 'are'} mocked with a function; on the "
                "remote backend give the mocked attempts as data (dicts or TaskMock)"
            )
        if workers:
            raise BackendNotSupportedError(
                f"workflow {name!r}: workers run only on the local backend (the remote backend uses "
                f"the server's test endpoint), but workers were given for {', '.join(sorted(workers))}; "
                "mock those tasks instead, or pin the test to the local backend"
            )
        task_mocks, sub_requests = mocks.to_test_request()
        request["taskRefToMockOutput"] = {**task_mocks, KEEP_RUNNING_REF: _KEEP_RUNNING}
        request["taskToDomain"] = task_to_domain
        if sub_requests:
            request["subWorkflowTestRequest"] = sub_requests
        body = {k: v for k, v in request.items() if v is not None}
        workflow = self.clients.get_workflow_client().test_workflow(body).to_dict()
        return Execution(workflow, backend=self.name, blocked=_blockers(workflow, mocks))


def _blockers(workflow: Mapping[str, Any], mocks: MockSet) -> List[Blocker]:
    if workflow.get("status") not in ("RUNNING", "PAUSED"):
        return []
    out: List[Blocker] = []
    for task in workflow.get("tasks") or []:
        if task.get("status") not in ("SCHEDULED", "IN_PROGRESS") or task.get("taskType") in OPERATORS:
            continue
        ref = str(task.get("referenceTaskName"))
        given = mocks.by_ref.get(ref)
        if given is not None and given.given:
            reason = (
                f"its {given.given} mocked attempt(s) are used up (the test endpoint stops at a task "
                f"without a mock); add more to mocks[{ref!r}]"
            )
        else:
            reason = (
                "no mock for it (the test endpoint stops at a task without a mock); "
                f"pass mocks={{{ref!r}: ...}}"
            )
        out.append(
            Blocker(
                ref,
                str(task.get("taskType")),
                str(task.get("status")),
                reason,
                str(workflow.get("workflowId")),
            )
        )
    if not out and workflow.get("status") == "PAUSED":
        out.append(Blocker("", "", "PAUSED", "the workflow is paused", str(workflow.get("workflowId"))))
    return out
