"""START_WORKFLOW: start another workflow and go on without waiting for it."""

from __future__ import annotations

from typing import Any, Dict, Optional

from typing_extensions import Unpack

from conductor_testkit.models import StartWorkflowRequest, TaskType
from conductor_testkit.workflow.task.task import TaskInterface, TaskOptions


class StartWorkflowTask(TaskInterface, wire_type="START_WORKFLOW"):
    """Start ``workflow_name`` (fire and forget); the output holds the new ``workflowId``.

    Args:
        task_ref_name: reference of the task.
        workflow_name: workflow to start.
        start_workflow_request: its ``input`` and ``correlation_id`` are used.
        version: version to start (latest when ``None``).
    """

    def __init__(
        self,
        task_ref_name: str,
        workflow_name: str,
        start_workflow_request: Optional[StartWorkflowRequest] = None,
        version: Optional[int] = None,
        **options: Unpack[TaskOptions],
    ) -> None:
        super().__init__(task_reference_name=task_ref_name, task_type=TaskType.START_WORKFLOW, **options)
        request: Dict[str, Any] = {"name": workflow_name}
        if version is not None:
            request["version"] = version
        if start_workflow_request is not None:
            if start_workflow_request.input is not None:
                request["input"] = start_workflow_request.input
            if start_workflow_request.correlation_id is not None:
                request["correlationId"] = start_workflow_request.correlation_id
        self.input_parameters["startWorkflow"] = request
