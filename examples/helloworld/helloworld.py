"""The official SDK README's hello-world app, with conductor_testkit imports.

Run it against a server: ``CONDUCTOR_SERVER_URL=http://localhost:8080/api python helloworld.py``
(from this directory).
"""

from greetings_workflow import greetings_workflow

from conductor_testkit.client.configuration import Configuration
from conductor_testkit.worker.task_handler import TaskHandler
from conductor_testkit.workflow.conductor_workflow import ConductorWorkflow
from conductor_testkit.workflow.executor import WorkflowExecutor


def register_workflow(workflow_executor: WorkflowExecutor) -> ConductorWorkflow:
    workflow = greetings_workflow(workflow_executor=workflow_executor)
    workflow.register(True)
    return workflow


def main():
    # The app is connected to http://localhost:8080/api by default
    api_config = Configuration()

    workflow_executor = WorkflowExecutor(configuration=api_config)

    # Registering the workflow (Required only when the app is executed the first time)
    workflow = register_workflow(workflow_executor)

    # Starting the worker polling mechanism
    task_handler = TaskHandler(configuration=api_config)
    task_handler.start_processes()

    workflow_run = workflow_executor.execute(name=workflow.name, version=workflow.version,
                                             workflow_input={'name': 'Orkes'})

    print(f'\nworkflow result: {workflow_run.output["result"]}\n')
    print(f'see the workflow execution here: {api_config.ui_host}/execution/{workflow_run.workflow_id}\n')
    task_handler.stop_processes()


if __name__ == '__main__':
    main()
