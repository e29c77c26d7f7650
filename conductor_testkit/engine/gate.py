"""The engine's gate: the lock every outside call on one engine runs under, and the condition
calls that wait in real time (a long poll, a synchronous execute) sleep on until something changes."""

from __future__ import annotations

import threading
import time
from typing import Any, Callable

__all__ = ["EngineGate"]


class EngineGate:
    """The lock every call on one engine runs under, and the condition waiting calls sleep on."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.changed = threading.Condition(self.lock)

    def touch(self) -> None:
        """Wake the calls waiting for a change (the lock must be held)."""
        self.changed.notify_all()

    def wait_until(self, ready: Callable[[], Any], timeout_seconds: float) -> Any:
        """Wait (lock held on entry and exit) until ``ready()`` is truthy or time runs out."""
        deadline = time.monotonic() + max(0.0, timeout_seconds)
        while True:
            result = ready()
            remaining = deadline - time.monotonic()
            if result or remaining <= 0:
                return result
            self.changed.wait(remaining)
