"""The order workflow on the engine: branches, retries on the virtual clock, outputs."""

from __future__ import annotations

from examples.order_processing.main import run


def test_express_order_completes_after_two_payment_retries() -> None:
    workflow = run("express")
    charges = [t for t in workflow["tasks"] if t["referenceTaskName"] == "charge"]
    assert workflow["status"] == "COMPLETED"
    assert [t["status"] for t in charges] == ["FAILED", "FAILED", "COMPLETED"]
    assert workflow["output"] == {
        "total": 14.5,
        "paymentId": "pay-4242-14.5",
        "attempts": 3,
        "express": "EXP-2",
        "standard": None,
    }


def test_retries_wait_the_linear_backoff_on_the_virtual_clock() -> None:
    first, second, third = [t for t in run()["tasks"] if t["referenceTaskName"] == "charge"]
    assert [t["startDelayInSeconds"] for t in (second, third)] == [30, 60]
    assert second["startTime"] - first["endTime"] == 30_000
    assert third["startTime"] - second["endTime"] == 60_000


def test_standard_shipping_takes_the_default_branch() -> None:
    workflow = run("standard")
    assert [t["referenceTaskName"] for t in workflow["tasks"]][-1] == "standard"
    assert workflow["output"]["standard"] == "STD-2"


def test_failed_payment_attempts_are_listed_on_the_completed_workflow() -> None:
    assert run()["failedReferenceTaskNames"] == ["charge"]
