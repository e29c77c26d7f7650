"""Onboard a customer on the embedded engine: real workers, the CRM answered by ``responses``."""

from __future__ import annotations

from typing import Any, Dict, List

from conductor_testkit.engine import Engine
from examples.customer_onboarding.crm import FakeCrm, in_process
from examples.customer_onboarding.workers import workers
from examples.customer_onboarding.workflow import NAME, onboarding_workflow, setup_workflow, signup


def run() -> Dict[str, Any]:
    """The finished onboarding workflow (wire JSON)."""
    outbox: List[Dict[str, Any]] = []
    engine = Engine(workers=workers(outbox))
    engine.register_workflow_def(setup_workflow().to_workflow_def())
    engine.register_workflow_def(onboarding_workflow().to_workflow_def())
    with in_process(FakeCrm()) as crm:
        return engine.execute({"name": NAME, "version": 1, "input": signup(crm.url)})


if __name__ == "__main__":
    from examples.__main__ import describe

    print(describe(NAME, run()))
