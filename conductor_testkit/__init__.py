"""conductor-testkit: a Conductor SDK, an in-memory engine and a test harness for Conductor workflows.

The names a user needs most are here; everything else is in its subpackage
(:mod:`conductor_testkit.client`, :mod:`~conductor_testkit.workflow`,
:mod:`~conductor_testkit.worker`, :mod:`~conductor_testkit.engine`,
:mod:`~conductor_testkit.testing`, :mod:`~conductor_testkit.models`)::

    from conductor_testkit import ConductorWorkflow, SimpleTask, run_workflow

    workflow = ConductorWorkflow(name="greetings", version=1)
    workflow >> SimpleTask("greet", "greet_ref")
    run_workflow(workflow, mocks={"greet_ref": {"greeting": "hi"}}).assert_completed()

Importing this package is cheap: each name is imported from its module on first use, so
``import conductor_testkit`` loads neither the engine (QuickJS, jq) nor ``requests``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any, Dict, List

__version__ = "0.1.0"

# public name -> the module that defines it (imported on first attribute access)
_EXPORTS: Dict[str, str] = {
    # Connecting to a server (or to the engine with memory://)
    "AuthenticationSettings": "conductor_testkit.client.configuration",
    "Configuration": "conductor_testkit.client.configuration",
    "ConductorClients": "conductor_testkit.client.clients",
    "OrkesClients": "conductor_testkit.client.clients",
    "MetadataClient": "conductor_testkit.client.metadata_client",
    "WorkflowClient": "conductor_testkit.client.workflow_client",
    "TaskClient": "conductor_testkit.client.task_client",
    "EventClient": "conductor_testkit.client.event_client",
    "WorkflowExecutor": "conductor_testkit.client.workflow_executor",
    # Defining workflows
    "ConductorWorkflow": "conductor_testkit.workflow.conductor_workflow",
    "DecisionTask": "conductor_testkit.workflow.task.decision_task",
    "DoWhileTask": "conductor_testkit.workflow.task.do_while_task",
    "DynamicForkTask": "conductor_testkit.workflow.task.dynamic_fork_task",
    "DynamicTask": "conductor_testkit.workflow.task.dynamic_task",
    "EventTask": "conductor_testkit.workflow.task.event_task",
    "ExclusiveJoin": "conductor_testkit.workflow.task.exclusive_join_task",
    "ForEachTask": "conductor_testkit.workflow.task.do_while_task",
    "ForkTask": "conductor_testkit.workflow.task.fork_task",
    "HttpInput": "conductor_testkit.workflow.task.http_task",
    "HttpTask": "conductor_testkit.workflow.task.http_task",
    "HumanTask": "conductor_testkit.workflow.task.human_task",
    "InlineTask": "conductor_testkit.workflow.task.inline",
    "JavascriptTask": "conductor_testkit.workflow.task.javascript_task",
    "JoinTask": "conductor_testkit.workflow.task.join_task",
    "JsonJQTask": "conductor_testkit.workflow.task.json_jq_task",
    "KafkaPublishTask": "conductor_testkit.workflow.task.kafka_publish",
    "LoopTask": "conductor_testkit.workflow.task.do_while_task",
    "NoopTask": "conductor_testkit.workflow.task.noop_task",
    "SetVariableTask": "conductor_testkit.workflow.task.set_variable_task",
    "SimpleTask": "conductor_testkit.workflow.task.simple_task",
    "StartWorkflowTask": "conductor_testkit.workflow.task.start_workflow_task",
    "SubWorkflowTask": "conductor_testkit.workflow.task.sub_workflow_task",
    "SwitchTask": "conductor_testkit.workflow.task.switch_task",
    "TerminateTask": "conductor_testkit.workflow.task.terminate_task",
    "WaitForDurationTask": "conductor_testkit.workflow.task.wait_task",
    "WaitTask": "conductor_testkit.workflow.task.wait_task",
    "WaitUntilTask": "conductor_testkit.workflow.task.wait_task",
    # Writing workers
    "NonRetryableException": "conductor_testkit.worker.exceptions",
    "TaskContext": "conductor_testkit.worker.context",
    "TaskHandler": "conductor_testkit.worker.task_handler",
    "Worker": "conductor_testkit.worker.worker",
    "get_task_context": "conductor_testkit.worker.context",
    "worker_task": "conductor_testkit.worker.worker_task",
    # Running offline: the engine and the test harness
    "Engine": "conductor_testkit.engine",
    "LocalConductor": "conductor_testkit.engine.in_process",
    "VirtualClock": "conductor_testkit.engine.clock",
    "Execution": "conductor_testkit.testing.execution",
    "Harness": "conductor_testkit.testing.harness",
    "run_workflow": "conductor_testkit.testing.harness",
    # Wire models
    "RerunWorkflowRequest": "conductor_testkit.models.requests",
    "StartWorkflowRequest": "conductor_testkit.models.requests",
    "Task": "conductor_testkit.models.execution",
    "TaskDef": "conductor_testkit.models.metadata",
    "TaskMock": "conductor_testkit.models.requests",
    "TaskResult": "conductor_testkit.models.execution",
    "TaskResultStatus": "conductor_testkit.models.enums",
    "TaskStatus": "conductor_testkit.models.enums",
    "Workflow": "conductor_testkit.models.execution",
    "WorkflowDef": "conductor_testkit.models.metadata",
    "WorkflowRun": "conductor_testkit.models.execution",
    "WorkflowStatus": "conductor_testkit.models.enums",
    "WorkflowTask": "conductor_testkit.models.metadata",
    "WorkflowTestRequest": "conductor_testkit.models.requests",
    # Errors (the tree is drawn in conductor_testkit.errors)
    "ApiError": "conductor_testkit.errors",
    "ConductorConnectionError": "conductor_testkit.errors",
    "ConductorError": "conductor_testkit.errors",
    "ConfigurationError": "conductor_testkit.errors",
    "ConflictError": "conductor_testkit.errors",
    "DefinitionError": "conductor_testkit.errors",
    "EngineError": "conductor_testkit.errors",
    "NotFoundError": "conductor_testkit.errors",
}

# spelled out (not built from _EXPORTS) so that type checkers and linters read it
__all__ = [
    "__version__",
    # Connecting to a server (or to the engine with memory://)
    "AuthenticationSettings",
    "Configuration",
    "ConductorClients",
    "OrkesClients",
    "MetadataClient",
    "WorkflowClient",
    "TaskClient",
    "EventClient",
    "WorkflowExecutor",
    # Defining workflows
    "ConductorWorkflow",
    "DecisionTask",
    "DoWhileTask",
    "DynamicForkTask",
    "DynamicTask",
    "EventTask",
    "ExclusiveJoin",
    "ForEachTask",
    "ForkTask",
    "HttpInput",
    "HttpTask",
    "HumanTask",
    "InlineTask",
    "JavascriptTask",
    "JoinTask",
    "JsonJQTask",
    "KafkaPublishTask",
    "LoopTask",
    "NoopTask",
    "SetVariableTask",
    "SimpleTask",
    "StartWorkflowTask",
    "SubWorkflowTask",
    "SwitchTask",
    "TerminateTask",
    "WaitForDurationTask",
    "WaitTask",
    "WaitUntilTask",
    # Writing workers
    "NonRetryableException",
    "TaskContext",
    "TaskHandler",
    "Worker",
    "get_task_context",
    "worker_task",
    # Running offline: the engine and the test harness
    "Engine",
    "LocalConductor",
    "VirtualClock",
    "Execution",
    "Harness",
    "run_workflow",
    # Wire models
    "RerunWorkflowRequest",
    "StartWorkflowRequest",
    "Task",
    "TaskDef",
    "TaskMock",
    "TaskResult",
    "TaskResultStatus",
    "TaskStatus",
    "Workflow",
    "WorkflowDef",
    "WorkflowRun",
    "WorkflowStatus",
    "WorkflowTask",
    "WorkflowTestRequest",
    # Errors (the tree is drawn in conductor_testkit.errors)
    "ApiError",
    "ConductorConnectionError",
    "ConductorError",
    "ConfigurationError",
    "ConflictError",
    "DefinitionError",
    "EngineError",
    "NotFoundError",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'conductor_testkit' has no attribute {name!r}")
    # not kept in globals(): the answer follows sys.modules (pytester's in-process runs drop and
    # import the package's modules again; a kept class would be one of a stale copy)
    return getattr(importlib.import_module(module), name)


def __dir__() -> List[str]:
    return sorted(set(globals()) | set(_EXPORTS))


if TYPE_CHECKING:  # the same names, statically, for type checkers and editors
    from conductor_testkit.client.clients import ConductorClients, OrkesClients
    from conductor_testkit.client.configuration import AuthenticationSettings, Configuration
    from conductor_testkit.client.event_client import EventClient
    from conductor_testkit.client.metadata_client import MetadataClient
    from conductor_testkit.client.task_client import TaskClient
    from conductor_testkit.client.workflow_client import WorkflowClient
    from conductor_testkit.client.workflow_executor import WorkflowExecutor
    from conductor_testkit.engine import Engine
    from conductor_testkit.engine.clock import VirtualClock
    from conductor_testkit.engine.in_process import LocalConductor
    from conductor_testkit.errors import (
        ApiError,
        ConductorConnectionError,
        ConductorError,
        ConfigurationError,
        ConflictError,
        DefinitionError,
        EngineError,
        NotFoundError,
    )
    from conductor_testkit.models.enums import TaskResultStatus, TaskStatus, WorkflowStatus
    from conductor_testkit.models.execution import Task, TaskResult, Workflow, WorkflowRun
    from conductor_testkit.models.metadata import TaskDef, WorkflowDef, WorkflowTask
    from conductor_testkit.models.requests import (
        RerunWorkflowRequest,
        StartWorkflowRequest,
        TaskMock,
        WorkflowTestRequest,
    )
    from conductor_testkit.testing.execution import Execution
    from conductor_testkit.testing.harness import Harness, run_workflow
    from conductor_testkit.worker.context import TaskContext, get_task_context
    from conductor_testkit.worker.exceptions import NonRetryableException
    from conductor_testkit.worker.task_handler import TaskHandler
    from conductor_testkit.worker.worker import Worker
    from conductor_testkit.worker.worker_task import worker_task
    from conductor_testkit.workflow.conductor_workflow import ConductorWorkflow
    from conductor_testkit.workflow.task.decision_task import DecisionTask
    from conductor_testkit.workflow.task.do_while_task import DoWhileTask, ForEachTask, LoopTask
    from conductor_testkit.workflow.task.dynamic_fork_task import DynamicForkTask
    from conductor_testkit.workflow.task.dynamic_task import DynamicTask
    from conductor_testkit.workflow.task.event_task import EventTask
    from conductor_testkit.workflow.task.exclusive_join_task import ExclusiveJoin
    from conductor_testkit.workflow.task.fork_task import ForkTask
    from conductor_testkit.workflow.task.http_task import HttpInput, HttpTask
    from conductor_testkit.workflow.task.human_task import HumanTask
    from conductor_testkit.workflow.task.inline import InlineTask
    from conductor_testkit.workflow.task.javascript_task import JavascriptTask
    from conductor_testkit.workflow.task.join_task import JoinTask
    from conductor_testkit.workflow.task.json_jq_task import JsonJQTask
    from conductor_testkit.workflow.task.kafka_publish import KafkaPublishTask
    from conductor_testkit.workflow.task.noop_task import NoopTask
    from conductor_testkit.workflow.task.set_variable_task import SetVariableTask
    from conductor_testkit.workflow.task.simple_task import SimpleTask
    from conductor_testkit.workflow.task.start_workflow_task import StartWorkflowTask
    from conductor_testkit.workflow.task.sub_workflow_task import SubWorkflowTask
    from conductor_testkit.workflow.task.switch_task import SwitchTask
    from conductor_testkit.workflow.task.terminate_task import TerminateTask
    from conductor_testkit.workflow.task.wait_task import WaitForDurationTask, WaitTask, WaitUntilTask
