"""The import's workers, over an in-memory supplier feed and catalog."""

from __future__ import annotations

from typing import Any, Dict, List

from conductor_testkit.models import TaskResult
from conductor_testkit.worker import Worker


class Catalog:
    """A supplier feed of pages and the catalog products are upserted into; it refuses bad prices."""

    def __init__(self, pages: List[List[Dict[str, Any]]]) -> None:
        self.pages = pages
        self.products: Dict[str, Dict[str, Any]] = {}
        self.notifications: List[Dict[str, Any]] = []

    def fetch_page(self, feed: str, page: int) -> Dict[str, Any]:
        return {"products": self.pages[page - 1], "hasMore": page < len(self.pages)}

    def upsert(self, product: Dict[str, Any]) -> Any:
        if product["price"] <= 0:
            # a final refusal: retrying the same product will not help
            return TaskResult(
                status="FAILED_WITH_TERMINAL_ERROR",
                reason_for_incompletion=f"product {product['sku']}: the price must be positive",
            )
        self.products[product["sku"]] = product
        return {"upserted": True}

    def notify(self, feed: str, summary: Dict[str, Any]) -> Dict[str, Any]:
        self.notifications.append({"feed": feed, **summary})
        return {"sent": True}

    def workers(self) -> List[Worker]:
        return [
            Worker("import_fetch_page", self.fetch_page),
            Worker("import_upsert_product", self.upsert),
            Worker("import_notify", self.notify),
        ]
