"""The booking saga and its compensation, built with the DSL.

``trip_booking`` reserves a flight, then a hotel, then charges the card. When it fails, the
server starts its failure workflow, ``trip_booking_compensation``, with the failed workflow's
input plus ``workflowId``, ``reason`` and the whole ``failedWorkflow``. The compensation reads
which reservations were made from that failed workflow (a jq transform) and cancels them in
reverse order; a reservation that was never made is not cancelled.
"""

from __future__ import annotations

from typing import Any, Dict

from conductor_testkit.workflow import ConductorWorkflow, JsonJQTask, SimpleTask, SwitchTask

NAME = "trip_booking"
COMPENSATION = "trip_booking_compensation"

# the booking ids of the reservations the failed workflow made (null when it did not get there)
_RESERVED = """
.failed.tasks as $tasks
| def booking($ref): [$tasks[] | select(.referenceTaskName == $ref and .status == "COMPLETED")
                     | .outputData.bookingId][0];
{flight: booking("reserve_flight"), hotel: booking("reserve_hotel")}
"""


def booking_workflow() -> ConductorWorkflow:
    """Flight, hotel, payment; ``trip_booking_compensation`` runs when it fails."""
    workflow = ConductorWorkflow(name=NAME, version=1)
    flight = (
        SimpleTask("saga_reserve_flight", "reserve_flight")
        .input_parameter("from", workflow.input("from"))
        .input_parameter("to", workflow.input("to"))
        .input_parameter("date", workflow.input("date"))
    )
    hotel = (
        SimpleTask("saga_reserve_hotel", "reserve_hotel")
        .input_parameter("city", workflow.input("to"))
        .input_parameter("nights", workflow.input("nights"))
    )
    charge = (
        SimpleTask("saga_charge_card", "charge_card")
        .input_parameter("card", workflow.input("card"))
        .input_parameter("amount", "${workflow.input.budget}")
        .input_parameter("bookings", [flight.output("bookingId"), hotel.output("bookingId")])
    )
    workflow >> flight >> hotel >> charge
    workflow.failure_workflow(COMPENSATION)
    workflow.output_parameters(
        {
            "flight": flight.output("bookingId"),
            "hotel": hotel.output("bookingId"),
            "payment": charge.output("paymentId"),
        }
    )
    return workflow


def _cancel_if_reserved(what: str) -> SwitchTask:
    cancel = SimpleTask(f"saga_cancel_{what}", f"cancel_{what}").input_parameter(
        "bookingId", f"${{reserved.output.result.{what}}}"
    )
    check = SwitchTask(f"{what}_reserved", "$.bookingId != null ? 'yes' : 'no'", use_javascript=True)
    check.input_parameter("bookingId", f"${{reserved.output.result.{what}}}")
    check.switch_case("yes", [cancel])
    return check


def compensation_workflow() -> ConductorWorkflow:
    """Cancel the hotel, then the flight, of a failed booking (each only when it was reserved)."""
    workflow = ConductorWorkflow(name=COMPENSATION, version=1)
    reserved = JsonJQTask("reserved", _RESERVED).input_parameter("failed", workflow.input("failedWorkflow"))
    workflow >> reserved >> _cancel_if_reserved("hotel") >> _cancel_if_reserved("flight")
    workflow.output_parameters(
        {
            "bookingWorkflow": workflow.input("workflowId"),
            "reason": workflow.input("reason"),
            "cancelledHotel": "${cancel_hotel.output.cancelled}",
            "cancelledFlight": "${cancel_flight.output.cancelled}",
        }
    )
    return workflow


def trip() -> Dict[str, Any]:
    """A booking request."""
    return {"from": "AMS", "to": "LIS", "date": "2024-05-01", "nights": 3, "card": "4242", "budget": 640}
