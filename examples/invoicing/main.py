"""Invoice a customer on the embedded engine with the real workers; the tax service is ``responses``."""

from __future__ import annotations

from typing import Any, Dict

import responses

from conductor_testkit.engine import Engine
from examples.invoicing.workers import TAX_SERVICE, TAX_TASK_DEF, WORKERS
from examples.invoicing.workflow import NAME, billing_run, invoicing_workflow


def run() -> Dict[str, Any]:
    """The finished invoicing workflow (wire JSON)."""
    engine = Engine(workers=WORKERS)
    engine.register_task_def(TAX_TASK_DEF)
    engine.register_workflow_def(invoicing_workflow().to_workflow_def())
    with responses.RequestsMock() as tax_service:
        tax_service.get(f"{TAX_SERVICE}/rates/NL", json={"rate": "0.21"})
        return engine.execute({"name": NAME, "version": 1, "input": billing_run()})


if __name__ == "__main__":
    from examples.__main__ import describe

    print(describe(NAME, run()))
