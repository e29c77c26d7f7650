"""Definitions: TaskDef, WorkflowTask, SubWorkflowParams, WorkflowDef (the metadata API)."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Union

from conductor_testkit.models.base import WireModel
from conductor_testkit.models.enums import RetryLogic, TimeoutPolicy


class TaskDef(WireModel):
    """A registered task definition (retries, timeouts, rate limits, input template)."""

    name: Optional[str] = None
    description: Optional[str] = None
    owner_app: Optional[str] = None
    create_time: Optional[int] = None
    update_time: Optional[int] = None
    created_by: Optional[str] = None
    updated_by: Optional[str] = None
    retry_count: Optional[int] = None
    timeout_seconds: Optional[int] = None
    input_keys: Optional[List[str]] = None
    output_keys: Optional[List[str]] = None
    timeout_policy: Optional[Union[TimeoutPolicy, str]] = None
    retry_logic: Optional[Union[RetryLogic, str]] = None
    retry_delay_seconds: Optional[int] = None
    response_timeout_seconds: Optional[int] = None
    concurrent_exec_limit: Optional[int] = None
    input_template: Optional[Dict[str, Any]] = None
    rate_limit_per_frequency: Optional[int] = None
    rate_limit_frequency_in_seconds: Optional[int] = None
    isolation_group_id: Optional[str] = None
    execution_name_space: Optional[str] = None
    owner_email: Optional[str] = None
    poll_timeout_seconds: Optional[int] = None
    backoff_scale_factor: Optional[int] = None
    max_retry_delay_seconds: Optional[int] = None
    backoff_jitter_ms: Optional[int] = None
    total_timeout_seconds: Optional[int] = None
    base_type: Optional[str] = None
    input_schema: Optional[Dict[str, Any]] = None
    output_schema: Optional[Dict[str, Any]] = None
    enforce_schema: Optional[bool] = None
    task_status_listener_enabled: Optional[bool] = None


class SubWorkflowParams(WireModel):
    """Which workflow a SUB_WORKFLOW task runs: by name and version, or an inline definition."""

    name: Optional[str] = None
    version: Optional[Union[int, str]] = None
    task_to_domain: Optional[Dict[str, str]] = None
    # an inline WorkflowDef (as a dict or model) or a "${...}" expression string
    workflow_definition: Optional[Union[WorkflowDef, str, Dict[str, Any]]] = None
    priority: Optional[Union[int, str]] = None
    idempotency_key: Optional[str] = None
    idempotency_strategy: Optional[str] = None


class WorkflowTask(WireModel):
    """One task in a workflow definition (every field the server knows)."""

    name: Optional[str] = None
    task_reference_name: Optional[str] = None
    description: Optional[str] = None
    type: Optional[str] = None
    input_parameters: Optional[Dict[str, Any]] = None
    dynamic_task_name_param: Optional[str] = None
    case_value_param: Optional[str] = None
    case_expression: Optional[str] = None
    script_expression: Optional[str] = None
    decision_cases: Optional[Dict[str, List[WorkflowTask]]] = None
    dynamic_fork_join_tasks_param: Optional[str] = None
    dynamic_fork_tasks_param: Optional[str] = None
    dynamic_fork_tasks_input_param_name: Optional[str] = None
    default_case: Optional[List[WorkflowTask]] = None
    fork_tasks: Optional[List[List[WorkflowTask]]] = None
    start_delay: Optional[int] = None
    sub_workflow_param: Optional[SubWorkflowParams] = None
    join_on: Optional[List[str]] = None
    sink: Optional[str] = None
    optional: Optional[bool] = None
    task_definition: Optional[TaskDef] = None
    rate_limited: Optional[bool] = None
    default_exclusive_join_task: Optional[List[str]] = None
    async_complete: Optional[bool] = None
    loop_condition: Optional[str] = None
    loop_over: Optional[List[WorkflowTask]] = None
    items: Optional[str] = None
    retry_count: Optional[int] = None
    evaluator_type: Optional[str] = None
    expression: Optional[str] = None
    on_state_change: Optional[Dict[str, Any]] = None
    join_status: Optional[str] = None
    cache_config: Optional[Dict[str, Any]] = None
    permissive: Optional[bool] = None
    join_mode: Optional[str] = None
    metadata: Optional[Dict[str, Any]] = None


class RateLimitConfig(WireModel):
    """WorkflowDef.rateLimitConfig: how many runs sharing a key may run at once."""

    rate_limit_key: Optional[str] = None
    concurrent_exec_limit: Optional[int] = None


class WorkflowDef(WireModel):
    """A workflow definition (``POST /metadata/workflow``)."""

    name: Optional[str] = None
    description: Optional[str] = None
    version: Optional[int] = None
    tasks: List[WorkflowTask] = []
    input_parameters: Optional[List[str]] = None
    output_parameters: Optional[Dict[str, Any]] = None
    failure_workflow: Optional[str] = None
    failure_workflow_version: Optional[int] = None
    schema_version: Optional[int] = None
    restartable: Optional[bool] = None
    workflow_status_listener_enabled: Optional[bool] = None
    workflow_status_listener_sink: Optional[str] = None
    owner_email: Optional[str] = None
    owner_app: Optional[str] = None
    create_time: Optional[int] = None
    update_time: Optional[int] = None
    created_by: Optional[str] = None
    updated_by: Optional[str] = None
    timeout_policy: Optional[str] = None
    timeout_seconds: Optional[int] = None
    variables: Optional[Dict[str, Any]] = None
    input_template: Optional[Dict[str, Any]] = None
    rate_limit_config: Optional[RateLimitConfig] = None
    input_schema: Optional[Dict[str, Any]] = None
    output_schema: Optional[Dict[str, Any]] = None
    enforce_schema: Optional[bool] = None
    metadata: Optional[Dict[str, Any]] = None
    cache_config: Optional[Dict[str, Any]] = None
    masked_fields: Optional[List[str]] = None


SubWorkflowParams.model_rebuild()
WorkflowTask.model_rebuild()
