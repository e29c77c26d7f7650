from greetings_worker import greet

from conductor_testkit.workflow.conductor_workflow import ConductorWorkflow
from conductor_testkit.workflow.executor import WorkflowExecutor


def greetings_workflow(workflow_executor: WorkflowExecutor) -> ConductorWorkflow:
    name = 'greetings'
    workflow = ConductorWorkflow(name=name, executor=workflow_executor)
    workflow.version = 1
    workflow >> greet(task_ref_name='greet_ref', name=workflow.input('name'))
    return workflow
