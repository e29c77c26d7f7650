"""Run the order workflow on the embedded engine; the retries' 90 s of back-off pass instantly."""

from __future__ import annotations

from typing import Any, Dict

from conductor_testkit.engine.engine import Engine
from examples.order_processing.workers import WORKERS
from examples.order_processing.workflow import PAYMENT_TASK_DEF, order_input, order_workflow


def run(shipping: str = "express") -> Dict[str, Any]:
    """The finished workflow (wire JSON) of one order."""
    engine = Engine(workers=WORKERS)
    engine.register_task_def(PAYMENT_TASK_DEF)
    engine.register_workflow_def(order_workflow().to_workflow_def())
    return engine.execute({"name": "order_processing", "version": 1, "input": order_input(shipping)})


if __name__ == "__main__":
    from examples.__main__ import describe

    print(describe("order_processing", run()))
