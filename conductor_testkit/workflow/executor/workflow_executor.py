"""The official SDK's import path of :class:`WorkflowExecutor` (``conductor.client.workflow.executor``).

The executor bundles the resource clients, so it lives in the client layer
(:mod:`conductor_testkit.client.workflow_executor`); the DSL's users import it from here.
"""

from conductor_testkit.client.workflow_executor import WorkflowExecutor

__all__ = ["WorkflowExecutor"]
