"""Request bodies: start, test, rerun, skip; and event handlers."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Union

from pydantic import Field

from conductor_testkit.models.base import WireModel
from conductor_testkit.models.enums import TaskResultStatus
from conductor_testkit.models.metadata import WorkflowDef


class StartWorkflowRequest(WireModel):
    """``POST /workflow``: which workflow to start (or an inline ``workflow_def``) and its input."""

    name: Optional[str] = None
    version: Optional[int] = None
    correlation_id: Optional[str] = None
    input: Optional[Dict[str, Any]] = None
    task_to_domain: Optional[Dict[str, str]] = None
    workflow_def: Optional[WorkflowDef] = None
    external_input_payload_storage_path: Optional[str] = None
    priority: Optional[int] = None
    created_by: Optional[str] = None
    idempotency_key: Optional[str] = None
    idempotency_strategy: Optional[str] = None


class TaskMock(WireModel):
    """One mocked attempt of a task for the test endpoint (and the engine)."""

    status: Union[TaskResultStatus, str] = TaskResultStatus.COMPLETED
    output: Optional[Dict[str, Any]] = None
    execution_time: int = 0
    queue_wait_time: int = 0


class WorkflowTestRequest(StartWorkflowRequest):
    """``POST /workflow/test``: a start request plus mocked task outputs per reference name."""

    task_ref_to_mock_output: Optional[Dict[str, List[TaskMock]]] = None
    sub_workflow_test_request: Optional[Dict[str, WorkflowTestRequest]] = None


class RerunWorkflowRequest(WireModel):
    """``POST /workflow/{id}/rerun``: rerun from a task (``re_run_from_task_id``) or the start."""

    re_run_from_workflow_id: Optional[str] = None
    workflow_input: Optional[Dict[str, Any]] = None
    re_run_from_task_id: Optional[str] = None
    task_input: Optional[Dict[str, Any]] = None
    correlation_id: Optional[str] = None


class SkipTaskRequest(WireModel):
    """``PUT /workflow/{id}/skiptask/{ref}``: the input and output recorded on the skipped task."""

    task_input: Optional[Dict[str, Any]] = None
    task_output: Optional[Dict[str, Any]] = None
    task_input_message: Optional[Dict[str, Any]] = None
    task_output_message: Optional[Dict[str, Any]] = None


class EventHandlerAction(WireModel):
    """What an event handler does with a message: start a workflow, complete or fail a task."""

    # the server's Action class spells these keys in snake_case (and expandInlineJSON), so the
    # camelCase alias generator must not rename them
    action: Optional[str] = None
    start_workflow: Optional[Dict[str, Any]] = Field(default=None, alias="start_workflow")
    complete_task: Optional[Dict[str, Any]] = Field(default=None, alias="complete_task")
    fail_task: Optional[Dict[str, Any]] = Field(default=None, alias="fail_task")
    expand_inline_json: Optional[bool] = Field(default=None, alias="expandInlineJSON")


class EventHandler(WireModel):
    """``/event``: actions run on the messages of ``event`` for which ``condition`` holds."""

    name: Optional[str] = None
    event: Optional[str] = None
    condition: Optional[str] = None
    actions: List[Optional[EventHandlerAction]] = []  # the server keeps a null action
    active: Optional[bool] = None
    evaluator_type: Optional[str] = None


WorkflowTestRequest.model_rebuild()
