"""The booking saga's workers, over an in-memory travel agency (what the real services would be)."""

from __future__ import annotations

import itertools
from typing import Any, Dict, List

from conductor_testkit.worker import Worker


class TravelAgency:
    """Flights, hotels and a card processor that declines cards it was told to decline."""

    def __init__(self, declined_cards: Any = ()) -> None:
        self.declined_cards = set(declined_cards)
        self.bookings: Dict[str, Dict[str, Any]] = {}
        self.charges: List[Dict[str, Any]] = []
        self._ids = itertools.count(1)

    def _book(self, kind: str, details: Dict[str, Any]) -> Dict[str, Any]:
        booking_id = f"{kind}-{next(self._ids)}"
        self.bookings[booking_id] = {"kind": kind, "status": "reserved", **details}
        return {"bookingId": booking_id}

    def reserve_flight(self, date: str, **route: str) -> Dict[str, Any]:
        return self._book("flight", {"from": route["from"], "to": route["to"], "date": date})

    def reserve_hotel(self, city: str, nights: int) -> Dict[str, Any]:
        return self._book("hotel", {"city": city, "nights": nights})

    def charge_card(self, card: str, amount: float, bookings: List[str]) -> Dict[str, Any]:
        if card in self.declined_cards:
            # a decline is final: retrying the same card will not help
            raise CardDeclined(f"card {card} declined for {amount}")
        self.charges.append({"card": card, "amount": amount, "bookings": bookings})
        return {"paymentId": f"pay-{len(self.charges)}"}

    def cancel(self, bookingId: str) -> Dict[str, Any]:
        self.bookings[bookingId]["status"] = "cancelled"
        return {"cancelled": bookingId}

    def status(self) -> Dict[str, str]:
        return {booking_id: b["status"] for booking_id, b in self.bookings.items()}


class CardDeclined(Exception):
    """The card processor's final answer."""


def workers(agency: TravelAgency) -> List[Worker]:
    """One worker per task type of the saga and its compensation, all backed by ``agency``."""

    def charge(card: str, amount: float, bookings: List[str]) -> Any:
        from conductor_testkit.models import TaskResult

        try:
            return agency.charge_card(card, amount, bookings)
        except CardDeclined as exc:
            return TaskResult(status="FAILED_WITH_TERMINAL_ERROR", reason_for_incompletion=str(exc))

    return [
        Worker("saga_reserve_flight", agency.reserve_flight),
        Worker("saga_reserve_hotel", agency.reserve_hotel),
        Worker("saga_charge_card", charge),
        Worker("saga_cancel_hotel", agency.cancel),
        Worker("saga_cancel_flight", agency.cancel),
    ]
