"""Configuration: URL and credentials from arguments or the environment, transport selection."""

from __future__ import annotations

from typing import Any, List

import pytest

from conductor_testkit.client import (
    AuthenticationSettings,
    Configuration,
    HttpTransport,
    TransportRequest,
    TransportResponse,
    WorkflowClient,
)
from conductor_testkit.client import transport as transport_mod
from conductor_testkit.errors import ConfigurationError


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "CONDUCTOR_SERVER_URL",
        "CONDUCTOR_AUTH_KEY",
        "CONDUCTOR_AUTH_SECRET",
        "CONDUCTOR_UI_SERVER_URL",
    ):
        monkeypatch.delenv(name, raising=False)


def test_default_server_is_localhost_8080() -> None:
    assert Configuration().server_api_url == "http://localhost:8080/api"


def test_server_url_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONDUCTOR_SERVER_URL", "http://conductor.internal:9090/api/")
    assert Configuration().host == "http://conductor.internal:9090/api"


def test_an_argument_wins_over_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONDUCTOR_SERVER_URL", "http://env/api")
    assert Configuration(server_api_url="http://arg/api").host == "http://arg/api"


def test_base_url_gets_the_api_suffix() -> None:
    assert Configuration(base_url="http://host:8080").host == "http://host:8080/api"


def test_ui_host_is_the_server_without_api() -> None:
    assert Configuration(server_api_url="http://host:8080/api").ui_host == "http://host:8080"


def test_ui_host_can_be_set_in_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONDUCTOR_UI_SERVER_URL", "http://ui:5000")
    assert Configuration(server_api_url="http://host:8080/api").ui_host == "http://ui:5000"


def test_credentials_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONDUCTOR_AUTH_KEY", "key")
    monkeypatch.setenv("CONDUCTOR_AUTH_SECRET", "secret")
    settings = Configuration().authentication_settings
    assert settings is not None and (settings.key_id, settings.key_secret) == ("key", "secret")


def test_no_key_means_no_authentication() -> None:
    assert Configuration().authentication_settings is None


def test_a_key_without_a_secret_is_a_configuration_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONDUCTOR_AUTH_KEY", "key")
    with pytest.raises(ConfigurationError, match="CONDUCTOR_AUTH_SECRET"):
        Configuration()


def test_timeouts_must_be_positive() -> None:
    with pytest.raises(
        ConfigurationError, match="read_timeout_seconds must be a positive number of seconds, received 0"
    ):
        Configuration(read_timeout_seconds=0)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"max_retries": -1}, "max_retries must be >= 0 (0 disables retries), received -1"),
        ({"retry_backoff_seconds": -0.5}, "retry_backoff_seconds must be >= 0 seconds, received -0.5"),
    ],
)
def test_retry_settings_must_not_be_negative(options: dict, message: str) -> None:
    with pytest.raises(ConfigurationError) as info:
        Configuration(server_api_url="http://h/api", **options)
    assert str(info.value) == message


def test_an_http_url_builds_an_http_transport_with_the_settings() -> None:
    configuration = Configuration(
        server_api_url="http://h/api", connect_timeout_seconds=2, read_timeout_seconds=9, max_retries=5
    )
    transport = configuration.transport
    assert isinstance(transport, HttpTransport)
    assert (transport.connect_timeout_seconds, transport.read_timeout_seconds, transport.max_retries) == (
        2,
        9,
        5,
    )


def test_the_transport_is_built_once_and_shared() -> None:
    configuration = Configuration(server_api_url="http://h/api")
    assert configuration.transport is configuration.transport


class RecordingTransport:
    def __init__(self) -> None:
        self.requests: List[TransportRequest] = []

    def handle(self, request: TransportRequest) -> TransportResponse:
        self.requests.append(request)
        return TransportResponse(200, '{"workflowId": "w1", "status": "RUNNING"}')

    def close(self) -> None:
        pass


def test_an_injected_transport_serves_the_clients() -> None:
    transport = RecordingTransport()
    workflow = WorkflowClient(Configuration(transport=transport)).get_workflow("w1")
    assert workflow.workflow_id == "w1"
    assert transport.requests[0].path == "/workflow/w1"
    assert transport.requests[0].params == {"includeTasks": True}


def test_a_registered_scheme_factory_builds_the_transport(monkeypatch: pytest.MonkeyPatch) -> None:
    built: List[Any] = []

    def factory(configuration: Configuration) -> RecordingTransport:
        built.append(configuration)
        return RecordingTransport()

    monkeypatch.setitem(transport_mod._SCHEME_FACTORIES, "testscheme", factory)
    configuration = Configuration(server_api_url="testscheme://")
    assert isinstance(configuration.transport, RecordingTransport)
    assert built == [configuration]


def test_an_unregistered_scheme_is_a_clear_configuration_error() -> None:
    configuration = Configuration(server_api_url="nosuchscheme://")
    with pytest.raises(ConfigurationError, match=r"no transport is registered for nosuchscheme://"):
        _ = configuration.transport


def test_memory_url_asks_the_scheme_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    asked: List[str] = []
    monkeypatch.setattr(
        "conductor_testkit.client.configuration.scheme_factory",
        lambda scheme: asked.append(scheme) or (lambda configuration: RecordingTransport()),
    )
    assert isinstance(Configuration(server_api_url="memory://").transport, RecordingTransport)
    assert asked == ["memory"]


def test_authentication_settings_reject_an_empty_secret() -> None:
    with pytest.raises(ConfigurationError, match="key_secret for key 'k' is empty"):
        AuthenticationSettings("k", "")


def test_repr_echoes_the_settings_that_differ_from_the_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CONDUCTOR_AUTH_KEY", raising=False)
    configuration = Configuration(server_api_url="http://h/api", max_retries=0, read_timeout_seconds=5)
    assert repr(configuration) == (
        "Configuration(server_api_url='http://h/api', authentication_settings=None, debug=False, "
        "read_timeout_seconds=5.0, max_retries=0)"
    )
