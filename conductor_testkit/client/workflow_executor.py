"""WorkflowExecutor: the one object the DSL needs to register, start and execute workflows.

It bundles a :class:`MetadataClient`, a :class:`WorkflowClient` and a :class:`TaskClient` over one
configuration (so ``memory://`` and a real server behave the same), with the official SDK's
method names (``register_workflow``, ``start_workflow``, ``execute``, ``terminate`` ...).
"""

from __future__ import annotations

import uuid
from typing import Any, Dict, List, Optional, Union

from conductor_testkit.client.api_client import ApiClient
from conductor_testkit.client.configuration import Configuration
from conductor_testkit.client.metadata_client import MetadataClient
from conductor_testkit.client.task_client import TaskClient
from conductor_testkit.client.workflow_client import WorkflowClient
from conductor_testkit.models import (
    RerunWorkflowRequest,
    SearchResultWorkflowSummary,
    SkipTaskRequest,
    StartWorkflowRequest,
    Task,
    TaskResult,
    Workflow,
    WorkflowDef,
    WorkflowRun,
    WorkflowStatusSummary,
    WorkflowTestRequest,
)


class WorkflowExecutor:
    """Register, start, execute and operate workflows over one configuration.

    Attributes:
        metadata_client: definitions.
        workflow_client: executions.
        task_client: tasks.
    """

    def __init__(
        self, configuration: Optional[Configuration] = None, api_client: Optional[ApiClient] = None
    ) -> None:
        self.configuration = configuration if configuration is not None else Configuration()
        self.api_client = api_client if api_client is not None else ApiClient(self.configuration)
        self.metadata_client = MetadataClient(api_client=self.api_client)
        self.workflow_client = WorkflowClient(api_client=self.api_client)
        self.task_client = TaskClient(api_client=self.api_client)

    def __repr__(self) -> str:
        return f"WorkflowExecutor({self.configuration!r})"

    # -- definitions -----------------------------------------------------------------------------

    def register_workflow(self, workflow: Union[WorkflowDef, dict], overwrite: bool = False) -> None:
        """Register a workflow definition (create or update it).

        ``overwrite=False`` keeps an existing definition of the same name and version and raises
        ConflictError; ``True`` replaces it.
        """
        if overwrite:
            self.metadata_client.update_workflow_def(workflow, overwrite=True)
        else:
            self.metadata_client.register_workflow_def(workflow, overwrite=False)

    # -- starting and executing ------------------------------------------------------------------

    def start_workflow(self, start_workflow_request: Union[StartWorkflowRequest, dict]) -> str:
        """Start a workflow; returns its id."""
        return self.workflow_client.start_workflow(start_workflow_request)

    def start_workflows(self, *start_workflow_request: Union[StartWorkflowRequest, dict]) -> List[str]:
        """Start several workflows one after the other; returns their ids in order."""
        return [self.start_workflow(request) for request in start_workflow_request]

    def execute_workflow(
        self,
        request: Union[StartWorkflowRequest, dict],
        wait_until_task_ref: Optional[str] = None,
        wait_for_seconds: int = 10,
        request_id: Optional[str] = None,
    ) -> WorkflowRun:
        """Start a workflow and wait up to ``wait_for_seconds`` for it to end (or reach
        ``wait_until_task_ref``). A run still RUNNING when the time is up is returned as such."""
        return self.workflow_client.execute_workflow(
            request,
            request_id=request_id or str(uuid.uuid4()),
            wait_until_task_ref=wait_until_task_ref,
            wait_for_seconds=wait_for_seconds,
        )

    def execute(
        self,
        name: str,
        version: Optional[int] = None,
        workflow_input: Optional[Dict[str, Any]] = None,
        wait_until_task_ref: Optional[str] = None,
        wait_for_seconds: int = 10,
        request_id: Optional[str] = None,
        correlation_id: Optional[str] = None,
        domain: Optional[str] = None,
    ) -> WorkflowRun:
        """Execute the registered workflow ``name`` with ``workflow_input`` and wait for it.

        ``domain`` routes every task to that worker domain (``taskToDomain = {"*": domain}``).
        """
        request = StartWorkflowRequest(
            name=name,
            version=version,
            input=dict(workflow_input or {}),
            correlation_id=correlation_id,
            task_to_domain={"*": domain} if domain is not None else None,
        )
        return self.execute_workflow(
            request,
            wait_until_task_ref=wait_until_task_ref,
            wait_for_seconds=wait_for_seconds,
            request_id=request_id,
        )

    def test_workflow(self, test_request: Union[WorkflowTestRequest, dict]) -> Workflow:
        """Run a definition on the server with mocked task outputs."""
        return self.workflow_client.test_workflow(test_request)

    # -- reading ---------------------------------------------------------------------------------

    def get_workflow(self, workflow_id: str, include_tasks: Optional[bool] = True) -> Workflow:
        """The execution (with its tasks unless ``include_tasks`` is False)."""
        return self.workflow_client.get_workflow(workflow_id, include_tasks=include_tasks)

    def get_workflow_status(
        self,
        workflow_id: str,
        include_output: Optional[bool] = None,
        include_variables: Optional[bool] = None,
    ) -> WorkflowStatusSummary:
        """Id, correlation id and status; output and variables when asked for."""
        return self.workflow_client.get_workflow_status(
            workflow_id, include_output=include_output, include_variables=include_variables
        )

    def search(
        self,
        query_id: Optional[str] = None,
        start: Optional[int] = None,
        size: Optional[int] = None,
        sort: Optional[str] = None,
        free_text: Optional[str] = None,
        query: Optional[str] = None,
        skip_cache: Optional[bool] = None,
    ) -> SearchResultWorkflowSummary:
        """Search executions (``query_id`` and ``skip_cache`` are accepted for the official
        SDK's signature and not used)."""
        return self.workflow_client.search(
            start=start or 0,
            size=size if size is not None else 100,
            free_text=free_text or "*",
            query=query,
            sort=sort,
        )

    def get_by_correlation_ids(
        self,
        workflow_name: str,
        correlation_ids: List[str],
        include_closed: Optional[bool] = None,
        include_tasks: Optional[bool] = None,
    ) -> Dict[str, List[Workflow]]:
        """Executions of ``workflow_name`` per correlation id (closed ones when ``include_closed``)."""
        return self.workflow_client.get_by_correlation_ids(
            workflow_name,
            correlation_ids,
            include_closed=bool(include_closed),
            include_tasks=bool(include_tasks),
        )

    # -- operating -------------------------------------------------------------------------------

    def remove_workflow(self, workflow_id: str, archive_workflow: Optional[bool] = None) -> None:
        """Remove the execution from the server (archived unless ``archive_workflow=False``)."""
        self.workflow_client.delete_workflow(
            workflow_id, archive_workflow=True if archive_workflow is None else archive_workflow
        )

    def terminate(
        self, workflow_id: str, reason: Optional[str] = None, trigger_failure_workflow: Optional[bool] = None
    ) -> None:
        """Terminate a running or paused execution."""
        self.workflow_client.terminate_workflow(
            workflow_id, reason=reason, trigger_failure_workflow=bool(trigger_failure_workflow)
        )

    def pause(self, workflow_id: str) -> None:
        """Stop scheduling new tasks until resumed."""
        self.workflow_client.pause_workflow(workflow_id)

    def resume(self, workflow_id: str) -> None:
        """Resume a paused execution."""
        self.workflow_client.resume_workflow(workflow_id)

    def restart(self, workflow_id: str, use_latest_definitions: Optional[bool] = None) -> None:
        """Start a terminal execution again from its first task (same id)."""
        self.workflow_client.restart_workflow(workflow_id, use_latest_def=bool(use_latest_definitions))

    def retry(self, workflow_id: str, resume_subworkflow_tasks: Optional[bool] = None) -> None:
        """Retry the failed tasks of a failed execution."""
        self.workflow_client.retry_workflow(
            workflow_id, resume_subworkflow_tasks=bool(resume_subworkflow_tasks)
        )

    def rerun(self, rerun_workflow_request: Union[RerunWorkflowRequest, dict], workflow_id: str) -> str:
        """Rerun a terminal execution (argument order as in the official SDK)."""
        return self.workflow_client.rerun_workflow(workflow_id, rerun_workflow_request)

    def skip_task_from_workflow(
        self,
        workflow_id: str,
        task_reference_name: str,
        skip_task_request: Optional[Union[SkipTaskRequest, dict]] = None,
    ) -> None:
        """Mark a task that has not been scheduled yet as SKIPPED."""
        self.workflow_client.skip_task_from_workflow(workflow_id, task_reference_name, skip_task_request)

    # -- tasks -----------------------------------------------------------------------------------

    def update_task(self, task_id: str, workflow_id: str, task_output: Dict[str, Any], status: str) -> str:
        """Report a result for a task by id; returns the task id."""
        result = TaskResult(
            workflow_instance_id=workflow_id, task_id=task_id, output_data=dict(task_output), status=status
        )
        return self.task_client.update_task(result)

    def update_task_by_ref_name(
        self, task_output: Dict[str, Any], workflow_id: str, task_reference_name: str, status: str
    ) -> str:
        """Report a result for the pending task ``task_reference_name`` of a workflow."""
        return self.task_client.update_task_by_ref_name(workflow_id, task_reference_name, status, task_output)

    def update_task_by_ref_name_sync(
        self, task_output: Dict[str, Any], workflow_id: str, task_reference_name: str, status: str
    ) -> Workflow:
        """Like :meth:`update_task_by_ref_name`, returning the workflow after the update."""
        return self.task_client.update_task_sync(workflow_id, task_reference_name, status, task_output)

    def get_task(self, task_id: str) -> Task:
        """A task by id."""
        return self.task_client.get_task(task_id)
