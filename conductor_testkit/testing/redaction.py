"""Redaction of secrets in captured executions: values under keys that name a secret.

A captured case is meant to be committed beside the tests, so what production passed around
(tokens, passwords, authorization headers, ...) must not end up in it. A :class:`Redactor`
replaces the value of every map entry whose *key* matches one of its patterns with
:data:`REDACTED`, at any depth, in inputs, outputs, variables and definitions alike.

Patterns are shell-style globs matched against the whole key, ignoring case (``*token*``
matches ``accessToken`` and ``X-Token``). :data:`DEFAULT_PATTERNS` covers the usual names; more
can be added. Two kinds of values are kept: ``${...}`` expressions (a definition's
``"authorization": "Bearer ${workflow.input.token}"`` names where a secret comes from, it is not
one; the secret itself is redacted where it sits, in the input), and values that are already
:data:`REDACTED`. Redaction is therefore consistent: a replay computes from redacted inputs the
same redacted values the capture recorded.
"""

from __future__ import annotations

import fnmatch
import re
from typing import Any, Dict, Iterable, List, Optional, Pattern, Set, Tuple

__all__ = ["DEFAULT_PATTERNS", "REDACTED", "Redactor"]

#: what a redacted value becomes
REDACTED = "***"

#: key patterns redacted by default (globs, case-insensitive)
DEFAULT_PATTERNS: Tuple[str, ...] = (
    "*token*",
    "*password*",
    "*passwd*",
    "*secret*",
    "*authorization*",
    "*api_key*",
    "*apikey*",
    "*api-key*",
    "*credential*",
    "*private_key*",
    "*cookie*",
    "headers",
)


class Redactor:
    """Replaces the values of keys matching ``patterns`` (see the module docstring).

    Redacting by key alone would leave a secret wherever it was copied under another name (a
    task's ``pw`` input mapped from the workflow's ``password``, a ``"Bearer <token>"`` header,
    a failure reason quoting it). So a redactor first :meth:`learn` s the secret strings (those of
    at least :attr:`MIN_SECRET_LENGTH` characters under secret keys), then replaces them wherever
    they occur, inside longer strings too.

    Args:
        patterns: extra key patterns, added to the defaults.
        defaults: whether :data:`DEFAULT_PATTERNS` apply.
    """

    MIN_SECRET_LENGTH = 6

    def __init__(self, patterns: Iterable[str] = (), *, defaults: bool = True) -> None:
        self.patterns: List[str] = [*(DEFAULT_PATTERNS if defaults else ()), *patterns]
        self._regex: Optional[Pattern[str]] = (
            re.compile("|".join(f"(?:{fnmatch.translate(p)})" for p in self.patterns), re.IGNORECASE)
            if self.patterns
            else None
        )
        self._secrets: Set[str] = set()
        self._secret_regex: Optional[Pattern[str]] = None
        #: how many values this redactor replaced so far
        self.count = 0

    def matches(self, key: Any) -> bool:
        """Whether the value under ``key`` is a secret."""
        return self._regex is not None and isinstance(key, str) and self._regex.match(key) is not None

    def learn(self, value: Any, secret: bool = False) -> Any:
        """Remember the secret strings in ``value`` (JSON data); returns ``value`` unchanged."""
        if isinstance(value, dict):
            for key, item in value.items():
                self.learn(item, secret or self.matches(key))
        elif isinstance(value, list):
            for item in value:
                self.learn(item, secret)
        elif secret and isinstance(value, str) and len(value) >= self.MIN_SECRET_LENGTH:
            if value != REDACTED and not _is_expression(value):
                self._secrets.add(value)
                self._secret_regex = None
        return value

    def __call__(self, value: Any) -> Any:
        """A copy of ``value`` (JSON data) with the values of secret keys and the secrets learnt
        replaced by :data:`REDACTED`."""
        if isinstance(value, dict):
            return {key: self._entry(key, item) for key, item in value.items()}
        if isinstance(value, list):
            return [self(item) for item in value]
        if isinstance(value, str) and self._secrets:
            replaced, count = self._secrets_pattern().subn(REDACTED, value)
            self.count += count
            return replaced
        return value

    def _secrets_pattern(self) -> Pattern[str]:
        if self._secret_regex is None:
            longest_first = sorted(self._secrets, key=len, reverse=True)
            self._secret_regex = re.compile("|".join(re.escape(s) for s in longest_first))
        return self._secret_regex

    def _entry(self, key: Any, value: Any) -> Any:
        if not self.matches(key) or value is None or value == REDACTED or _is_expression(value):
            return self(value)
        self.count += 1
        return REDACTED

    def to_dict(self) -> Dict[str, Any]:
        """The patterns applied and how many values were replaced, for the case file."""
        return {"patterns": list(self.patterns), "redacted": self.count}

    def __repr__(self) -> str:
        return f"Redactor({self.patterns!r})"


def _is_expression(value: Any) -> bool:
    return isinstance(value, str) and "${" in value
