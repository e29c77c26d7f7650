"""The monthly invoicing workflow, built with the DSL from the ``@worker_task`` functions.

usage -> tax rate (the tax service, retried) -> the invoice -> sent, unless nothing is billable.
"""

from __future__ import annotations

from typing import Any, Dict

from conductor_testkit.workflow import ConductorWorkflow, SwitchTask
from examples.invoicing.workers import build_invoice, collect_usage, compute_tax, send_invoice

NAME = "monthly_invoicing"


def invoicing_workflow() -> ConductorWorkflow:
    workflow = ConductorWorkflow(name=NAME, version=1)
    usage = collect_usage(
        task_ref_name="collect_usage", customerId=workflow.input("customerId"), month=workflow.input("month")
    )
    tax = compute_tax(task_ref_name="compute_tax", country=workflow.input("country"))
    invoice = build_invoice(
        task_ref_name="build_invoice",
        customerId=workflow.input("customerId"),
        month=workflow.input("month"),
        lines=usage.output("lines"),
        taxRate=tax.output("rate"),
    )
    billable = SwitchTask("billable", "$.billable ? 'send' : 'skip'", use_javascript=True)
    billable.input_parameter("billable", invoice.output("billable"))
    billable.switch_case(
        "send",
        [send_invoice(task_ref_name="send_invoice", email=workflow.input("email"), invoice=invoice.output())],
    )
    workflow >> usage >> tax >> invoice >> billable
    workflow.output_parameters(
        {
            "invoice": invoice.output("number"),
            "total": invoice.output("total"),
            "sent": "${send_invoice.output.messageId}",
        }
    )
    return workflow


def billing_run(customer_id: str = "cust-1") -> Dict[str, Any]:
    return {"customerId": customer_id, "month": "2024-04", "country": "NL", "email": "billing@acme.test"}
