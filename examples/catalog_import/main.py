"""Import a three-page feed on the embedded engine with the real workers."""

from __future__ import annotations

from typing import Any, Dict

from conductor_testkit.engine import Engine
from examples.catalog_import.workers import Catalog
from examples.catalog_import.workflow import NAME, import_workflow

FEED = [
    [{"sku": "p1", "price": 12}, {"sku": "p2", "price": 8}],
    [{"sku": "p3", "price": 0}, {"sku": "p4", "price": 30}],
    [{"sku": "p5", "price": 5}],
]


def run() -> Dict[str, Any]:
    """The finished import workflow (wire JSON)."""
    engine = Engine(workers=Catalog(FEED).workers())
    engine.register_workflow_def(import_workflow().to_workflow_def())
    return engine.execute({"name": NAME, "version": 1, "input": {"feed": "acme"}})


if __name__ == "__main__":
    from examples.__main__ import describe

    print(describe(NAME, run()))
