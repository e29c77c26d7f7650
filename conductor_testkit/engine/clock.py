"""The virtual clock every engine run reads instead of the wall clock."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Optional, Union

# A fixed default instant (2024-01-01T00:00:00Z) keeps runs reproducible.
DEFAULT_START_MS = 1_704_067_200_000


class VirtualClock:
    """Milliseconds since the epoch, moved only by the engine or the test.

    ``VirtualClock()`` starts at 2024-01-01T00:00:00Z; pass ``start`` (epoch ms, or an aware
    ``datetime``) to start elsewhere.
    """

    def __init__(self, start: Optional[Union[int, datetime]] = None) -> None:
        if start is None:
            self._now_ms = DEFAULT_START_MS
        elif isinstance(start, datetime):
            aware = start if start.tzinfo else start.replace(tzinfo=timezone.utc)
            self._now_ms = int(aware.timestamp() * 1000)
        else:
            self._now_ms = int(start)

    def now_ms(self) -> int:
        """The current virtual time in epoch milliseconds."""
        return self._now_ms

    def now(self) -> datetime:
        """The current virtual time as an aware UTC datetime."""
        return datetime.fromtimestamp(self._now_ms / 1000.0, tz=timezone.utc)

    def advance(self, seconds: float) -> int:
        """Move forward by ``seconds`` (never backwards); returns the new time in ms."""
        if seconds < 0:
            raise ValueError(f"VirtualClock.advance: seconds must be >= 0, got {seconds}")
        self._now_ms += int(round(seconds * 1000))
        return self._now_ms

    def advance_to(self, ms: int) -> int:
        """Jump to epoch ms ``ms`` if it lies in the future; returns the new time in ms."""
        if ms > self._now_ms:
            self._now_ms = int(ms)
        return self._now_ms

    def __repr__(self) -> str:
        return f"VirtualClock({self._now_ms})"
