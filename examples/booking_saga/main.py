"""Book a trip on the embedded engine with the saga's real workers."""

from __future__ import annotations

from typing import Any, Dict

from conductor_testkit.engine import Engine
from examples.booking_saga.workers import TravelAgency, workers
from examples.booking_saga.workflow import NAME, booking_workflow, compensation_workflow, trip


def run() -> Dict[str, Any]:
    """The finished booking workflow (wire JSON)."""
    engine = Engine(workers=workers(TravelAgency()))
    engine.register_workflow_def(compensation_workflow().to_workflow_def())
    engine.register_workflow_def(booking_workflow().to_workflow_def())
    return engine.execute({"name": NAME, "version": 1, "input": trip()})


if __name__ == "__main__":
    from examples.__main__ import describe

    print(describe(NAME, run()))
