"""Java's ``Objects.toString`` of JSON values, and Java ``HashMap`` key order.

The server builds strings from embedded expressions (``"n=${x}"``) with Java's ``toString``, so
``5.0`` stays ``5.0``, ``1e7`` becomes ``1.0E7``, a map renders as ``{a=1, b=x}`` and a list as
``[1, 2, x]``. The maps the server builds while resolving parameters are ``HashMap`` objects whose
iteration order is the hash order of their keys, which shows in such strings and in the key order
of the JSON the server returns; :func:`java_hashmap_order` reproduces it.
"""

from __future__ import annotations

import math
from decimal import Decimal
from functools import lru_cache
from typing import Any, Dict, Iterable, List, Mapping, Tuple


def java_double_string(value: float) -> str:
    """Java ``Double.toString`` (JDK 19+, shortest repr): ``5.0``, ``0.001``, ``1.0E7``, ``1.0E-4``."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value == 0.0:
        return "-0.0" if math.copysign(1.0, value) < 0 else "0.0"
    sign = "-" if value < 0 else ""
    magnitude = abs(value)
    # repr() is the shortest string that round-trips, as Java's algorithm since JDK 19.
    digits_tuple = Decimal(repr(magnitude)).normalize().as_tuple()
    digits = "".join(str(d) for d in digits_tuple.digits)
    exponent = int(digits_tuple.exponent)
    # value = 0.d1d2d3... * 10**point
    point = len(digits) + exponent
    if 1e-3 <= magnitude < 1e7:
        if point <= 0:
            text = "0." + "0" * (-point) + digits
        elif point >= len(digits):
            text = digits + "0" * (point - len(digits)) + ".0"
        else:
            text = digits[:point] + "." + digits[point:]
        return sign + text
    mantissa = digits[0] + "." + (digits[1:] or "0")
    return f"{sign}{mantissa}E{point - 1}"


def java_string(value: Any) -> str:
    """Java ``Objects.toString`` of a JSON value as the server holds it.

    ``None`` -> ``"null"``, ``True`` -> ``"true"``, ``5`` -> ``"5"``, ``5.0`` -> ``"5.0"``,
    ``{"a": 1}`` -> ``"{a=1}"``, ``[1, "x"]`` -> ``"[1, x]"`` (nested values likewise; a container
    that contains itself renders as ``(this Map)``/``(this Collection)`` like Java).
    """
    if value is None:
        return "null"
    if isinstance(value, str):
        return value
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return java_double_string(value)
    if isinstance(value, (dict, Mapping)):  # dict first: the cheap check
        parts = []
        for key, item in value.items():
            item_text = "(this Map)" if item is value else java_string(item)
            parts.append(f"{java_string(key)}={item_text}")
        return "{" + ", ".join(parts) + "}"
    if isinstance(value, (list, tuple)):
        items = ["(this Collection)" if item is value else java_string(item) for item in value]
        return "[" + ", ".join(items) + "]"
    return str(value)


@lru_cache(maxsize=8192)
def java_string_hash(text: str) -> int:
    """Java ``String.hashCode`` (UTF-16 code units, 32-bit wrap-around), as a signed int."""
    h = 0
    for unit in _utf16_units(text):
        h = (31 * h + unit) & 0xFFFFFFFF
    return h - 0x100000000 if h & 0x80000000 else h


def _utf16_units(text: str) -> Iterable[int]:
    for ch in text:
        code = ord(ch)
        if code > 0xFFFF:
            code -= 0x10000
            yield 0xD800 + (code >> 10)
            yield 0xDC00 + (code & 0x3FF)
        else:
            yield code


def _spread(h: int) -> int:
    # HashMap.hash(): h ^ (h >>> 16) on the 32-bit pattern.
    unsigned = h & 0xFFFFFFFF
    return (unsigned ^ (unsigned >> 16)) & 0xFFFFFFFF


def _table_size(count: int) -> int:
    # A default HashMap (capacity 16, load factor 0.75) doubles when size exceeds 3/4 of it.
    size = 16
    while count > size * 3 // 4:
        size *= 2
    return size


def java_hashmap_order(keys: Iterable[str]) -> List[str]:
    """The iteration order of a ``new HashMap<>()`` after ``put`` of ``keys`` in the given order.

    Buckets in index order; keys in one bucket keep their insertion order (resizing splits
    buckets without reordering). Tree bins (8+ colliding keys) are not modelled.
    """
    return list(_hashmap_order(tuple(keys)))


@lru_cache(maxsize=4096)
def _hashmap_order(keys: Tuple[str, ...]) -> Tuple[str, ...]:
    # cached: the same key sets (a task's inputParameters, the context entries) recur on every resolve
    mask = _table_size(len(keys)) - 1
    indexed = [(_spread(java_string_hash(key)) & mask, pos, key) for pos, key in enumerate(keys)]
    indexed.sort()
    return tuple(key for _, _, key in indexed)


def as_java_hashmap(items: Dict[str, Any]) -> Dict[str, Any]:
    """A dict with the same items in Java ``HashMap`` order (returns ``items`` when already so)."""
    if len(items) < 2:
        return items
    keys = tuple(items)
    order = _hashmap_order(keys)
    if order == keys:
        return items
    return {key: items[key] for key in order}


__all__ = [
    "as_java_hashmap",
    "java_double_string",
    "java_hashmap_order",
    "java_string",
    "java_string_hash",
]
