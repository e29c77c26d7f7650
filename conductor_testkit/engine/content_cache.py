"""A bounded cache of answers about definitions, kept by a key made of their content.

A suite runs each workflow definition many times; what depends on a definition alone (its
prepared form, its bound form, its references' types, its lint) is worked out once per content
(usually the definition pickled) and kept here. The oldest answers are dropped past ``limit``
answers, or past ``max_bytes`` when the caller gives each answer's size.
"""

from __future__ import annotations

from typing import Dict, Generic, Hashable, Optional, Tuple, TypeVar

__all__ = ["ContentCache"]

V = TypeVar("V")


class ContentCache(Generic[V]):
    """Answers by content key, the oldest dropped first.

    Args:
        limit: the most answers kept.
        max_bytes: the most bytes kept, counted from the ``size`` :meth:`put` is given (None: no
            bound in bytes). An answer larger than a quarter of it is not kept at all.
    """

    def __init__(self, limit: int = 256, *, max_bytes: Optional[int] = None) -> None:
        self._answers: Dict[Hashable, Tuple[V, int]] = {}
        self._limit = limit
        self._max_bytes = max_bytes
        self._bytes = 0

    def get(self, key: Hashable) -> Optional[V]:
        found = self._answers.get(key)
        return found[0] if found is not None else None

    def put(self, key: Hashable, answer: V, size: int = 0) -> V:
        """Keep ``answer`` (``size`` bytes) under ``key``; returns ``answer``."""
        if self._max_bytes is not None and size > self._max_bytes // 4:
            return answer  # one huge answer: worked out again each time rather than held
        old = self._answers.pop(key, None)
        if old is not None:
            self._bytes -= old[1]
        while self._answers and (
            len(self._answers) >= self._limit
            or (self._max_bytes is not None and self._bytes + size > self._max_bytes)
        ):
            dropped = self._answers.pop(next(iter(self._answers)), None)
            if dropped is not None:  # (another thread may have dropped it first)
                self._bytes -= dropped[1]
        self._answers[key] = (answer, size)
        self._bytes += size
        return answer

    def __len__(self) -> int:
        return len(self._answers)

    @property
    def bytes(self) -> int:
        """The sizes of the answers kept, added up."""
        return self._bytes
