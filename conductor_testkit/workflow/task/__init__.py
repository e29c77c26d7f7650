"""One module per task type (the official SDK's module and class names).

Importing this package registers every task class, so :func:`task_from_dict` can load any
task type into its class.
"""

from conductor_testkit.workflow.task.decision_task import DecisionTask
from conductor_testkit.workflow.task.do_while_task import DoWhileTask, ForEachTask, LoopTask
from conductor_testkit.workflow.task.dynamic_fork_task import DynamicForkTask
from conductor_testkit.workflow.task.dynamic_task import DynamicTask
from conductor_testkit.workflow.task.event_task import (
    ConductorEventTask,
    EventTask,
    EventTaskInterface,
    SqsEventTask,
)
from conductor_testkit.workflow.task.exclusive_join_task import ExclusiveJoin
from conductor_testkit.workflow.task.fork_task import ForkTask
from conductor_testkit.workflow.task.http_task import HttpInput, HttpMethod, HttpTask
from conductor_testkit.workflow.task.human_task import (
    AssignmentCompletionStrategy,
    HumanTask,
    TriggerType,
)
from conductor_testkit.workflow.task.inline import InlineTask
from conductor_testkit.workflow.task.javascript_task import JavascriptTask
from conductor_testkit.workflow.task.join_task import JoinTask
from conductor_testkit.workflow.task.json_jq_task import JsonJQTask
from conductor_testkit.workflow.task.kafka_publish import KafkaPublishTask
from conductor_testkit.workflow.task.kafka_publish_input import KafkaPublishInput
from conductor_testkit.workflow.task.noop_task import NoopTask
from conductor_testkit.workflow.task.set_variable_task import SetVariableTask
from conductor_testkit.workflow.task.simple_task import SimpleTask, simple_task
from conductor_testkit.workflow.task.start_workflow_task import StartWorkflowTask
from conductor_testkit.workflow.task.sub_workflow_task import InlineSubWorkflowTask, SubWorkflowTask
from conductor_testkit.workflow.task.switch_task import EvaluatorType, SwitchTask
from conductor_testkit.workflow.task.task import TaskInterface, TaskOptions, task_from_dict
from conductor_testkit.workflow.task.task_type import TaskType
from conductor_testkit.workflow.task.terminate_task import TerminateTask
from conductor_testkit.workflow.task.timeout_policy import TimeoutPolicy
from conductor_testkit.workflow.task.wait_task import WaitForDurationTask, WaitTask, WaitUntilTask

__all__ = [
    "AssignmentCompletionStrategy",
    "ConductorEventTask",
    "DecisionTask",
    "DoWhileTask",
    "DynamicForkTask",
    "DynamicTask",
    "EvaluatorType",
    "EventTask",
    "EventTaskInterface",
    "ExclusiveJoin",
    "ForEachTask",
    "ForkTask",
    "HttpInput",
    "HttpMethod",
    "HttpTask",
    "HumanTask",
    "InlineSubWorkflowTask",
    "InlineTask",
    "JavascriptTask",
    "JoinTask",
    "JsonJQTask",
    "KafkaPublishInput",
    "KafkaPublishTask",
    "LoopTask",
    "NoopTask",
    "SetVariableTask",
    "SimpleTask",
    "SqsEventTask",
    "StartWorkflowTask",
    "SubWorkflowTask",
    "SwitchTask",
    "TaskInterface",
    "TaskOptions",
    "TaskType",
    "TerminateTask",
    "TimeoutPolicy",
    "TriggerType",
    "WaitForDurationTask",
    "WaitTask",
    "WaitUntilTask",
    "simple_task",
    "task_from_dict",
]
