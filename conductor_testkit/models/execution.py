"""Executions: Workflow, Task, TaskResult, TaskExecLog, WorkflowRun, PollData, search results."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Union

from conductor_testkit.models.base import WireModel
from conductor_testkit.models.enums import TaskResultStatus, TaskStatus, WorkflowStatus
from conductor_testkit.models.metadata import TaskDef, WorkflowDef, WorkflowTask


class Task(WireModel):
    """One attempt of one task of a workflow execution."""

    task_type: Optional[str] = None
    status: Optional[Union[TaskStatus, str]] = None
    input_data: Dict[str, Any] = {}
    reference_task_name: Optional[str] = None
    retry_count: Optional[int] = None
    seq: Optional[int] = None
    correlation_id: Optional[str] = None
    poll_count: Optional[int] = None
    task_def_name: Optional[str] = None
    scheduled_time: Optional[int] = None
    start_time: Optional[int] = None
    end_time: Optional[int] = None
    update_time: Optional[int] = None
    start_delay_in_seconds: Optional[int] = None
    retried_task_id: Optional[str] = None
    retried: Optional[bool] = None
    executed: Optional[bool] = None
    callback_from_worker: Optional[bool] = None
    response_timeout_seconds: Optional[int] = None
    workflow_instance_id: Optional[str] = None
    workflow_type: Optional[str] = None
    task_id: Optional[str] = None
    reason_for_incompletion: Optional[str] = None
    callback_after_seconds: Optional[int] = None
    worker_id: Optional[str] = None
    output_data: Dict[str, Any] = {}
    workflow_task: Optional[WorkflowTask] = None
    domain: Optional[str] = None
    rate_limit_per_frequency: Optional[int] = None
    rate_limit_frequency_in_seconds: Optional[int] = None
    external_input_payload_storage_path: Optional[str] = None
    external_output_payload_storage_path: Optional[str] = None
    workflow_priority: Optional[int] = None
    execution_name_space: Optional[str] = None
    isolation_group_id: Optional[str] = None
    iteration: Optional[int] = None
    sub_workflow_id: Optional[str] = None
    subworkflow_changed: Optional[bool] = None
    loop_over_task: Optional[bool] = None
    task_definition: Optional[TaskDef] = None
    queue_wait_time: Optional[int] = None
    first_start_time: Optional[int] = None
    parent_task_id: Optional[str] = None


class Workflow(WireModel):
    """A workflow execution as ``GET /workflow/{id}`` returns it."""

    workflow_id: Optional[str] = None
    status: Optional[Union[WorkflowStatus, str]] = None
    workflow_name: Optional[str] = None
    workflow_version: Optional[int] = None
    workflow_definition: Optional[WorkflowDef] = None
    input: Dict[str, Any] = {}
    output: Dict[str, Any] = {}
    variables: Optional[Dict[str, Any]] = None
    tasks: List[Task] = []
    correlation_id: Optional[str] = None
    reason_for_incompletion: Optional[str] = None
    failed_reference_task_names: Optional[List[str]] = None
    failed_task_names: Optional[List[str]] = None
    parent_workflow_id: Optional[str] = None
    parent_workflow_task_id: Optional[str] = None
    task_to_domain: Optional[Dict[str, str]] = None
    priority: Optional[int] = None
    create_time: Optional[int] = None
    start_time: Optional[int] = None
    update_time: Optional[int] = None
    end_time: Optional[int] = None
    last_retried_time: Optional[int] = None
    re_run_from_workflow_id: Optional[str] = None
    event: Optional[str] = None
    owner_app: Optional[str] = None
    created_by: Optional[str] = None
    updated_by: Optional[str] = None
    external_input_payload_storage_path: Optional[str] = None
    external_output_payload_storage_path: Optional[str] = None
    idempotency_key: Optional[str] = None
    rate_limit_key: Optional[str] = None
    rate_limited: Optional[bool] = None
    history: Optional[List[Any]] = None

    def get_task(self, task_reference_name: str) -> Optional[Task]:
        """The latest attempt of the task with this reference name, or None."""
        found = None
        for task in self.tasks:
            if task.reference_task_name == task_reference_name:
                found = task
        return found

    @property
    def is_completed(self) -> bool:
        """Whether the execution ended COMPLETED."""
        return str(self.status) == WorkflowStatus.COMPLETED.value


class WorkflowRun(WireModel):
    """The result of a synchronous execution (``POST /workflow/execute/...``)."""

    workflow_id: Optional[str] = None
    request_id: Optional[str] = None
    correlation_id: Optional[str] = None
    status: Optional[Union[WorkflowStatus, str]] = None
    input: Dict[str, Any] = {}
    output: Dict[str, Any] = {}
    variables: Optional[Dict[str, Any]] = None
    tasks: Optional[List[Task]] = None
    reason_for_incompletion: Optional[str] = None
    priority: Optional[int] = None
    create_time: Optional[int] = None
    update_time: Optional[int] = None
    created_by: Optional[str] = None

    @classmethod
    def from_workflow(cls, workflow: Workflow, request_id: Optional[str] = None) -> WorkflowRun:
        """The run view of a workflow execution: the fields both share (what a sync execute returns)."""
        data = workflow.to_dict()
        fields = {info.alias or name for name, info in cls.model_fields.items()}
        run = cls.from_dict({key: value for key, value in data.items() if key in fields})
        run.request_id = request_id
        return run


class WorkflowStatusSummary(WireModel):
    """``GET /workflow/{id}/status``-style summary (WorkflowStatus in the official SDK)."""

    workflow_id: Optional[str] = None
    correlation_id: Optional[str] = None
    status: Optional[Union[WorkflowStatus, str]] = None
    output: Optional[Dict[str, Any]] = None
    variables: Optional[Dict[str, Any]] = None


class TaskExecLog(WireModel):
    """One line of a task's execution log (``GET /tasks/{taskId}/log``)."""

    log: Optional[str] = None
    task_id: Optional[str] = None
    created_time: Optional[int] = None


