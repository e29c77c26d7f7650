"""TimeoutPolicy of a workflow definition (the official SDK's names)."""

from __future__ import annotations

from enum import Enum


class TimeoutPolicy(str, Enum):
    """What the server does when a workflow exceeds ``timeoutSeconds``."""

    TIME_OUT_WORKFLOW = "TIME_OUT_WF"
    ALERT_ONLY = "ALERT_ONLY"

    def __str__(self) -> str:
        return str(self.value)
