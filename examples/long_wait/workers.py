"""The reminder worker: it reads the clock like any production code would."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Dict

from conductor_testkit.worker.worker import Worker


def send_reminder(email: str) -> Dict[str, str]:
    # On the engine this is the virtual time (freezegun), six hours after the start.
    return {"to": email, "sentAt": datetime.now(timezone.utc).isoformat()}


WORKERS = [Worker("send_reminder", send_reminder)]