class TaskResult(WireModel):
    """What a worker reports for a task (``POST /tasks``)."""

    workflow_instance_id: Optional[str] = None
    task_id: Optional[str] = None
    reason_for_incompletion: Optional[str] = None
    callback_after_seconds: Optional[int] = None
    worker_id: Optional[str] = None
    status: Optional[Union[TaskResultStatus, str]] = None
    output_data: Dict[str, Any] = {}
    logs: Optional[List[TaskExecLog]] = None
    external_output_payload_storage_path: Optional[str] = None
    sub_workflow_id: Optional[str] = None
    extend_lease: Optional[bool] = None

    def log(self, line: str) -> None:
        """Append a line to the task's execution logs."""
        if self.logs is None:
            self.logs = []
        self.logs.append(TaskExecLog(log=line, task_id=self.task_id))

    def add_output_data(self, key: str, value: Any) -> None:
        """Set one key of the task's output."""
        self.output_data[key] = value


class PollData(WireModel):
    """Who last polled a task queue, and when (``GET /tasks/queue/polldata``)."""

    queue_name: Optional[str] = None
    domain: Optional[str] = None
    worker_id: Optional[str] = None
    last_poll_time: Optional[int] = None


class WorkflowSummary(WireModel):
    """A workflow search hit; times are ISO-8601 strings, input and output JSON text."""

    workflow_type: Optional[str] = None
    version: Optional[int] = None
    workflow_id: Optional[str] = None
    correlation_id: Optional[str] = None
    start_time: Optional[str] = None
    update_time: Optional[str] = None
    end_time: Optional[str] = None
    status: Optional[Union[WorkflowStatus, str]] = None
    input: Optional[str] = None
    output: Optional[str] = None
    reason_for_incompletion: Optional[str] = None
    execution_time: Optional[int] = None
    event: Optional[str] = None
    failed_reference_task_names: Optional[str] = None
    external_input_payload_storage_path: Optional[str] = None
    external_output_payload_storage_path: Optional[str] = None
    priority: Optional[int] = None
    created_by: Optional[str] = None
    task_to_domain: Optional[Dict[str, str]] = None
    failed_task_names: Optional[List[str]] = None
    output_size: Optional[int] = None
    input_size: Optional[int] = None


class TaskSummary(WireModel):
    """A task search hit; times are ISO-8601 strings, input and output JSON text."""

    workflow_id: Optional[str] = None
    workflow_type: Optional[str] = None
    correlation_id: Optional[str] = None
    scheduled_time: Optional[str] = None
    start_time: Optional[str] = None
    update_time: Optional[str] = None
    end_time: Optional[str] = None
    status: Optional[Union[TaskStatus, str]] = None
    reason_for_incompletion: Optional[str] = None
    execution_time: Optional[int] = None
    queue_wait_time: Optional[int] = None
    task_def_name: Optional[str] = None
    task_type: Optional[str] = None
    input: Optional[str] = None
    output: Optional[str] = None
    task_id: Optional[str] = None
    task_reference_name: Optional[str] = None
    domain: Optional[str] = None
    workflow_priority: Optional[int] = None


class SearchResultWorkflowSummary(WireModel):
    """A page of workflow search results (``ScrollableSearchResultWorkflowSummary``)."""

    total_hits: Optional[int] = None
    results: List[WorkflowSummary] = []
    query_id: Optional[str] = None


class SearchResultWorkflow(WireModel):
    """A page of workflow search results with full executions (``/workflow/search-v2``)."""

    total_hits: Optional[int] = None
    results: List[Workflow] = []


class SearchResultTaskSummary(WireModel):
    """A page of task search results (``GET /tasks/search``)."""

    total_hits: Optional[int] = None
    results: List[TaskSummary] = []


ScrollableSearchResultWorkflowSummary = SearchResultWorkflowSummary
