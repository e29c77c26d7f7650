"""The workflow DSL: ConductorWorkflow and one class per task type, rendering to wire JSON.

Building and rendering needs no server and no executor::

    from conductor_testkit.workflow import ConductorWorkflow, SimpleTask

    workflow = ConductorWorkflow(name="greetings", version=1)
    workflow >> SimpleTask("greet", "greet_ref").input_parameter("name", workflow.input("name"))
    definition = workflow.to_workflow_def(validate=True)

The official SDK's module paths work too (``conductor_testkit.workflow.conductor_workflow``,
``conductor_testkit.workflow.task.wait_task``, ...). ``WorkflowExecutor`` lives in
``conductor_testkit.workflow.executor``.
"""

from conductor_testkit.workflow.conductor_workflow import ConductorWorkflow
from conductor_testkit.workflow.normalize import strip_server_defaults
from conductor_testkit.workflow.task import (
    AssignmentCompletionStrategy,
    ConductorEventTask,
    DecisionTask,
    DoWhileTask,
    DynamicForkTask,
    DynamicTask,
    EvaluatorType,
    EventTask,
    EventTaskInterface,
    ExclusiveJoin,
    ForEachTask,
    ForkTask,
    HttpInput,
    HttpMethod,
    HttpTask,
    HumanTask,
    InlineSubWorkflowTask,
    InlineTask,
    JavascriptTask,
    JoinTask,
    JsonJQTask,
    KafkaPublishInput,
    KafkaPublishTask,
    LoopTask,
    NoopTask,
    SetVariableTask,
    SimpleTask,
    SqsEventTask,
    StartWorkflowTask,
    SubWorkflowTask,
    SwitchTask,
    TaskInterface,
    TaskOptions,
    TaskType,
    TerminateTask,
    TimeoutPolicy,
    TriggerType,
    WaitForDurationTask,
    WaitTask,
    WaitUntilTask,
    simple_task,
    task_from_dict,
)
from conductor_testkit.workflow.validation import (
    DefinitionProblem,
    WorkflowDefinitionError,
    find_problems,
    validate_workflow_def,
)

__all__ = [
    # the workflow
    "ConductorWorkflow",
    # tasks
    "ConductorEventTask",
    "DecisionTask",
    "DoWhileTask",
    "DynamicForkTask",
    "DynamicTask",
    "EventTask",
    "EventTaskInterface",
    "ExclusiveJoin",
    "ForEachTask",
    "ForkTask",
    "HttpTask",
    "HumanTask",
    "InlineSubWorkflowTask",
    "InlineTask",
    "JavascriptTask",
    "JoinTask",
    "JsonJQTask",
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
    "TerminateTask",
    "WaitForDurationTask",
    "WaitTask",
    "WaitUntilTask",
    "simple_task",
    # task inputs and options
    "AssignmentCompletionStrategy",
    "EvaluatorType",
    "HttpInput",
    "HttpMethod",
    "KafkaPublishInput",
    "TaskOptions",
    "TaskType",
    "TimeoutPolicy",
    "TriggerType",
    # loading, validation, comparison
    "DefinitionProblem",
    "WorkflowDefinitionError",
    "find_problems",
    "strip_server_defaults",
    "task_from_dict",
    "validate_workflow_def",
]
