"""The README's hello world, pointed at ``memory://``: same code, no server.

It builds the workflow with the DSL, registers it, starts a TaskHandler (threads, since the
transport is in-process) and executes the workflow synchronously, exactly like the README's
``helloworld.py`` does against ``http://localhost:8080/api``.
"""

from __future__ import annotations

from typing import Any, Dict

from conductor_testkit.client.configuration import Configuration
from conductor_testkit.worker.task_handler import TaskHandler
from conductor_testkit.worker.worker import Worker
from conductor_testkit.workflow.conductor_workflow import ConductorWorkflow
from conductor_testkit.workflow.executor import WorkflowExecutor
from conductor_testkit.workflow.task.simple_task import SimpleTask


def greet(name: str) -> str:
    return f"Hello {name}"


def greetings_workflow(workflow_executor: WorkflowExecutor) -> ConductorWorkflow:
    workflow = ConductorWorkflow(name="greetings", executor=workflow_executor)
    workflow.version = 1
    workflow >> SimpleTask("greet", "greet_ref").input_parameter("name", workflow.input("name"))
    return workflow


def run(server_api_url: str = "memory://hello") -> Dict[str, Any]:
    """Execute the greetings workflow with real polling threads; returns the workflow JSON."""
    api_config = Configuration(server_api_url=server_api_url)
    workflow_executor = WorkflowExecutor(configuration=api_config)
    workflow = greetings_workflow(workflow_executor)
    workflow.register(True)
    task_handler = TaskHandler(
        workers=[Worker("greet", greet)],
        configuration=api_config,
        scan_for_annotated_workers=False,
        handle_signals=False,
    )
    task_handler.start_processes()
    try:
        workflow_run = workflow_executor.execute(
            name=workflow.name, version=workflow.version, workflow_input={"name": "Orkes"}
        )
    finally:
        task_handler.stop_processes()
    return workflow_executor.get_workflow(str(workflow_run.workflow_id)).to_dict()


if __name__ == "__main__":
    from examples.__main__ import describe

    print(describe("memory_hello", run()))
