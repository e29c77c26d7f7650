"""Onboarding, on any backend: ``pytest examples/customer_onboarding [--conductor-backend=remote|live|both]``.

The HTTP task really calls a fake CRM on every backend: through ``responses`` when the local
engine makes the call, on a loopback port when the server does (see ``crm.py``); with ``both``,
each run calls it once from each side.
"""

from __future__ import annotations

from contextlib import ExitStack
from typing import Any, Dict, Iterator, List

import pytest

from conductor_testkit.testing import Harness
from examples.customer_onboarding.crm import FakeCrm, in_process, on_loopback
from examples.customer_onboarding.workers import workers
from examples.customer_onboarding.workflow import onboarding_workflow, setup_workflow, signup

ACCOUNT = {"create_account": {"accountId": "acc-7"}}
SETUP = {
    "setup": {"provision": {"workspaceUrl": "https://acc-7.example.test"}, "welcome": {"messageId": "m-1"}}
}


@pytest.fixture
def crm(conductor: Harness) -> Iterator[FakeCrm]:
    """The fake CRM, where the backend's HTTP calls reach it; the setup child is registered too."""
    conductor.register(setup_workflow())
    crm = FakeCrm()
    with ExitStack() as stack:
        if conductor.backend_name in ("remote", "live", "both"):
            stack.enter_context(on_loopback(crm))
        if conductor.backend_name in ("local", "both"):
            stack.enter_context(in_process(crm))
        yield crm


def calls_per_run(conductor: Harness) -> int:
    """How many times one run calls the CRM: twice with ``both`` (the engine, then the server)."""
    return 2 if conductor.backend_name == "both" else 1


def test_a_new_customer_gets_an_account_a_workspace_and_a_crm_record(
    conductor: Harness, crm: FakeCrm
) -> None:
    execution = conductor.run(onboarding_workflow(), signup(crm.url), ACCOUNT, sub_workflow_mocks=SETUP)
    execution.assert_completed().assert_task("setup", output_contains={"welcomeMessageId": "m-1"})
    assert execution.output == {
        "accountId": "acc-7",
        "workspaceUrl": "https://acc-7.example.test",
        "crmId": "crm-acc-7",
    }
    assert crm.customers == [
        {
            "accountId": "acc-7",
            "company": "Acme",
            "plan": "team",
            "workspaceUrl": "https://acc-7.example.test",
        }
    ] * calls_per_run(conductor)


def test_a_crm_outage_fails_the_onboarding_after_the_setup(conductor: Harness, crm: FakeCrm) -> None:
    crm.down = True
    execution = conductor.run(onboarding_workflow(), signup(crm.url), ACCOUNT, sub_workflow_mocks=SETUP)
    execution.assert_failed().assert_task("setup", "COMPLETED").assert_task("register_in_crm", "FAILED")
    # the server's HTTP task reports an error answer as its reason, with the status and the body
    reason = str(execution.task("register_in_crm").reason_for_incompletion)
    assert "503 Service Unavailable" in reason and "the CRM is down for maintenance" in reason
    assert crm.customers == []


@pytest.mark.conductor_backend("local", "live")  # the server's test endpoint cannot call workers
def test_the_real_workers_onboard_a_customer(conductor: Harness, crm: FakeCrm) -> None:
    outbox: List[Dict[str, Any]] = []
    execution = conductor.run(
        onboarding_workflow(), signup(crm.url, company="Globex"), workers=workers(outbox)
    )
    execution.assert_completed()
    assert execution.output["accountId"] == "acc-globex"
    assert outbox == [{"to": "ops@acme.test", "link": "https://acc-globex.example.test/team"}]
    assert [c["accountId"] for c in crm.customers] == ["acc-globex"]
