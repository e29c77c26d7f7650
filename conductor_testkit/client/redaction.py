"""Keeping credentials out of ``repr``, ``str`` and tracebacks.

Anything that can hold a key secret or a token (requests, responses, header dicts, settings)
shows it as ``***``: a traceback that prints local variables (``pytest -l``) or a log line that
echoes an object must not leak it. A field counts as sensitive by its name (``keySecret``,
``X-Authorization``, ``password``, ...), wherever it sits in a JSON body or a header dict.
"""

from __future__ import annotations

from typing import Any, Dict, Tuple

REDACTED = "***"
_SENSITIVE_WORDS: Tuple[str, ...] = (
    "secret",
    "token",
    "password",
    "passwd",
    "authorization",
    "cookie",
    "apikey",
    "credential",
)
_MAX_DEPTH = 32  # a repr is for people: deeper levels are elided
_MAX_REPR_CHARS = 2000  # so is a 20 MB body


def is_sensitive(name: Any) -> bool:
    """Whether a field or header of this name holds a credential."""
    key = str(name).lower().replace("-", "").replace("_", "")
    return any(word in key for word in _SENSITIVE_WORDS)


def redacted(value: Any, _depth: int = 0) -> Any:
    """A copy of a JSON-like value with the values of sensitive fields replaced by ``***``."""
    if _depth > _MAX_DEPTH:
        return "..."
    if isinstance(value, dict):
        return {
            key: REDACTED if is_sensitive(key) else redacted(item, _depth + 1) for key, item in value.items()
        }
    if isinstance(value, (list, tuple)):
        return [redacted(item, _depth + 1) for item in value]
    return value


def short_repr(value: Any) -> str:
    """``repr(redacted(value))``, cut to a readable length."""
    text = repr(redacted(value))
    if len(text) > _MAX_REPR_CHARS:
        return f"{text[: _MAX_REPR_CHARS - 40]}... ({len(text):,} characters)"
    return text


class RedactedHeaders(Dict[str, str]):
    """A header dict whose ``repr`` and ``str`` show sensitive headers (tokens) as ``***``."""

    def __repr__(self) -> str:
        return repr({key: REDACTED if is_sensitive(key) else value for key, value in self.items()})


__all__ = ["REDACTED", "RedactedHeaders", "is_sensitive", "redacted", "short_repr"]
