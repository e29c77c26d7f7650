"""WorkflowExecutor: register, start and execute workflows through the clients."""

from conductor_testkit.client.workflow_executor import WorkflowExecutor

__all__ = ["WorkflowExecutor"]
