"""The worker's HTTP transport: pooled for its threads, the environment read once instead of per request,
``requests`` when the environment sets a proxy or credentials for the server."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import requests

from conductor_testkit.client import Configuration, HttpTransport
from conductor_testkit.client.urllib3_transport import Urllib3Transport
from conductor_testkit.worker.task_runner import build_clients, tune_session

URL = "http://conductor.example:8080/api"
_ENVIRONMENT = (
    "HTTP_PROXY",
    "http_proxy",
    "HTTPS_PROXY",
    "https_proxy",
    "ALL_PROXY",
    "all_proxy",
    "NO_PROXY",
    "no_proxy",
)


@pytest.fixture(autouse=True)
def clean_proxy_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in _ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)


def per_request_settings(session: requests.Session) -> dict:
    """What requests applies to a request to URL (Session.request calls exactly this)."""
    return session.merge_environment_settings(URL, {}, None, None, None)


def test_proxy_from_the_environment_is_still_used(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTP_PROXY", "http://proxy.example:3128")
    session = requests.Session()
    tune_session(session, URL, thread_count=4)
    assert per_request_settings(session)["proxies"].get("http") == "http://proxy.example:3128"


def test_environment_is_not_read_again_per_request(monkeypatch: pytest.MonkeyPatch) -> None:
    session = requests.Session()
    tune_session(session, URL, thread_count=4)
    monkeypatch.setenv("HTTP_PROXY", "http://set-later.example:3128")
    assert session.trust_env is False
    assert "http" not in per_request_settings(session)["proxies"]


def test_no_proxy_for_the_server_host_is_honoured(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTP_PROXY", "http://proxy.example:3128")
    monkeypatch.setenv("NO_PROXY", "conductor.example")
    session = requests.Session()
    tune_session(session, URL, thread_count=4)
    assert "http" not in per_request_settings(session)["proxies"]


def test_ca_bundle_from_the_environment_is_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/ssl/custom-bundle.pem")
    session = requests.Session()
    tune_session(session, URL, thread_count=4)
    assert per_request_settings(session)["verify"] == "/etc/ssl/custom-bundle.pem"


def test_netrc_credentials_for_the_server_are_kept(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    netrc = tmp_path / "netrc"
    netrc.write_text("machine conductor.example login alice password s3cret\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    session = requests.Session()
    tune_session(session, URL, thread_count=4)
    assert session.auth == ("alice", "s3cret")


def test_connection_pool_has_a_connection_per_thread_plus_poller_and_lease_keeper() -> None:
    session = requests.Session()
    tune_session(session, URL, thread_count=12)
    adapter = session.get_adapter(URL)
    assert adapter.poolmanager.connection_pool_kw["maxsize"] == 14


def test_worker_clients_use_the_urllib3_transport_with_a_connection_per_thread() -> None:
    task_client, metadata_client = build_clients(Configuration(server_api_url=URL), thread_count=6)
    transport = task_client.api_client.transport
    assert isinstance(transport, Urllib3Transport)
    assert transport.pool_maxsize == 8
    assert metadata_client.api_client.transport is transport


def test_worker_clients_trust_the_ca_bundle_of_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/ssl/custom-bundle.pem")
    task_client, _ = build_clients(Configuration(server_api_url=URL), thread_count=1)
    transport = task_client.api_client.transport
    assert isinstance(transport, Urllib3Transport)
    assert transport._manager.connection_pool_kw["ca_certs"] == "/etc/ssl/custom-bundle.pem"


def _worker_transport() -> Any:
    task_client, _ = build_clients(Configuration(server_api_url=URL), thread_count=6)
    return task_client.api_client.transport


def test_a_proxy_for_the_server_makes_workers_use_requests(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTP_PROXY", "http://proxy.example:3128")
    transport = _worker_transport()
    assert isinstance(transport, HttpTransport)
    assert per_request_settings(transport.session)["proxies"].get("http") == "http://proxy.example:3128"
    assert transport.session.get_adapter(URL).poolmanager.connection_pool_kw["maxsize"] == 8


def test_a_proxy_the_server_is_exempt_from_does_not(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTP_PROXY", "http://proxy.example:3128")
    monkeypatch.setenv("NO_PROXY", "conductor.example")
    assert isinstance(_worker_transport(), Urllib3Transport)


def test_netrc_credentials_for_the_server_make_workers_use_requests(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    netrc = tmp_path / "netrc"
    netrc.write_text("machine conductor.example login alice password s3cret\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    transport = _worker_transport()
    assert isinstance(transport, HttpTransport)
    assert transport.session.auth == ("alice", "s3cret")


def test_credentials_in_the_url_make_workers_use_requests() -> None:
    configuration = Configuration(server_api_url="http://alice:s3cret@conductor.example:8080/api")
    task_client, _ = build_clients(configuration, thread_count=1)
    assert isinstance(task_client.api_client.transport, HttpTransport)
