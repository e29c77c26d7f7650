"""The order workflow, built with the DSL: inventory -> payment (retried) -> shipping by method."""

from __future__ import annotations

from typing import Any, Dict

from conductor_testkit.models import TaskDef
from conductor_testkit.workflow.conductor_workflow import ConductorWorkflow
from conductor_testkit.workflow.task.simple_task import SimpleTask
from conductor_testkit.workflow.task.switch_task import SwitchTask

NAME = "order_processing"

# The payment provider is flaky: three retries, 30 s apart (LINEAR_BACKOFF: 30 s, 60 s, 90 s).
PAYMENT_TASK_DEF = TaskDef(
    name="charge_payment",
    retry_count=3,
    retry_logic="LINEAR_BACKOFF",
    retry_delay_seconds=30,
    response_timeout_seconds=60,
)


def order_workflow() -> ConductorWorkflow:
    """The definition as a plain value: no server or executor is needed to build it."""
    workflow = ConductorWorkflow(name=NAME, version=1)
    reserve = SimpleTask("reserve_inventory", "reserve").input_parameter("items", workflow.input("items"))
    charge = (
        SimpleTask("charge_payment", "charge")
        .input_parameter("amount", reserve.output("total"))
        .input_parameter("card", workflow.input("card"))
    )
    shipping = SwitchTask("shipping", workflow.input("shipping"))
    shipping.switch_case(
        "express", SimpleTask("ship_express", "express").input_parameter("items", workflow.input("items"))
    )
    shipping.default_case(
        SimpleTask("ship_standard", "standard").input_parameter("items", workflow.input("items"))
    )
    workflow >> reserve >> charge >> shipping
    workflow.output_parameters(
        {
            "total": reserve.output("total"),
            "paymentId": charge.output("paymentId"),
            "attempts": charge.output("attempt"),
            "express": "${express.output.tracking}",
            "standard": "${standard.output.tracking}",
        }
    )
    return workflow


def order_input(shipping: str = "express") -> Dict[str, Any]:
    return {
        "items": [{"sku": "book", "price": 12.5}, {"sku": "pen", "price": 2.0}],
        "card": "4242",
        "shipping": shipping,
    }
