"""The workers of the order workflow: plain functions, exactly what would poll a real server."""

from __future__ import annotations

from typing import Any, Dict, List

from conductor_testkit.models import Task
from conductor_testkit.worker.worker import Worker


def reserve_inventory(items: List[Dict[str, Any]]) -> Dict[str, Any]:
    return {"total": sum(item["price"] for item in items), "reserved": [item["sku"] for item in items]}


def charge_payment(task: Task, amount: float, card: str) -> Dict[str, Any]:
    # The provider times out on the first two attempts; the engine retries on the virtual clock.
    attempt = (task.retry_count or 0) + 1
    if attempt < 3:
        raise ConnectionError(f"payment provider timed out charging card {card} (attempt {attempt})")
    return {"paymentId": f"pay-{card}-{amount}", "attempt": attempt}


def ship_express(items: List[Dict[str, Any]]) -> Dict[str, Any]:
    return {"tracking": f"EXP-{len(items)}"}


def ship_standard(items: List[Dict[str, Any]]) -> Dict[str, Any]:
    return {"tracking": f"STD-{len(items)}"}


WORKERS = [
    Worker("reserve_inventory", reserve_inventory),
    Worker("charge_payment", charge_payment),
    Worker("ship_express", ship_express),
    Worker("ship_standard", ship_standard),
]
