"""WorkflowClient: start, execute, inspect and operate workflow executions (``/workflow/...``)."""

from __future__ import annotations

import time
import uuid
from typing import Any, Callable, Dict, List, Optional, Type, Union

from conductor_testkit.client.api_client import (
    ApiClient,
    ResourceClient,
    is_missing_route,
    path_segment,
    to_body,
    to_model,
)
from conductor_testkit.client.configuration import Configuration
from conductor_testkit.errors import ApiError
from conductor_testkit.models import (
    RerunWorkflowRequest,
    SearchResultWorkflowSummary,
    SkipTaskRequest,
    StartWorkflowRequest,
    TaskStatus,
    Workflow,
    WorkflowDef,
    WorkflowRun,
    WorkflowStatus,
    WorkflowStatusSummary,
    WorkflowTestRequest,
)
from conductor_testkit.models.base import wire


def _is_terminal(enum: Union[Type[WorkflowStatus], Type[TaskStatus]], status: Any) -> bool:
    try:
        return enum(wire(status)).is_terminal
    except ValueError:  # None, or a status this package does not know: not (yet) terminal
        return False


class WorkflowClient(ResourceClient):
    """Operations on workflow executions, with the official SDK's names and signatures.

    Request bodies may be models or wire dicts.
    """

    def __init__(
        self,
        configuration: Optional[Configuration] = None,
        api_client: Optional[ApiClient] = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(configuration, api_client)
        self._sleep = sleep
        self._clock = clock

    # -- starting --------------------------------------------------------------------------------

    def start_workflow(self, start_workflow_request: Union[StartWorkflowRequest, dict]) -> str:
        """Start a workflow; returns its id."""
        body = to_body(StartWorkflowRequest, start_workflow_request, "start_workflow_request")
        return self.api_client.call_text("POST", "/workflow", json_body=body)

    def start_workflow_by_name(
        self,
        name: str,
        input: Optional[Dict[str, Any]] = None,
        version: Optional[int] = None,
        correlation_id: Optional[str] = None,
        priority: Optional[int] = None,
    ) -> str:
        """Start the workflow ``name`` with ``input``; returns its id."""
        return self.api_client.call_text(
            "POST",
            f"/workflow/{path_segment(name)}",
            params={"version": version, "correlationId": correlation_id, "priority": priority},
            json_body=input or {},
        )

    def execute_workflow(
        self,
        start_workflow_request: Union[StartWorkflowRequest, dict],
        request_id: Optional[str] = None,
        wait_until_task_ref: Optional[str] = None,
        wait_for_seconds: int = 30,
    ) -> WorkflowRun:
        """Start a workflow and wait up to ``wait_for_seconds`` for it to end.

        Uses the server's ``POST /workflow/execute/{name}/{version}``. It returns when the workflow
        is terminal, when the task ``wait_until_task_ref`` has run, or when the time is up (then
        the run is still RUNNING; that is not an error). A server without that route is served by
        starting the workflow and polling it (every 0.1 s, then slower), with the same three exits.
        """
        request = to_model(StartWorkflowRequest, start_workflow_request, "start_workflow_request")
        request_id = request_id or str(uuid.uuid4())
        name = request.name or (request.workflow_def.name if request.workflow_def else None) or ""
        version = request.version
        if version is None and request.workflow_def is not None:
            version = request.workflow_def.version
        if version is None:
            version = self._latest_version(name)
        try:
            body = self.api_client.call_json(
                "POST",
                f"/workflow/execute/{path_segment(name)}/{path_segment(version)}",
                params={
                    "requestId": request_id,
                    "waitUntilTaskRef": wait_until_task_ref,
                    "waitForSeconds": wait_for_seconds,
                },
                json_body=request.to_dict(),
                read_timeout_seconds=wait_for_seconds + 30.0,
            )
        except ApiError as exc:
            if not is_missing_route(exc):
                raise
            return self._start_and_wait(request, request_id, wait_until_task_ref, wait_for_seconds)
        run = WorkflowRun.from_dict(body or {})
        if run.request_id is None:
            run.request_id = request_id
        return run

    def _latest_version(self, name: str) -> int:
        definition = WorkflowDef.from_dict(
            self.api_client.get_json(f"/metadata/workflow/{path_segment(name)}") or {}
        )
        return definition.version or 1

    def _start_and_wait(
        self,
        request: StartWorkflowRequest,
        request_id: str,
        wait_until_task_ref: Optional[str],
        wait_for_seconds: float,
    ) -> WorkflowRun:
        workflow_id = self.start_workflow(request)
        deadline = self._clock() + wait_for_seconds
        interval = 0.1
        while True:
            workflow = self.get_workflow(workflow_id, include_tasks=True)
            if _is_terminal(WorkflowStatus, workflow.status):
                break
            if wait_until_task_ref is not None:
                task = workflow.get_task(wait_until_task_ref)
                if task is not None and _is_terminal(TaskStatus, task.status):
                    break
            remaining = deadline - self._clock()
            if remaining <= 0:
                break
            self._sleep(min(interval, remaining))
            interval = min(interval * 2, 1.0)
        return WorkflowRun.from_workflow(workflow, request_id)

    # -- reading ---------------------------------------------------------------------------------

    def get_workflow(self, workflow_id: str, include_tasks: Optional[bool] = True) -> Workflow:
        """The execution (with its tasks unless ``include_tasks`` is False)."""
        return self.api_client.call_model(
            Workflow, "GET", f"/workflow/{path_segment(workflow_id)}", params={"includeTasks": include_tasks}
        )

    def get_workflow_status(
        self,
        workflow_id: str,
        include_output: Optional[bool] = None,
        include_variables: Optional[bool] = None,
    ) -> WorkflowStatusSummary:
        """Id, correlation id and status; output and variables when asked for."""
        return self.api_client.call_model(
            WorkflowStatusSummary,
            "GET",
            f"/workflow/{path_segment(workflow_id)}/status",
            params={"includeOutput": include_output, "includeVariables": include_variables},
        )

    def search(
        self,
        start: int = 0,
        size: int = 100,
        free_text: str = "*",
        query: Optional[str] = None,
        sort: Optional[str] = None,
    ) -> SearchResultWorkflowSummary:
        """Search executions: ``query`` like ``workflowType = 'x' AND status = 'RUNNING'``."""
        return self.api_client.call_model(
            SearchResultWorkflowSummary,
            "GET",
            "/workflow/search",
            params={"start": start, "size": size, "freeText": free_text, "query": query, "sort": sort},
        )

    def get_by_correlation_ids(
        self,
        workflow_name: str,
        correlation_ids: List[str],
        include_closed: bool = False,
        include_tasks: bool = False,
        include_completed: Optional[bool] = None,
    ) -> Dict[str, List[Workflow]]:
        """Executions of ``workflow_name`` per correlation id (running ones only unless
        ``include_closed``; ``include_completed`` is the official SDK's name for it)."""
        if include_completed is not None:
            include_closed = include_completed
        body = (
            self.api_client.call_json(
                "POST",
                f"/workflow/{path_segment(workflow_name)}/correlated",
                params={"includeClosed": include_closed, "includeTasks": include_tasks},
                json_body=list(correlation_ids),
                idempotent=True,
            )
            or {}
        )
        return {key: [Workflow.from_dict(w) for w in workflows] for key, workflows in body.items()}

    def get_running_workflows(self, workflow_name: str, version: Optional[int] = None) -> List[str]:
        """Ids of the running executions of ``workflow_name``."""
        return list(
            self.api_client.get_json(
                f"/workflow/running/{path_segment(workflow_name)}", params={"version": version}
            )
            or []
        )

    # -- operating -------------------------------------------------------------------------------

    def delete_workflow(self, workflow_id: str, archive_workflow: Optional[bool] = True) -> None:
        """Remove the execution from the server."""
        self.api_client.call(
            "DELETE",
            f"/workflow/{path_segment(workflow_id)}/remove",
            params={"archiveWorkflow": archive_workflow},
        )

    def remove_workflow(self, workflow_id: str) -> None:
        """Remove the execution (``delete_workflow`` with the default archiving)."""
        self.delete_workflow(workflow_id)

    def terminate_workflow(
        self,
        workflow_id: str,
        reason: Optional[str] = None,
        trigger_failure_workflow: bool = False,
    ) -> None:
        """Terminate a running or paused execution; pending tasks are canceled.

        ``trigger_failure_workflow`` is an Orkes parameter: the OSS server ignores it and never
        starts the failure workflow on terminate.
        """
        self.api_client.call(
            "DELETE",
            f"/workflow/{path_segment(workflow_id)}",
            params={"reason": reason, "triggerFailureWorkflow": trigger_failure_workflow or None},
        )

    def pause_workflow(self, workflow_id: str) -> None:
        """Stop scheduling new tasks until resumed."""
        self.api_client.call("PUT", f"/workflow/{path_segment(workflow_id)}/pause")

    def resume_workflow(self, workflow_id: str) -> None:
        """Resume a paused execution."""
        self.api_client.call("PUT", f"/workflow/{path_segment(workflow_id)}/resume")

    def retry_workflow(self, workflow_id: str, resume_subworkflow_tasks: Optional[bool] = False) -> None:
        """Retry the failed tasks of a failed execution."""
        self.api_client.call(
            "POST",
            f"/workflow/{path_segment(workflow_id)}/retry",
            params={"resumeSubworkflowTasks": resume_subworkflow_tasks},
        )

    def restart_workflow(self, workflow_id: str, use_latest_def: Optional[bool] = False) -> None:
        """Start a terminal execution again from its first task (same id)."""
        self.api_client.call(
            "POST",
            f"/workflow/{path_segment(workflow_id)}/restart",
            params={"useLatestDefinitions": use_latest_def},
        )

    def rerun_workflow(
        self, workflow_id: str, rerun_workflow_request: Union[RerunWorkflowRequest, dict]
    ) -> str:
        """Run a terminal execution again from a task (or from the start); returns its id."""
        body = to_body(RerunWorkflowRequest, rerun_workflow_request, "rerun_workflow_request")
        return self.api_client.call_text(
            "POST", f"/workflow/{path_segment(workflow_id)}/rerun", json_body=body
        )

    def skip_task_from_workflow(
        self,
        workflow_id: str,
        task_reference_name: str,
        request: Optional[Union[SkipTaskRequest, dict]] = None,
    ) -> None:
        """Mark a task that has not been scheduled yet as SKIPPED."""
        body = to_body(SkipTaskRequest, request, "request") if request is not None else None
        self.api_client.call(
            "PUT",
            f"/workflow/{path_segment(workflow_id)}/skiptask/{path_segment(task_reference_name)}",
            json_body=body,
        )

    def decide(self, workflow_id: str) -> None:
        """Ask the server to evaluate the execution now."""
        self.api_client.call("PUT", f"/workflow/decide/{path_segment(workflow_id)}")

    def update_variables(self, workflow_id: str, variables: Optional[Dict[str, Any]] = None) -> None:
        """Replace workflow variables (Orkes only; NotSupportedError on an OSS server)."""
        try:
            self.api_client.call(
                "POST", f"/workflow/{path_segment(workflow_id)}/variables", json_body=variables or {}
            )
        except ApiError as exc:
            if is_missing_route(exc):
                raise self.api_client.not_supported(
                    exc,
                    "update_variables",
                    "on OSS, variables change only through SET_VARIABLE tasks",
                ) from None
            raise

    # -- testing ---------------------------------------------------------------------------------

    def test_workflow(self, test_request: Union[WorkflowTestRequest, dict]) -> Workflow:
        """Run a definition on the server with mocked task outputs (``POST /workflow/test``)."""
        body = to_body(WorkflowTestRequest, test_request, "test_request")
        return self.api_client.call_model(Workflow, "POST", "/workflow/test", json_body=body)
