"""TimeoutPolicy of a workflow definition (the official SDK's names)."""

from __future__ import annotations

from conductor_testkit.models.enums import WireEnum


class TimeoutPolicy(WireEnum):
    """What the server does when a workflow exceeds ``timeoutSeconds``."""

    TIME_OUT_WORKFLOW = "TIME_OUT_WF"
    ALERT_ONLY = "ALERT_ONLY"
