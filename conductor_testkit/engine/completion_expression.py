"""A bounded script's completion value as one JavaScript expression, compiled once per script.

The server's answer for a script is its *completion value* (``if (c) { true; } else { false; }``
answers a boolean), which QuickJS gives only through ``eval``: a parse and a compile on every
evaluation, for a loop condition on every iteration. A script of the bounded grammar
(:mod:`conductor_testkit.engine.bounded_scripts`: expression statements, blocks, ``if``/``else``
and empty statements; no declaration, function, assignment, comment or template) has a
statement structure that maps onto one expression with the same value and the same evaluation
order (ECMAScript's completion rules, UpdateEmpty included):

* ``E;`` is ``(E)``; a list of statements is the values of its non-empty statements joined by
  commas, in parentheses (each evaluated in turn, the last one's value kept); ``;`` and ``{}``
  have no value;
* ``if (C) S1 else S2`` is ``((C) ? T(S1) : T(S2))``, where a branch without a value (or a
  missing ``else``) is ``void 0``: an ``if`` statement's completion is never empty;
* ``{ ... }`` is the value of the list inside.

The prelude (``__ctk_run``) compiles ``(function () { return (<expression>); })`` once per
script text in the in-process context and calls it on later evaluations. The translation is
conservative: a script it does not take returns None, and one whose statements rely on
automatic semicolon insertion (``1\\n2``) gives an expression QuickJS refuses to compile; both
run through ``eval`` as before. An evaluation that throws is run again through ``eval`` (a
bounded script has no side effect), so errors keep ``eval``'s text and line.
tests/engine/test_completion_expression.py compares the two on QuickJS.
"""

from __future__ import annotations

import functools
import re
from typing import List, Optional, Tuple

from conductor_testkit.engine.bounded_scripts import STRING_LITERAL, is_bounded

_IDENTIFIER_PART = re.compile(r"[\w$]")
# skipped between statements; any other character stays in the text QuickJS compiles
_SPACE = frozenset(" \t\r\n")
_OPENING = {"(": ")", "[": "]", "{": "}"}
_CLOSING = frozenset(_OPENING.values())
NO_VALUE = "void 0"


class _Untranslatable(Exception):
    """The text is not a statement list of the bounded grammar as this translation reads it."""


@functools.lru_cache(maxsize=2048)  # a definition evaluates the same scripts on every iteration
def completion_expression(script: str) -> Optional[str]:
    """The expression whose value is ``script``'s completion value, or None (module docstring)."""
    if not is_bounded(script):
        return None
    # string literals blanked (same length): their brackets and semicolons are not structure
    skeleton = STRING_LITERAL.sub(
        lambda m: m.group(0)[0] + "x" * (len(m.group(0)) - 2) + m.group(0)[0], script
    )
    try:
        values = _Reader(script, skeleton).statements(0, len(script))
    except _Untranslatable:
        return None
    return _sequence(values) or NO_VALUE


def _sequence(values: List[str]) -> Optional[str]:
    """Expressions evaluated in turn, the last one's value kept (None: no values)."""
    if not values:
        return None
    return values[0] if len(values) == 1 else f"({', '.join(values)})"


class _Reader:
    """Reads statements from ``script``; structure is found in ``skeleton`` (strings blanked)."""

    def __init__(self, script: str, skeleton: str) -> None:
        self.script = script
        self.skeleton = skeleton

    def statements(self, pos: int, end: int) -> List[str]:
        """The values of the non-empty statements between ``pos`` and ``end``, in order."""
        values: List[str] = []
        while True:
            pos = self._skip_space(pos, end)
            if pos >= end:
                return values
            value, pos = self.statement(pos, end)
            if value is not None:
                values.append(value)

    def statement(self, pos: int, end: int) -> Tuple[Optional[str], int]:
        """One statement at ``pos``: its value (None: empty) and where the next one starts."""
        pos = self._skip_space(pos, end)
        if pos >= end:
            raise _Untranslatable("a statement was expected")
        first = self.skeleton[pos]
        if first == ";":
            return None, pos + 1
        if first == "{":
            close = self._matching(pos, end)
            values = self.statements(pos + 1, close)
            return _sequence(values), close + 1
        if self._keyword_at(pos, "if"):
            return self._if_statement(pos, end)
        if self._keyword_at(pos, "else"):
            raise _Untranslatable("else without if")
        return self._expression_statement(pos, end)

    def _if_statement(self, pos: int, end: int) -> Tuple[str, int]:
        opening = self._skip_space(pos + 2, end)
        if opening >= end or self.skeleton[opening] != "(":
            raise _Untranslatable("if without a parenthesised condition")
        close = self._matching(opening, end)
        condition = self.script[opening + 1 : close]
        when_true, pos = self.statement(close + 1, end)
        when_false: Optional[str] = None
        after = self._skip_space(pos, end)
        if after < end and self._keyword_at(after, "else"):
            when_false, pos = self.statement(after + 4, end)
        return f"(({condition}) ? {when_true or NO_VALUE} : {when_false or NO_VALUE})", pos

    def _expression_statement(self, pos: int, end: int) -> Tuple[str, int]:
        """Up to the first ``;`` outside brackets (consumed) or ``end``; brackets must balance."""
        skeleton = self.skeleton
        index = pos
        while index < end:
            char = skeleton[index]
            if char in _OPENING:
                index = self._matching(index, end) + 1
                continue
            if char in _CLOSING:
                raise _Untranslatable("unbalanced brackets")
            if char == ";":
                return f"({self.script[pos:index]})", index + 1
            index += 1
        return f"({self.script[pos:end]})", end

    def _matching(self, pos: int, end: int) -> int:
        """The index of the bracket that closes the one at ``pos`` (nested brackets must match)."""
        skeleton = self.skeleton
        stack = [_OPENING[skeleton[pos]]]
        index = pos + 1
        while index < end:
            char = skeleton[index]
            if char in _OPENING:
                stack.append(_OPENING[char])
            elif char in _CLOSING:
                if char != stack.pop():
                    raise _Untranslatable("mismatched brackets")
                if not stack:
                    return index
            index += 1
        raise _Untranslatable("unclosed bracket")

    def _keyword_at(self, pos: int, word: str) -> bool:
        after = pos + len(word)
        return self.skeleton.startswith(word, pos) and not (
            after < len(self.skeleton) and _IDENTIFIER_PART.match(self.skeleton, after)
        )

    def _skip_space(self, pos: int, end: int) -> int:
        while pos < end and self.skeleton[pos] in _SPACE:
            pos += 1
        return pos
