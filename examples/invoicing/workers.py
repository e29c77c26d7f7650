"""The invoicing workers: plain ``@worker_task`` functions, exactly what would poll a real server.

``compute_tax`` asks the tax service for the customer's country rate over HTTP (``requests``);
tests answer it with ``responses``. Sent invoices land in :data:`OUTBOX` (the mail gateway here).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Dict, List

import requests

from conductor_testkit.models import TaskDef
from conductor_testkit.worker import worker_task

TAX_SERVICE = "https://tax.example.test"
# the tax service has short outages: two retries, a second apart
TAX_TASK_DEF = TaskDef(name="invoice_compute_tax", retry_count=2, retry_delay_seconds=1)

USAGE: Dict[str, List[Dict[str, Any]]] = {
    "cust-1": [
        {"item": "seats", "quantity": 12, "unitPrice": "9.50"},
        {"item": "storage-gb", "quantity": 250, "unitPrice": "0.02"},
    ],
    "cust-2": [],
}
OUTBOX: List[Dict[str, Any]] = []


def _cents(value: Decimal) -> str:
    return str(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


@worker_task(task_definition_name="invoice_collect_usage")
def collect_usage(customerId: str, month: str) -> Dict[str, Any]:
    return {"lines": USAGE.get(customerId, [])}


@worker_task(task_definition_name="invoice_compute_tax")
def compute_tax(country: str) -> Dict[str, Any]:
    answer = requests.get(f"{TAX_SERVICE}/rates/{country}", timeout=5)
    answer.raise_for_status()  # an outage fails the attempt: the task is retried
    return {"rate": answer.json()["rate"]}


@worker_task(task_definition_name="invoice_build")
def build_invoice(customerId: str, month: str, lines: List[Dict[str, Any]], taxRate: str) -> Dict[str, Any]:
    subtotal = sum((Decimal(line["unitPrice"]) * line["quantity"] for line in lines), Decimal(0))
    tax = subtotal * Decimal(taxRate)
    return {
        "number": f"INV-{month}-{customerId}",
        "subtotal": _cents(subtotal),
        "tax": _cents(tax),
        "total": _cents(subtotal + tax),
        "billable": subtotal > 0,
    }


@worker_task(task_definition_name="invoice_send")
def send_invoice(email: str, invoice: Dict[str, Any]) -> Dict[str, Any]:
    OUTBOX.append({"to": email, **invoice})
    return {"messageId": f"msg-{len(OUTBOX)}"}


WORKERS = [collect_usage, compute_tax, build_invoice, send_invoice]
