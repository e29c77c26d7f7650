"""The public surface of conductor_testkit.client is pinned."""

from __future__ import annotations

import conductor_testkit.client as client


def test_export_list_is_pinned() -> None:
    assert sorted(client.__all__) == [
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


def test_every_export_exists() -> None:
    for name in client.__all__:
        assert getattr(client, name) is not None, name


def test_a_configuration_can_send_every_call_through_the_urllib3_transport() -> None:
    base = client.Configuration(server_api_url="http://h/api")
    configuration = client.Configuration(
        server_api_url="http://h/api", transport=client.Urllib3Transport.from_configuration(base)
    )
    assert isinstance(
        client.OrkesClients(configuration).get_task_client().api_client.transport, client.Urllib3Transport
    )


def test_orkes_clients_is_the_neutral_facade_under_the_seed_name() -> None:
    assert issubclass(client.OrkesClients, client.ConductorClients)


def test_the_facade_hands_out_clients_sharing_one_transport() -> None:
    clients = client.ConductorClients(client.Configuration(server_api_url="http://h/api"))
    executor = clients.get_workflow_executor()
    assert executor.workflow_client.api_client is clients.get_task_client().api_client
    assert (
        clients.get_metadata_client().api_client.transport is clients.get_event_client().api_client.transport
    )
