"""The paged import, on any backend: ``pytest examples/catalog_import [--conductor-backend=remote|live]``.

Loop iterations are mocked as ``fetch_page__1``, ``fetch_page__2`` (the server's names), and the
dynamically forked tasks by the reference names the jq plan gives them (``upsert_<sku>``).
"""

from __future__ import annotations

import pytest

from conductor_testkit.testing import Harness
from examples.catalog_import.workers import Catalog
from examples.catalog_import.workflow import import_workflow, page

REFUSED = {"status": "FAILED_WITH_TERMINAL_ERROR", "output": {"error": "the price must be positive"}}


def test_every_page_is_fetched_and_every_product_upserted(conductor: Harness) -> None:
    mocks = {
        "fetch_page__1": page("p1", "p2", more=True),
        "fetch_page__2": page("p3", more=False),
        "upsert_p1": {"upserted": True},
        "upsert_p2": {"upserted": True},
        "upsert_p3": {"upserted": True},
        "notify": {"sent": True},
    }
    execution = conductor.run(import_workflow(), {"feed": "acme"}, mocks)
    execution.assert_completed().assert_task("join_upsert", "COMPLETED")
    assert [t.input_data["page"] for t in execution.attempts("fetch_page")] == [1, 2]
    execution.assert_task("upsert_p2", input_contains={"product": {"sku": "p2", "price": 11}})
    assert execution.output == {
        "pages": 2,
        "summary": {
            "planned": 3,
            "imported": 3,
            "refused": 0,
            "importedRefs": ["upsert_p1", "upsert_p2", "upsert_p3"],
        },
    }


def test_a_refused_product_does_not_stop_the_others(conductor: Harness) -> None:
    mocks = {
        "fetch_page__1": page("p1", "p2", "p3", more=False),
        "upsert_p1": {"upserted": True},
        "upsert_p2": REFUSED,
        "upsert_p3": {"upserted": True},
        "notify": {"sent": True},
    }
    execution = conductor.run(import_workflow(), {"feed": "acme"}, mocks)
    # the upsert tasks are optional: a refusal ends COMPLETED_WITH_ERRORS, and so does the JOIN
    execution.assert_completed().assert_task("upsert_p2", "COMPLETED_WITH_ERRORS")
    execution.assert_task("join_upsert", "COMPLETED_WITH_ERRORS")
    execution.assert_task("notify", input_contains={"summary": {
        "planned": 3, "imported": 2, "refused": 1, "importedRefs": ["upsert_p1", "upsert_p3"],
    }})  # fmt: skip


def test_an_empty_feed_imports_nothing(conductor: Harness) -> None:
    mocks = {"fetch_page__1": page(more=False), "notify": {"sent": True}}
    execution = conductor.run(import_workflow(), {"feed": "acme"}, mocks)
    execution.assert_completed()
    assert execution.output["summary"] == {"planned": 0, "imported": 0, "refused": 0, "importedRefs": []}


@pytest.mark.conductor_backend("local", "live")  # the server's test endpoint cannot call workers
def test_the_real_workers_import_a_three_page_feed(conductor: Harness) -> None:
    catalog = Catalog(
        [
            [{"sku": "p1", "price": 12}, {"sku": "p2", "price": 8}],
            [{"sku": "p3", "price": 0}, {"sku": "p4", "price": 30}],
            [{"sku": "p5", "price": 5}],
        ]
    )
    execution = conductor.run(import_workflow(), {"feed": "acme"}, workers=catalog.workers())
    execution.assert_completed()
    assert sorted(catalog.products) == ["p1", "p2", "p4", "p5"]
    assert catalog.notifications == [
        {"feed": "acme", "planned": 5, "imported": 4, "refused": 1,
         "importedRefs": ["upsert_p1", "upsert_p2", "upsert_p4", "upsert_p5"]},
    ]  # fmt: skip
