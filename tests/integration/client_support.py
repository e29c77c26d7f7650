"""Helpers shared by the client integration tests (imported by test_client_*.py)."""

from __future__ import annotations

import time
from typing import Callable, TypeVar

T = TypeVar("T")


def eventually(fetch: Callable[[], T], accept: Callable[[T], bool], timeout_seconds: float = 15.0) -> T:
    """Poll ``fetch`` until ``accept`` holds (the server's search index and queues lag)."""
    deadline = time.monotonic() + timeout_seconds
    value = fetch()
    while not accept(value) and time.monotonic() < deadline:
        time.sleep(0.2)
        value = fetch()
    return value
