"""Deep copies of JSON-like data (dicts, lists, scalars), much faster than ``copy.deepcopy``."""

from __future__ import annotations

from typing import Any


def json_copy(value: Any) -> Any:
    """A deep copy of dicts and lists; every other value (scalars, foreign objects) is shared."""
    if isinstance(value, dict):
        return {k: json_copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [json_copy(v) for v in value]
    return value
