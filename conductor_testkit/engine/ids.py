"""Deterministic, UUID-shaped identifiers for workflows and tasks."""

from __future__ import annotations

import hashlib
import random
import uuid


class IdGenerator:
    """UUID v4-shaped ids from a seeded generator: the same seed gives the same ids."""

    def __init__(self, seed: int = 0) -> None:
        self._random = random.Random(seed)

    def generate(self) -> str:
        """A new random (v4-shaped) id."""
        return str(uuid.UUID(int=self._random.getrandbits(128), version=4))

    @staticmethod
    def name_based(name: str) -> str:
        """A name-based (v3) id like Java's ``UUID.nameUUIDFromBytes`` (sub-workflow ids)."""
        digest = hashlib.md5(name.encode("utf-8")).digest()
        return str(uuid.UUID(bytes=digest, version=3))
