"""The kitchen sink through the ``conductor`` fixture (any backend), and one property over it."""

from __future__ import annotations

from conductor_testkit.testing.properties import assert_always, ends_terminal, retries_within_limit
from examples.kitchen_sink.workflow import COMPENSATION_WORKFLOW, KITCHEN_SINK


def test_a_domestic_order_takes_every_step(conductor) -> None:  # type: ignore[no-untyped-def]
    execution = conductor.run(
        KITCHEN_SINK,
        {"order_id": "o-1", "country": "us", "amount": 500, "items": ["mug"], "labels": ["a", "b"]},
        {
            "validate": {},
            "ship_domestic": {},
            "score": {"band": "low"},
            "invoice": {},
            "notify": {},
            "pack__1": {},
            "_print_label_0": {},
            "_print_label_1": {},
        },
        sub_workflow_mocks={"archive": {"store": {"result": "ok"}}},
    )
    execution.assert_completed().assert_path(
        "validate",
        "ship_domestic",
        "score",
        "invoice",
        "notify",
        "pack__1",
        "_print_label_0",
        "_print_label_1",
        "archive",
        "summary",
    )
    assert execution.output == {"summary": {"order": "o-1", "route": "us"}}


def test_an_embargoed_country_ends_the_order() -> None:
    assert_always(
        KITCHEN_SINK,
        ends_terminal,
        retries_within_limit,
        lambda execution: execution.input.get("country") != "embargoed" or execution.status == "FAILED",
        register=[COMPENSATION_WORKFLOW],
        max_examples=30,
    )
