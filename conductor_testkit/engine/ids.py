"""Deterministic, UUID-shaped identifiers for workflows and tasks."""

from __future__ import annotations

import hashlib
import random
import uuid

# uuid.UUID(version=4): RFC 4122 variant bits and version 4 (what UUID.__init__ sets)
_CLEAR_VERSION_BITS = ~((0xC000 << 48) | (0xF000 << 64))
_V4_BITS = (0x8000 << 48) | (4 << 76)


class IdGenerator:
    """UUID v4-shaped ids from a seeded generator: the same seed gives the same ids."""

    def __init__(self, seed: int = 0) -> None:
        self._random = random.Random(seed)

    def generate(self) -> str:
        """A new random (v4-shaped) id: ``str(uuid.UUID(int=bits, version=4))``, built directly."""
        bits = self._random.getrandbits(128) & _CLEAR_VERSION_BITS | _V4_BITS
        h = bits.to_bytes(16, "big").hex()  # 32 hex digits, faster than format()
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"

    @staticmethod
    def name_based(name: str) -> str:
        """A name-based (v3) id like Java's ``UUID.nameUUIDFromBytes`` (sub-workflow ids)."""
        digest = hashlib.md5(name.encode("utf-8")).digest()
        return str(uuid.UUID(bytes=digest, version=3))
