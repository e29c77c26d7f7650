"""The facade that hands out every client over one configuration (``OrkesClients`` in the official SDK)."""

from __future__ import annotations

from typing import Optional

from conductor_testkit.client.api_client import ApiClient
from conductor_testkit.client.configuration import Configuration
from conductor_testkit.client.event_client import EventClient
from conductor_testkit.client.metadata_client import MetadataClient
from conductor_testkit.client.task_client import TaskClient
from conductor_testkit.client.workflow_client import WorkflowClient
from conductor_testkit.client.workflow_executor import WorkflowExecutor


class ConductorClients:
    """All resource clients of one configuration; they share its transport.

    ``OrkesClients`` is the same class under the official SDK's name.
    """

    def __init__(self, configuration: Optional[Configuration] = None) -> None:
        self.configuration = configuration if configuration is not None else Configuration()
        self.api_client = ApiClient(self.configuration)

    def get_metadata_client(self) -> MetadataClient:
        """Workflow and task definitions."""
        return MetadataClient(api_client=self.api_client)

    def get_workflow_client(self) -> WorkflowClient:
        """Workflow executions: start, read, operate."""
        return WorkflowClient(api_client=self.api_client)

    def get_task_client(self) -> TaskClient:
        """Tasks: poll, update, logs, queues."""
        return TaskClient(api_client=self.api_client)

    def get_event_client(self) -> EventClient:
        """Event handlers."""
        return EventClient(api_client=self.api_client)

    def get_workflow_executor(self) -> WorkflowExecutor:
        """A :class:`WorkflowExecutor` (what the DSL registers and runs workflows with)."""
        return WorkflowExecutor(self.configuration, api_client=self.api_client)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.configuration!r})"


class OrkesClients(ConductorClients):
    """The official SDK's name for :class:`ConductorClients` (works with any Conductor server)."""
