"""The booking saga, on any backend: ``pytest examples/booking_saga [--conductor-backend=remote|live]``."""

from __future__ import annotations

from typing import Any, Dict

import pytest

from conductor_testkit.testing import Harness
from examples.booking_saga.workers import TravelAgency, workers
from examples.booking_saga.workflow import booking_workflow, compensation_workflow, trip

RESERVED = {"reserve_flight": {"bookingId": "flight-7"}, "reserve_hotel": {"bookingId": "hotel-9"}}
DECLINED = {"status": "FAILED_WITH_TERMINAL_ERROR", "output": {"error": "card declined"}}


@pytest.fixture
def saga(conductor: Harness) -> Harness:
    """The harness with the compensation registered (the server starts it by name)."""
    return conductor.register(compensation_workflow())


def failed_booking(**reserved: str) -> Dict[str, Any]:
    """The input the server gives the failure workflow of a booking that made ``reserved``."""
    tasks = [
        {"referenceTaskName": ref, "status": "COMPLETED", "outputData": {"bookingId": booking_id}}
        for ref, booking_id in reserved.items()
    ]
    tasks.append({"referenceTaskName": "charge_card", "status": "FAILED_WITH_TERMINAL_ERROR"})
    failed = {"workflowId": "booking-1", "status": "FAILED", "tasks": tasks}
    return {**trip(), "workflowId": "booking-1", "reason": "card declined", "failedWorkflow": failed}


def test_a_booking_reserves_flight_and_hotel_then_charges(saga: Harness) -> None:
    execution = saga.run(booking_workflow(), trip(), {**RESERVED, "charge_card": {"paymentId": "pay-1"}})
    execution.assert_completed()
    execution.assert_task("charge_card", input_contains={"amount": 640, "bookings": ["flight-7", "hotel-9"]})
    assert execution.output == {"flight": "flight-7", "hotel": "hotel-9", "payment": "pay-1"}


def test_a_declined_card_fails_the_booking_and_starts_the_compensation(saga: Harness) -> None:
    execution = saga.run(booking_workflow(), trip(), {**RESERVED, "charge_card": DECLINED})
    execution.assert_failed().assert_task("charge_card", "FAILED_WITH_TERMINAL_ERROR")
    assert execution.workflow["failedReferenceTaskNames"] == ["charge_card"]
    # the server writes the failure workflow's id into the output of the failed one
    assert execution.output["conductor.failure_workflow"]


def test_the_compensation_cancels_the_hotel_then_the_flight(conductor: Harness) -> None:
    execution = conductor.run(
        compensation_workflow(),
        failed_booking(reserve_flight="flight-7", reserve_hotel="hotel-9"),
        {"cancel_hotel": {"cancelled": "hotel-9"}, "cancel_flight": {"cancelled": "flight-7"}},
    )
    execution.assert_completed()
    assert execution.task_sequence() == [
        "reserved", "hotel_reserved", "cancel_hotel", "flight_reserved", "cancel_flight",
    ]  # fmt: skip
    execution.assert_task("cancel_hotel", input_contains={"bookingId": "hotel-9"})
    execution.assert_task("cancel_flight", input_contains={"bookingId": "flight-7"})
    assert execution.output == {
        "bookingWorkflow": "booking-1",
        "reason": "card declined",
        "cancelledHotel": "hotel-9",
        "cancelledFlight": "flight-7",
    }


def test_a_hotel_that_was_never_reserved_is_not_cancelled(conductor: Harness) -> None:
    execution = conductor.run(
        compensation_workflow(),
        failed_booking(reserve_flight="flight-7"),
        {"cancel_flight": {"cancelled": "flight-7"}},
    )
    execution.assert_completed().assert_not_ran("cancel_hotel")
    assert execution.selected_case("hotel_reserved") == "no"
    assert execution.output["cancelledFlight"] == "flight-7"


# the compensation runs with the real workers: in-process on the engine, in threads on live (the
# server's test endpoint can call no workers, nor run the failure workflow)
@pytest.mark.conductor_backend("local", "live")
def test_the_real_workers_undo_a_declined_booking(saga: Harness, conductor_clients: Any) -> None:
    agency = TravelAgency(declined_cards={"4242"})
    execution = saga.run(booking_workflow(), trip(), workers=workers(agency))
    execution.assert_failed().assert_task("charge_card", "FAILED_WITH_TERMINAL_ERROR")
    compensation = conductor_clients.get_workflow_client().get_workflow(
        execution.output["conductor.failure_workflow"]
    )
    assert compensation.status == "COMPLETED"
    assert agency.status() == {"flight-1": "cancelled", "hotel-2": "cancelled"}
    assert agency.charges == []
