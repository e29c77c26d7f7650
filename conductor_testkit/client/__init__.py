"""The Conductor REST client: configuration, transports and resource clients.

>>> from conductor_testkit.client import Configuration, OrkesClients
>>> clients = OrkesClients(Configuration(server_api_url="http://localhost:8080/api"))
>>> workflow_client = clients.get_workflow_client()
"""

from conductor_testkit.client.api_client import ApiClient
from conductor_testkit.client.clients import ConductorClients, OrkesClients
from conductor_testkit.client.configuration import AuthenticationSettings, Configuration
from conductor_testkit.client.event_client import EventClient
from conductor_testkit.client.http_transport import HttpTransport
from conductor_testkit.client.metadata_client import MetadataClient
from conductor_testkit.client.task_client import TaskClient
from conductor_testkit.client.transport import (
    Transport,
    TransportRequest,
    TransportResponse,
    register_transport_scheme,
)
from conductor_testkit.client.urllib3_transport import Urllib3Transport
from conductor_testkit.client.workflow_client import WorkflowClient
from conductor_testkit.client.workflow_executor import WorkflowExecutor

__all__ = [
    "ApiClient",
    "AuthenticationSettings",
    "ConductorClients",
    "Configuration",
    "EventClient",
    "HttpTransport",
    "MetadataClient",
    "OrkesClients",
    "TaskClient",
    "Transport",
    "TransportRequest",
    "TransportResponse",
    "Urllib3Transport",
    "WorkflowClient",
    "WorkflowExecutor",
    "register_transport_scheme",
]
