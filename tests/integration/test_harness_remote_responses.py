"""With ``responses`` active (the README's way to mock HTTP), the harness's own server calls get through.

``responses`` patches ``requests`` for the whole process: without the harness letting its calls
to the server through, starting the workflow would be "connection refused". The test's own
registry, its recorded calls and its passthrough prefixes stay as the test left them.
"""

from __future__ import annotations

from typing import Any, Dict

import pytest
import requests
import responses

from conductor_testkit.client import Configuration, OrkesClients
from conductor_testkit.errors import ConductorConnectionError
from conductor_testkit.testing import Harness, LiveBackend, RemoteBackend
from conductor_testkit.testing.passthrough import active_requests_mock
from conductor_testkit.worker import Worker

pytestmark = pytest.mark.integration

RATES = "https://rates.example.test/eur"


def _workflow(name: str) -> Dict[str, Any]:
    task = {"name": "responses_quote", "taskReferenceName": "quote", "type": "SIMPLE", "inputParameters": {}}
    return {"name": name, "version": 1, "tasks": [task], "outputParameters": {"rate": "${quote.output.rate}"}}


def quote() -> Dict[str, Any]:
    """A worker calling a service over HTTP: what the test mocks with ``responses``."""
    return {"rate": requests.get(RATES, timeout=5).json()["rate"]}


def test_without_the_harness_a_server_call_is_refused_while_responses_is_active(
    conductor_server_url: str,
) -> None:
    clients = OrkesClients(Configuration(server_api_url=conductor_server_url))
    with responses.RequestsMock(), pytest.raises(ConductorConnectionError):
        clients.get_metadata_client().get_all_task_defs()


@responses.activate
def test_a_remote_run_gets_through_the_default_responses_mock(
    conductor_server_url: str, unique_name: str
) -> None:
    responses.get(RATES, json={"rate": 1.1})
    harness = Harness(RemoteBackend(conductor_server_url))
    harness.register(_workflow(unique_name))
    execution = harness.run(_workflow(unique_name), {}, {"quote": {"rate": 0.9}})
    assert execution.assert_completed().output == {"rate": 0.9}
    # the test's registry, calls and prefixes are as it left them
    assert [r.url for r in responses.registered()] == [RATES]
    assert len(responses.calls) == 0
    assert responses.mock.passthru_prefixes == ()


def test_live_workers_reach_the_mocked_service_and_the_harness_reaches_the_server(
    conductor_server_url: str, unique_name: str
) -> None:
    with responses.RequestsMock() as rates:
        rates.get(RATES, json={"rate": 1.1})
        rates.add_passthru("https://kept.example.test/")
        execution = Harness(LiveBackend(conductor_server_url)).run(
            _workflow(unique_name), {}, workers=[Worker("responses_quote", quote)]
        )
        assert active_requests_mock() is rates
        assert rates.passthru_prefixes == ("https://kept.example.test/",)
        assert [call.request.url for call in rates.calls] == [RATES]
    assert execution.assert_completed().output == {"rate": 1.1}
    assert active_requests_mock() is None
