"""Invoicing with the real ``@worker_task`` workers: ``pytest examples/invoicing [--conductor-backend=live]``.

The workers run in this process on the local and live backends; the tax service they call over
HTTP is answered by ``responses`` (the harness's own calls to a server pass through it). The
remote backend, which cannot call workers here, runs the mocked test at the end.
"""

from __future__ import annotations

from typing import Iterator

import pytest
import responses

from conductor_testkit.testing import Harness
from examples.invoicing.workers import OUTBOX, TAX_SERVICE, TAX_TASK_DEF, WORKERS
from examples.invoicing.workflow import billing_run, invoicing_workflow

# the server's test endpoint cannot call workers: these run on the engine and live
workers_run_here = pytest.mark.conductor_backend("local", "live")


@pytest.fixture
def tax_service() -> Iterator[responses.RequestsMock]:
    OUTBOX.clear()
    with responses.RequestsMock() as mock:
        yield mock


@workers_run_here
def test_an_invoice_is_built_from_usage_and_tax_and_sent(
    conductor: Harness, tax_service: responses.RequestsMock
) -> None:
    tax_service.get(f"{TAX_SERVICE}/rates/NL", json={"rate": "0.21"})
    execution = conductor.run(invoicing_workflow(), billing_run(), workers=WORKERS)
    execution.assert_completed().assert_task(
        "build_invoice", output_contains={"subtotal": "119.00", "tax": "24.99"}
    )
    assert execution.output == {"invoice": "INV-2024-04-cust-1", "total": "143.99", "sent": "msg-1"}
    assert [(m["to"], m["number"], m["total"]) for m in OUTBOX] == [
        ("billing@acme.test", "INV-2024-04-cust-1", "143.99")
    ]


@workers_run_here
def test_a_tax_service_outage_is_retried(conductor: Harness, tax_service: responses.RequestsMock) -> None:
    conductor.register(TAX_TASK_DEF)
    tax_service.get(f"{TAX_SERVICE}/rates/NL", status=503)
    tax_service.get(f"{TAX_SERVICE}/rates/NL", json={"rate": "0.21"})
    execution = conductor.run(invoicing_workflow(), billing_run(), workers=WORKERS)
    execution.assert_completed()
    first, second = execution.attempts("compute_tax")
    assert (str(first.status), str(second.status)) == ("FAILED", "COMPLETED")
    assert "503 Server Error" in str(first.reason_for_incompletion)
    assert execution.output["total"] == "143.99"


@workers_run_here
def test_a_month_without_usage_is_not_sent(conductor: Harness, tax_service: responses.RequestsMock) -> None:
    tax_service.get(f"{TAX_SERVICE}/rates/NL", json={"rate": "0.21"})
    execution = conductor.run(invoicing_workflow(), billing_run("cust-2"), workers=WORKERS)
    execution.assert_completed().assert_not_ran("send_invoice")
    assert execution.output == {"invoice": "INV-2024-04-cust-2", "total": "0.00", "sent": None}
    assert OUTBOX == []


def test_the_invoice_goes_to_the_billing_address(conductor: Harness) -> None:
    invoice = {"number": "INV-1", "subtotal": "10.00", "tax": "2.10", "total": "12.10", "billable": True}
    mocks = {
        "collect_usage": {"lines": [{"item": "seats", "quantity": 1, "unitPrice": "10.00"}]},
        "compute_tax": {"rate": "0.21"},
        "build_invoice": invoice,
        "send_invoice": {"messageId": "m-9"},
    }
    execution = conductor.run(invoicing_workflow(), billing_run(), mocks)
    execution.assert_completed().assert_task(
        "send_invoice", input_contains={"email": "billing@acme.test", "invoice": invoice}
    )
    assert execution.output == {"invoice": "INV-1", "total": "12.10", "sent": "m-9"}
